"""The served sandbox's WSGI application: moto's server application with a short path for the hot services.

moto's server resolves every request the long way: it scans its package directory to map the request's host to
a backend (a filesystem check per moto service, per request), then runs a Flask application per backend
(request context, routing, CORS extension, response finalisation). For a signed request to one of
`FAST_SERVICES` this application instead:

1. takes the service and Region from the SigV4 credential scope, as moto does;
2. maps that host to moto's backend once (memoized; the mapping is static);
3. matches the path against the same backend's Flask URL map once per (backend, method, path, host);
4. calls the same moto handler with the same request class, and answers with the same Flask response class
   and the CORS header moto's Flask extension adds to requests without an `Origin`.

Everything else (unsigned requests, CORS preflights, `/moto-api`, instance metadata, other services, any path
the URL map does not match) goes through moto's application unchanged, whose host -> backend lookup is
memoized too. Responses are the same bytes either way (tests/sandbox/test_serving_application.py compares
them).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import ClientError
from flask import Flask, Response
from moto import settings
from moto.core.utils import convert_to_flask_response
from moto.moto_api import recorder
from moto.moto_server.werkzeug_app import BackendRequest, DomainDispatcherApplication, create_backend_app
from werkzeug.exceptions import HTTPException

from rootguard.sandbox.serving.fast_path import fast_answer

# Services whose signing name is their moto backend's host prefix and which moto routes by the default rule
# (`<service>.<region>.amazonaws.com`): the calls rootguard, Prowler and the member audit repeat.
FAST_SERVICES = frozenset({"iam", "sts", "organizations", "securityhub"})
# Services with calls the fast path (rootguard.sandbox.serving.fast_path) answers itself.
FAST_PATH_SERVICES = frozenset({"iam", "sts"})
_CACHE_LIMIT = 4096
_SLOW_PREFIXES = ("/moto-api", "/latest/meta-data/", "/latest/api/")
_CORS_ORIGIN = "Access-Control-Allow-Origin"

StartResponse = Callable[..., Any]
Handler = Callable[[Any, str, Any], Any]


class SandboxDispatcher(DomainDispatcherApplication):
    """moto's host-based dispatcher, with host -> backend resolution memoized (it is static per process)."""

    def __init__(self) -> None:
        super().__init__(create_backend_app)
        self._backends: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        try:
            return self._backends[host]
        except KeyError:
            pass
        backend = super().get_backend_for_host(host)
        if len(self._backends) < _CACHE_LIMIT:
            self._backends[host] = backend
        return backend

    def app_for(self, backend: str) -> Flask:
        """The Flask application moto serves `backend` with (created once, shared with the slow path)."""
        app = self.app_instances.get(backend)
        if app is None:
            with self.lock:
                app = self.app_instances.get(backend)
                if app is None:
                    app = self.create_app(backend)  # type: ignore[arg-type]
                    self.app_instances[backend] = app
        return app


def _signed_service(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(service, region) from a SigV4 Authorization header; None when the request is not signed that way."""
    auth = environ.get("HTTP_AUTHORIZATION")
    if not auth:
        return None
    try:
        scope = auth.split(",")[0].split()[1]
        _, _, region, service, _ = scope.split("/")
    except (IndexError, ValueError):
        return None
    return service.lower(), region


class SandboxApplication:
    """WSGI application of the served sandbox: moto's server application plus the short path above."""

    def __init__(self, fast_services: Iterable[str] = FAST_SERVICES, *, fast_path: bool = True) -> None:
        self.dispatcher = SandboxDispatcher()
        self.fast_services = frozenset(fast_services)
        self.fast_path = fast_path  # the member audit's calls answered without moto's request machinery
        self._handlers: dict[tuple[str, str, str, str], Handler | None] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if self.fast_path and "HTTP_ORIGIN" not in environ:
            signed = _signed_service(environ)
            if signed is not None and signed[0] in FAST_PATH_SERVICES:
                answer = fast_answer(environ, *signed)
                if answer is not None:
                    return self._respond(answer, environ, start_response)
        handler = self._fast_handler(environ)
        if handler is None:
            return self.dispatcher(environ, start_response)
        return self._serve(handler, environ, start_response)

    # ------------------------------------------------------------------------------------ routing

    def _fast_handler(self, environ: dict[str, Any]) -> Handler | None:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "")
        if (
            not isinstance(path, str)
            or path.startswith(_SLOW_PREFIXES)
            or path == "/favicon.ico"
            or method == "OPTIONS"
            or "HTTP_ORIGIN" in environ  # CORS requests: moto's Flask extension answers them
        ):
            return None
        signed = _signed_service(environ)
        if signed is None or signed[0] not in self.fast_services:
            return None
        backend = self.dispatcher.get_backend_for_host(f"{signed[0]}.{signed[1]}.amazonaws.com")
        if not backend:
            return None
        key = (backend, method, path, environ.get("HTTP_HOST", ""))
        try:
            return self._handlers[key]
        except KeyError:
            pass
        handler = self._match(backend, environ)
        with self._lock:
            if len(self._handlers) >= _CACHE_LIMIT:
                self._handlers.clear()
            self._handlers[key] = handler
        return handler

    def _match(self, backend: str, environ: dict[str, Any]) -> Handler | None:
        """The moto handler Flask would call for this request; None when anything but a plain match."""
        app = self.dispatcher.app_for(backend)
        if app.before_request_funcs or app.url_value_preprocessors:
            return None
        adapter = app.create_url_adapter(BackendRequest(environ))
        if adapter is None:
            return None
        try:
            rule, _ = adapter.match(return_rule=True)
        except HTTPException:  # not found, method not allowed, redirect: moto's application answers
            return None
        view = app.view_functions.get(rule.endpoint)
        return view.callback if isinstance(view, convert_to_flask_response) else None

    # ------------------------------------------------------------------------------------ response

    def _serve(
        self, handler: Handler, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        request = BackendRequest(environ)
        recorder._record_request(request)
        try:
            result = handler(request, request.raw_url, dict(request.headers))
        except ClientError as exc:
            result = 400, {}, exc.response["Error"]["Message"]
        return self._respond(result, environ, start_response)

    @staticmethod
    def _respond(result: Any, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """moto's (status, headers, body) as the Flask response moto's server would send."""
        if len(result) == 3:
            status, headers, content = result
        else:
            status, headers, content = 200, {}, result
        response = Response(response=content, status=status, headers=headers)
        if environ.get("REQUEST_METHOD") == "HEAD" and "content-length" in headers:
            response.headers["Content-Length"] = headers["content-length"]
        if not settings.DISABLE_GLOBAL_CORS and not response.headers.get(_CORS_ORIGIN):
            response.headers.add(_CORS_ORIGIN, "*")
        return response(environ, start_response)
