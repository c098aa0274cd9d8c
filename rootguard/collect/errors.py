"""Classify AWS errors: one place that knows the codes, so callers branch on meaning."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from rootguard.models import FeaturesState

ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"}
)
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "SlowDown",
        "EC2ThrottledException",
        "BandwidthLimitExceeded",
        "PriorRequestNotComplete",
    }
)
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
NO_SUCH_ENTITY_CODES = frozenset({"NoSuchEntity", "NoSuchEntityException"})
ALREADY_EXISTS_CODES = frozenset({"EntityAlreadyExists", "EntityAlreadyExistsException"})

# iam:ListOrganizationsFeatures. The botocore model gives these shapes no wire code (so botocore expects
# the shape name) while the AWS API reference prints them without the "Exception" suffix: accept both.
_FEATURES_ERRORS: dict[str, FeaturesState] = {
    "OrganizationNotFound": FeaturesState.ORGANIZATION_NOT_FOUND,
    "OrganizationNotInAllFeaturesMode": FeaturesState.NOT_ALL_FEATURES,
    "ServiceAccessNotEnabled": FeaturesState.SERVICE_ACCESS_NOT_ENABLED,
    "AccountNotManagementOrDelegatedAdministrator": FeaturesState.NOT_MANAGEMENT_OR_DELEGATED_ADMIN,
    "AccessDenied": FeaturesState.ACCESS_DENIED,
}


def _base(code: str) -> str:
    return code[: -len("Exception")] if code.endswith("Exception") else code


def features_state_for(code: str) -> FeaturesState:
    """The FeaturesState an error code of iam:ListOrganizationsFeatures stands for (ERROR if unknown)."""
    return _FEATURES_ERRORS.get(_base(code), FeaturesState.ERROR)


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError, else the exception's class name."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "Unknown")
    return type(exc).__name__


def describe(exc: BaseException, limit: int = 200) -> str:
    """``Code: message`` in one short line, safe for logs and facts (AWS error text carries no secrets)."""
    code = error_code(exc)
    if isinstance(exc, ClientError):
        message = str(exc.response.get("Error", {}).get("Message") or "")
    elif isinstance(exc, BotoCoreError):
        message = str(exc)
    else:
        message = ""
    text = f"{code}: {message}" if message else code
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_access_denied(code: str) -> bool:
    return code in ACCESS_DENIED_CODES


def is_throttling(code: str) -> bool:
    return code in THROTTLING_CODES


def is_expired(code: str) -> bool:
    return code in EXPIRED_CODES


class CollectError(RuntimeError):
    """A run cannot start or continue; the message is one line a person can act on."""
