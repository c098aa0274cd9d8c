"""The served sandbox's HTTP server: werkzeug's threaded WSGI server, with HTTP/1.1 keep-alive.

werkzeug's development server closes the connection after every response, so each AWS call costs the client a
new TCP connection and the server a new thread. This server keeps the connection open when the request was
framed by Content-Length (the body is drained before the next request is read) and the response has a
Content-Length; otherwise it closes the connection exactly as werkzeug does. The status line, the headers
(`Server`, `Date`, the application's) and the body are what werkzeug sends, written in one send with Nagle's
algorithm off. On `stop()` the listening socket and every open connection are closed.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.exceptions import InternalServerError
from werkzeug.serving import ThreadedWSGIServer
from werkzeug.wsgi import LimitedStream

from rootguard.sandbox.errors import TransportFault

_NO_BODY_STATUSES = frozenset({204, 304})
_access_log = logging.getLogger("werkzeug")
_POLL_S = 0.05  # how soon serve_forever notices stop()


class KeepAliveRequestHandler(MotoRequestHandler):
    """moto's request handler (same environ), answering with keep-alive when the framing allows it."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    _date: tuple[int, str] = (0, "")

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header: formatted once per second (the header's resolution) instead of per response."""
        if timestamp is not None:
            return super().date_time_string(timestamp)
        second = int(time.time())
        cached = KeepAliveRequestHandler._date
        if cached[0] != second:
            cached = (second, super().date_time_string(second))
            KeepAliveRequestHandler._date = cached
        return cached[1]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # werkzeug formats the access-log line before the logger filters it; skip that when it is filtered
        # (`Sandbox.serve(quiet=True)` sets WARNING). With no level set, werkzeug decides, as before.
        if _access_log.level != logging.NOTSET and not _access_log.isEnabledFor(logging.INFO):
            return
        super().log_request(code, size)

    def handle_one_request(self) -> None:
        if self.server.stopping:
            self.close_connection = True
            return
        super().handle_one_request()

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        body = self._framed_body(environ)
        keep_alive = body is not None and not self.close_connection
        reply = _Reply(self, environ["REQUEST_METHOD"] == "HEAD", keep_alive)
        app_iter: Iterable[bytes] | None = None
        try:
            app_iter = self.server.app(environ, reply.start_response)
            for chunk in app_iter:
                reply.write(chunk)
            reply.finish()
        except (ConnectionError, TimeoutError):
            self.close_connection = True
            return
        except TransportFault:
            # A simulated network failure: reset the connection (RST, no response) as a failing load
            # balancer or a dead host would; the client sees a connection error, never an HTTP status.
            self.close_connection = True
            self._reset()
            return
        except Exception:
            self.close_connection = True
            self.server.log("error", f"Error on request:\n{traceback.format_exc()}")
            if not reply.sent:
                reply = _Reply(self, False, False)
                try:
                    for chunk in InternalServerError()(environ, reply.start_response):
                        reply.write(chunk)
                    reply.finish()
                except Exception:  # the client is gone: nothing more to tell it
                    pass
            return
        finally:
            if app_iter is not None and hasattr(app_iter, "close"):
                app_iter.close()
        if not reply.keep_alive:
            self.close_connection = True
            return
        try:
            assert body is not None
            body.exhaust()  # what the application did not read, so the next request line is next
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True

    def _reset(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()

    def _framed_body(self, environ: dict[str, Any]) -> LimitedStream | None:
        """The request body as a stream limited to Content-Length; None when it is framed otherwise."""
        if environ.get("wsgi.input_terminated") or "HTTP_TRANSFER_ENCODING" in environ:
            return None
        raw = environ.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return None
        if length < 0:
            return None
        stream = LimitedStream(self.rfile, length)
        environ["wsgi.input"] = stream
        return stream


class _Reply:
    """One response on a connection: status and headers buffered, then sent with the first body bytes."""

    def __init__(self, handler: KeepAliveRequestHandler, head: bool, keep_alive: bool) -> None:
        self.handler = handler
        self.head = head
        self.keep_alive = keep_alive
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.sent = False
        self.chunked = False

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info:
            try:
                if self.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("Headers already set")
        self.status = status
        self.headers = list(headers)
        return self.write

    def _head(self) -> bytes:
        assert self.status is not None, "write() before start_response"
        code_text, _, reason = self.status.partition(" ")
        code = int(code_text)
        handler = self.handler
        handler.log_request(code)
        names = {name.lower() for name, _ in self.headers}
        framed = "content-length" in names or self.head or 100 <= code < 200 or code in _NO_BODY_STATUSES
        if not framed:
            self.chunked = True
        if not framed or not self.keep_alive:
            self.keep_alive = False
        lines = [
            f"{handler.protocol_version} {code} {reason}",
            f"Server: {handler.version_string()}",
            f"Date: {handler.date_time_string()}",
        ]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if self.chunked:
            lines.append("Transfer-Encoding: chunked")
        if not self.keep_alive:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def write(self, data: bytes) -> None:
        assert isinstance(data, bytes), "applications must write bytes"
        out = b""
        if not self.sent:
            out = self._head()
            self.sent = True
        if data:
            out += b"%x\r\n%s\r\n" % (len(data), data) if self.chunked else data
        if out:
            self.handler.wfile.write(out)

    def finish(self) -> None:
        if not self.sent:
            self.write(b"")
        if self.chunked:
            self.handler.wfile.write(b"0\r\n\r\n")


class _BindError(Exception):
    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class SandboxHTTPServer(ThreadedWSGIServer):
    """A thread per connection; connections stay open between requests (see the module docstring)."""

    def __init__(self, host: str, port: int, app: Any) -> None:
        self.stopping = False
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(host, port, app, handler=KeepAliveRequestHandler)

    def server_bind(self) -> None:
        # werkzeug reports a bind error by printing and exiting; the caller gets the OSError instead.
        try:
            super().server_bind()
        except OSError as exc:
            raise _BindError(exc) from exc

    def track(self, connection: socket.socket, is_open: bool) -> None:
        with self._connections_lock:
            if is_open:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class SandboxServer:
    """Serve a WSGI application on host:port from a daemon thread; `start()`, `host_and_port()`, `stop()`."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind (OSError when the address is taken) and serve in the background."""
        try:
            server = SandboxHTTPServer(self._host, self._port, self._app)
        except _BindError as exc:
            raise exc.error from None
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(_POLL_S,), name="rootguard-sandbox-http", daemon=True
        )
        self._thread.start()

    def host_and_port(self) -> tuple[str, int]:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stopping = True
        server.shutdown()
        server.server_close()
        server.close_connections()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
