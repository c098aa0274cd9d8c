"""Errors of the sandbox's Security Hub, as AWS puts them on the wire.

Security Hub speaks restJson1: the error code travels in ``x-amzn-ErrorType`` / ``__type`` and botocore
turns it into ``ClientError.response["Error"]["Code"]``. Each class is named after the error shape in
botocore's securityhub model, so moto's serializer adds the model's HTTP status (401, 400, 403, ...).
"""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class SecurityHubError(ServiceException):
    """Base of every error this Security Hub raises."""


class InvalidAccessException(SecurityHubError):
    code = "InvalidAccessException"

    @classmethod
    def not_subscribed(cls, account_id: str) -> InvalidAccessException:
        return cls(f"Account {account_id} is not subscribed to AWS Security Hub")


class InvalidInputException(SecurityHubError):
    code = "InvalidInputException"


class AccessDeniedException(SecurityHubError):
    code = "AccessDeniedException"

    @classmethod
    def not_authorized(cls, principal_arn: str, action: str, resource: str) -> AccessDeniedException:
        return cls(
            f"User: {principal_arn} is not authorized to perform: securityhub:{action} "
            f"on resource: {resource}"
        )


class ResourceNotFoundException(SecurityHubError):
    code = "ResourceNotFoundException"


class ResourceConflictException(SecurityHubError):
    code = "ResourceConflictException"


class LimitExceededException(SecurityHubError):
    code = "LimitExceededException"
