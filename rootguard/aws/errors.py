"""What an AWS error means, decided in one place for collect, rules, the publisher and remediation.

Throttling and transient (server-side, timeout, connection) errors are botocore's own lists, the ones its
retry handlers use (``botocore.retries.standard``), so rootguard never disagrees with botocore about whether a
code is worth retrying. The other kinds (access denied, expired credentials, missing or existing entity) are
the codes AWS documents for the services rootguard calls; each kind is listed once, with both spellings where
services differ (``AccessDenied`` / ``AccessDeniedException``).
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from botocore.retries.standard import ThrottledRetryableChecker, TransientRetryableChecker

from rootguard.models import AwsError, ErrorKind

# botocore's lists (1.40: Throttling, ThrottlingException, ThrottledException, RequestThrottledException,
# TooManyRequestsException, ProvisionedThroughputExceededException, TransactionInProgressException,
# RequestLimitExceeded, BandwidthLimitExceeded, LimitExceededException, RequestThrottled, SlowDown,
# PriorRequestNotComplete, EC2ThrottledException; RequestTimeout, RequestTimeoutException,
# PriorRequestNotComplete; HTTP 500, 502, 503, 504). tests/aws pins that they are still there.
THROTTLING_CODES: frozenset[str] = frozenset(ThrottledRetryableChecker._THROTTLED_ERROR_CODES)
_BOTOCORE_TRANSIENT_CODES: frozenset[str] = frozenset(TransientRetryableChecker._TRANSIENT_ERROR_CODES)
TRANSIENT_STATUSES: frozenset[int] = frozenset(TransientRetryableChecker._TRANSIENT_STATUS_CODES)
TRANSPORT_ERRORS: tuple[type[Exception], ...] = tuple(TransientRetryableChecker._TRANSIENT_EXCEPTION_CLS)
# Server-side errors as services name them where no HTTP status comes with the code: Security Hub's
# BatchImportFindings reports them per finding in FailedFindings[].ErrorCode. Each is a 5xx on the wire.
SERVER_ERROR_CODES: frozenset[str] = frozenset(
    {
        "InternalFailure",
        "InternalError",
        "InternalException",
        "InternalServerError",
        "InternalServerException",
        "ServiceFailure",
        "ServiceFailureException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)
TRANSIENT_CODES: frozenset[str] = _BOTOCORE_TRANSIENT_CODES | SERVER_ERROR_CODES

ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"}
)
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
NO_SUCH_ENTITY_CODES = frozenset({"NoSuchEntity", "NoSuchEntityException"})
ALREADY_EXISTS_CODES = frozenset({"EntityAlreadyExists", "EntityAlreadyExistsException"})
INVALID_CREDENTIALS_CODES = frozenset(
    {"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch", "IncompleteSignature"}
)
# Security Hub (CSPM) answers a caller whose hub is not enabled in the Region with InvalidAccessException.
HUB_NOT_ENABLED = "InvalidAccessException"


def classify(code: str, status: int | None = None) -> ErrorKind:
    """The kind of an AWS error code (and, when known, its HTTP status)."""
    if code in THROTTLING_CODES:
        return ErrorKind.THROTTLING
    if code in ACCESS_DENIED_CODES:
        return ErrorKind.ACCESS_DENIED
    if code in EXPIRED_CODES:
        return ErrorKind.EXPIRED
    if code in NO_SUCH_ENTITY_CODES:
        return ErrorKind.NOT_FOUND
    if code in ALREADY_EXISTS_CODES:
        return ErrorKind.ALREADY_EXISTS
    if code in INVALID_CREDENTIALS_CODES:
        return ErrorKind.INVALID_CREDENTIALS
    if code in TRANSIENT_CODES or (status is not None and status in TRANSIENT_STATUSES):
        return ErrorKind.TRANSIENT
    return ErrorKind.OTHER


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError, else the exception's class name."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "Unknown")
    return type(exc).__name__


def error_message(exc: BaseException) -> str:
    """The error message, on one line."""
    if isinstance(exc, ClientError):
        text = str(exc.response.get("Error", {}).get("Message") or "")
    elif isinstance(exc, BotoCoreError):
        text = str(exc)
    else:
        text = ""
    return " ".join(text.split())


def http_status(exc: BaseException) -> int | None:
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return int(status) if isinstance(status, int) else None
    return None


def classify_exception(exc: BaseException) -> ErrorKind:
    """The kind of a boto3 exception: a ClientError by its code and status, a connection or timeout error as
    transient, anything else as OTHER."""
    if isinstance(exc, ClientError):
        return classify(error_code(exc), http_status(exc))
    if isinstance(exc, TRANSPORT_ERRORS):
        return ErrorKind.TRANSIENT
    return ErrorKind.OTHER


_MAX_MESSAGE = 1000


def aws_error(exc: BaseException) -> AwsError:
    """The error as rootguard records it in facts: code, one-line message, kind."""
    return AwsError(
        code=error_code(exc), message=error_message(exc)[:_MAX_MESSAGE], kind=classify_exception(exc)
    )


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(exc: BaseException, limit: int = 200) -> str:
    """``Code: message`` in one short line, safe for logs and facts (AWS error text carries no secrets)."""
    return shorten(str(aws_error(exc)), limit)


def is_throttling(code: str) -> bool:
    return code in THROTTLING_CODES


def is_access_denied(code: str) -> bool:
    return code in ACCESS_DENIED_CODES


def is_expired(code: str) -> bool:
    return code in EXPIRED_CODES


def is_retriable(code: str, status: int | None = None) -> bool:
    """Worth another attempt later: throttling or a transient server-side error."""
    return classify(code, status) in (ErrorKind.THROTTLING, ErrorKind.TRANSIENT)


def is_retriable_exception(exc: BaseException) -> bool:
    return classify_exception(exc) in (ErrorKind.THROTTLING, ErrorKind.TRANSIENT)
