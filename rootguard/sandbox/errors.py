"""Errors on the wire: AWS error codes and HTTP statuses, serialized by moto for the caller's protocol."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ConnectionClosedError, EndpointConnectionError
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse

# (code, status) for an authorization failure, per service.
_ACCESS_DENIED = {
    "iam": ("AccessDenied", 403),
    "sts": ("AccessDenied", 403),
    "s3": ("AccessDenied", 403),
    "sqs": ("AccessDenied", 403),
    "organizations": ("AccessDeniedException", 400),
    "securityhub": ("AccessDeniedException", 403),
}
_INVALID_TOKEN = {
    "iam": ("InvalidClientTokenId", 403),
    "sts": ("InvalidClientTokenId", 403),
    "organizations": ("UnrecognizedClientException", 400),
    "securityhub": ("UnrecognizedClientException", 403),
}
_EXPIRED_TOKEN = {
    "iam": ("ExpiredToken", 400),
    "sts": ("ExpiredToken", 400),
    "organizations": ("ExpiredTokenException", 400),
    "securityhub": ("ExpiredTokenException", 403),
}


class SandboxError(ServiceException):
    """An AWS error the sandbox answers with; `status` overrides the status the service model gives."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(code, message)
        self.status = status


class TransportFault(Exception):
    """Marks a connection failure the sandbox simulates instead of answering (faults: ``code: ConnectionReset``
    or ``ConnectionRefused``). In-process, botocore sees its own connection error (retried like on AWS);
    served, the HTTP server resets the connection without a response."""


class ConnectionResetFault(TransportFault, ConnectionClosedError):
    """The connection drops before an answer: botocore's ConnectionClosedError."""


class ConnectionRefusedFault(TransportFault, EndpointConnectionError):
    """Nothing listens at the endpoint: botocore's EndpointConnectionError."""


TRANSPORT_FAULTS: dict[str, type[TransportFault]] = {
    "ConnectionReset": ConnectionResetFault,
    "ConnectionRefused": ConnectionRefusedFault,
}


def transport_fault(code: str, endpoint_url: str) -> TransportFault:
    return TRANSPORT_FAULTS[code](endpoint_url=endpoint_url)


def access_denied(service: str, message: str) -> SandboxError:
    code, status = _ACCESS_DENIED.get(service, ("AccessDeniedException", 403))
    return SandboxError(code, message, status)


def invalid_token(service: str) -> SandboxError:
    code, status = _INVALID_TOKEN.get(service, ("UnrecognizedClientException", 403))
    return SandboxError(code, "The security token included in the request is invalid.", status)


def expired_token(service: str) -> SandboxError:
    code, status = _EXPIRED_TOKEN.get(service, ("ExpiredTokenException", 403))
    return SandboxError(code, "The security token included in the request is expired", status)


def error_response(resp: BaseResponse, err: SandboxError) -> tuple[int, dict[str, Any], Any]:
    with warnings.catch_warnings():
        # moto warns when a code is not an error shape of the service model (AccessDenied, Throttling, ...)
        warnings.simplefilter("ignore", UserWarning)
        status, headers, body = resp.serialized(ActionResult(err))
    if err.status is not None:
        status = err.status
    headers = dict(headers)
    headers["status"] = str(status)
    return status, headers, body


def handles_errors(method: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Let a response-class method raise SandboxError and still answer with the right HTTP status."""

    @functools.wraps(method)
    def wrapper(self: BaseResponse) -> Any:
        try:
            return method(self)
        except SandboxError as err:
            return error_response(self, err)

    return wrapper
