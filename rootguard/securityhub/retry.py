"""Which Security Hub failures are worth retrying, and how long to wait between rounds."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

# Error codes (whole-call ClientError codes and FailedFindings[].ErrorCode) that a later attempt may pass.
_RETRIABLE_CODES = frozenset(
    {
        "TooManyRequestsException",
        "TooManyRequests",
        "LimitExceededException",
        "LimitExceeded",
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestLimitExceeded",
        "InternalException",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "InternalServerException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
_RETRIABLE_MARKERS = ("throttl", "toomanyrequests", "internal", "unavailable", "timeout")
# Codes that mean the finding itself (or the caller's permission) is wrong: retrying cannot help.
_PERMANENT_CODES = frozenset(
    {
        "InvalidInput",
        "InvalidInputException",
        "InvalidAccess",
        "InvalidAccessException",
        "AccessDenied",
        "AccessDeniedException",
        "ValidationException",
    }
)
TRANSPORT_ERRORS = (EndpointConnectionError, ConnectionClosedError, ConnectTimeoutError, ReadTimeoutError)
HUB_NOT_ENABLED = "InvalidAccessException"


def is_retriable(code: str) -> bool:
    """True for throttling and service-side errors; False for InvalidInput, access errors and unknown codes
    that do not look transient."""
    if code in _PERMANENT_CODES:
        return False
    if code in _RETRIABLE_CODES:
        return True
    lowered = code.lower()
    return any(marker in lowered for marker in _RETRIABLE_MARKERS)


def is_throttling(code: str) -> bool:
    lowered = code.lower()
    return (
        "throttl" in lowered
        or "toomanyrequests" in lowered
        or lowered.startswith("limitexceeded")
        or (lowered == "requestlimitexceeded")
    )


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError, or the exception class name for transport errors."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "ClientError")
    return type(exc).__name__


def error_message(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message") or "")
    return " ".join(str(exc).split())


def is_retriable_exception(exc: BaseException) -> bool:
    if isinstance(exc, TRANSPORT_ERRORS):
        return True
    return isinstance(exc, ClientError) and is_retriable(error_code(exc))


@dataclass
class Backoff:
    """Exponential backoff with jitter: round n waits between half and all of min(cap, base * 2**(n-1))."""

    base: float = 0.5
    cap: float = 8.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, round_number: int) -> float:
        if round_number <= 0:
            return 0.0
        ceiling = min(self.cap, self.base * (2 ** (round_number - 1)))
        return self.rng.uniform(ceiling / 2, ceiling)
