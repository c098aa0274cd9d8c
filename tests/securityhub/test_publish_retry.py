"""Which failures the publisher sends again, how long it waits, and when it gives up.

Security Hub CSPM reports a failed finding by code (FailedFindings[].ErrorCode) and a failed call by a
ClientError; the publisher retries exactly what rootguard.aws.errors calls throttling or transient, one
family per test: throttling, server-side (5xx), InvalidInput, AccessDenied, InvalidAccessException (hub off).
"""

from __future__ import annotations

import random

from botocore.exceptions import ClientError, EndpointConnectionError

from rootguard.aws.errors import is_retriable, is_retriable_exception, is_throttling
from rootguard.securityhub.retry import Backoff


def test_throttling_is_retried() -> None:
    assert all(
        is_retriable(c) for c in ("TooManyRequestsException", "LimitExceededException", "ThrottlingException")
    )


def test_server_side_5xx_errors_are_retried() -> None:
    assert all(is_retriable(c) for c in ("InternalException", "InternalFailure", "ServiceUnavailable"))


def test_invalid_input_is_not_retried() -> None:
    assert not any(is_retriable(c) for c in ("InvalidInput", "InvalidInputException"))


def test_access_denied_is_not_retried() -> None:
    assert not any(is_retriable(c) for c in ("AccessDenied", "AccessDeniedException"))


def test_hub_not_enabled_is_not_retried() -> None:
    assert not is_retriable("InvalidAccessException")


def test_codes_outside_the_lists_are_not_retried_however_they_read() -> None:
    assert not any(is_retriable(c) for c in ("SomethingThrottled", "TooManyRequests", "UnknownThing"))


def test_throttling_is_told_apart_from_internal_errors() -> None:
    assert is_throttling("TooManyRequestsException") and is_throttling("LimitExceededException")
    assert not is_throttling("InternalException")


def test_exceptions_are_classified_by_code_status_and_transport() -> None:
    throttled = ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}}, "X")
    invalid = ClientError({"Error": {"Code": "InvalidInputException", "Message": "bad"}}, "X")
    gateway = ClientError({"Error": {"Code": "Unknown"}, "ResponseMetadata": {"HTTPStatusCode": 502}}, "X")
    assert is_retriable_exception(throttled) and is_retriable_exception(gateway)
    assert not is_retriable_exception(invalid)
    assert is_retriable_exception(EndpointConnectionError(endpoint_url="https://securityhub.example"))
    assert not is_retriable_exception(ValueError("not an AWS error"))


def test_backoff_grows_and_is_capped() -> None:
    backoff = Backoff(base=0.5, cap=4.0, rng=random.Random(1))
    assert backoff.delay(0) == 0
    assert 0.25 <= backoff.delay(1) <= 0.5
    assert 1.0 <= backoff.delay(3) <= 2.0
    assert all(2.0 <= backoff.delay(n) <= 4.0 for n in range(4, 12))
