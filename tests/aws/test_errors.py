"""One classification of AWS errors for collect, rules, the publisher and remediation, built on botocore's own
lists: each family of codes, and the codes the three former classifiers disagreed about."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.retries.standard import ThrottledRetryableChecker, TransientRetryableChecker

from rootguard.aws import (
    aws_error,
    classify,
    classify_exception,
    describe,
    error_code,
    is_retriable,
    is_retriable_exception,
    is_throttling,
)
from rootguard.models import ErrorKind


def client_error(code: str, message: str = "m", status: int | None = None) -> ClientError:
    response: dict = {"Error": {"Code": code, "Message": message}}
    if status is not None:
        response["ResponseMetadata"] = {"HTTPStatusCode": status}
    return ClientError(response, "Op")


def test_botocore_still_has_the_lists_rootguard_builds_on() -> None:
    assert "Throttling" in ThrottledRetryableChecker._THROTTLED_ERROR_CODES
    assert "RequestTimeout" in TransientRetryableChecker._TRANSIENT_ERROR_CODES
    assert 503 in TransientRetryableChecker._TRANSIENT_STATUS_CODES


@pytest.mark.parametrize("code", sorted(ThrottledRetryableChecker._THROTTLED_ERROR_CODES))
def test_every_botocore_throttling_code_is_throttling(code: str) -> None:
    assert classify(code) is ErrorKind.THROTTLING and is_throttling(code) and is_retriable(code)


@pytest.mark.parametrize(
    "code",
    # Throttling when collected but ERROR in the rules, or throttling only in the publisher, before the
    # classification was one: now the same everywhere.
    ["BandwidthLimitExceeded", "PriorRequestNotComplete", "ProvisionedThroughputExceededException",
     "LimitExceededException", "TooManyRequestsException"],
)  # fmt: skip
def test_codes_the_old_classifiers_disagreed_about_are_throttling(code: str) -> None:
    assert classify(code) is ErrorKind.THROTTLING


@pytest.mark.parametrize(
    "code",
    ["RequestTimeout", "RequestTimeoutException", "InternalFailure", "InternalError", "InternalException",
     "InternalServerError", "InternalServerException", "ServiceUnavailable", "ServiceUnavailableException",
     "ServiceFailure"],
)  # fmt: skip
def test_server_side_codes_are_transient(code: str) -> None:
    assert classify(code) is ErrorKind.TRANSIENT and is_retriable(code)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_status_makes_an_unknown_code_transient(status: int) -> None:
    assert classify("SomethingNew", status) is ErrorKind.TRANSIENT
    assert classify_exception(client_error("SomethingNew", status=status)) is ErrorKind.TRANSIENT


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("AccessDenied", ErrorKind.ACCESS_DENIED),
        ("AccessDeniedException", ErrorKind.ACCESS_DENIED),
        ("UnauthorizedOperation", ErrorKind.ACCESS_DENIED),
        ("AuthorizationError", ErrorKind.ACCESS_DENIED),
        ("ExpiredToken", ErrorKind.EXPIRED),
        ("ExpiredTokenException", ErrorKind.EXPIRED),
        ("RequestExpired", ErrorKind.EXPIRED),
        ("NoSuchEntity", ErrorKind.NOT_FOUND),
        ("EntityAlreadyExists", ErrorKind.ALREADY_EXISTS),
        ("InvalidClientTokenId", ErrorKind.INVALID_CREDENTIALS),
        ("UnrecognizedClientException", ErrorKind.INVALID_CREDENTIALS),
        # Permanent: retrying cannot help.
        ("InvalidInputException", ErrorKind.OTHER),
        ("InvalidAccessException", ErrorKind.OTHER),
        ("ValidationException", ErrorKind.OTHER),
        ("LimitExceeded", ErrorKind.OTHER),  # IAM's quota error, not a rate
    ],
)
def test_other_kinds(code: str, kind: ErrorKind) -> None:
    assert classify(code, 400) is kind
    assert not is_retriable(code, 400)


@pytest.mark.parametrize(
    "exc",
    [
        EndpointConnectionError(endpoint_url="https://sts.us-east-1.amazonaws.com"),
        ConnectionClosedError(endpoint_url="https://securityhub.us-east-1.amazonaws.com"),
        ConnectTimeoutError(endpoint_url="https://sts.us-east-1.amazonaws.com"),
        ReadTimeoutError(endpoint_url="https://sts.us-east-1.amazonaws.com"),
    ],
)
def test_connection_and_timeout_errors_are_transient(exc: Exception) -> None:
    assert classify_exception(exc) is ErrorKind.TRANSIENT and is_retriable_exception(exc)


def test_other_exceptions_are_not_retried() -> None:
    assert classify_exception(NoCredentialsError()) is ErrorKind.OTHER
    assert classify_exception(ValueError("x")) is ErrorKind.OTHER


def test_error_code_and_describe() -> None:
    exc = client_error("AccessDenied", "User: arn:aws:iam::1:user/x is not\n authorized")
    assert error_code(exc) == "AccessDenied"
    assert describe(exc) == "AccessDenied: User: arn:aws:iam::1:user/x is not authorized"
    assert describe(client_error("X", "y" * 500), limit=50).endswith("...")
    assert len(describe(client_error("X", "y" * 500), limit=50)) == 50
    conn = EndpointConnectionError(endpoint_url="https://sts.us-east-1.amazonaws.com")
    assert error_code(conn) == "EndpointConnectionError"
    assert describe(conn).startswith("EndpointConnectionError: Could not connect")


def test_aws_error_keeps_code_message_and_kind() -> None:
    err = aws_error(client_error("ThrottlingException", "Rate exceeded"))
    assert (err.code, err.message, err.kind) == ("ThrottlingException", "Rate exceeded", ErrorKind.THROTTLING)
    assert str(err) == "ThrottlingException: Rate exceeded"
