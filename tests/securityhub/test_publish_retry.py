"""Which failures the publisher sends again, how long it waits, and when it gives up.

Security Hub CSPM reports a failed finding by code (FailedFindings[].ErrorCode) and a failed call by a
ClientError; the publisher retries exactly what rootguard.aws.errors calls throttling or transient, one
family per test: throttling, server-side (5xx), InvalidInput, AccessDenied, InvalidAccessException (hub off).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from publisher_helpers import (
    MEMBERS,
    MGMT,
    REGION,
    RUN_1,
    FailedFindingsInjector,
    FakeClock,
    central_findings,
    member_result,
)

from rootguard.aws.errors import is_retriable, is_retriable_exception, is_throttling
from rootguard.securityhub.outcome import HubOutcome, Item
from rootguard.securityhub.retry import Backoff, RetryRounds
from rootguard.securityhub.send import send
from rootguard.securityhub.targets import Target


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


# ------------------------------------------------------------------------------------------ retry rounds


def single_attempt_client(sandbox: Any) -> Any:
    """A client without botocore's own retries, so every error reaches the publisher's rounds."""
    return sandbox.session().client("securityhub", config=Config(retries={"total_max_attempts": 1}))


def rounds(count: int, clock: FakeClock) -> RetryRounds:
    return RetryRounds(count, Backoff(base=0.5, cap=8.0, rng=random.Random(7)), clock.sleep)


def test_a_call_is_made_again_after_a_retriable_error(hub_sandbox: Any) -> None:
    hub_sandbox.inject(service="securityhub", action="GetFindings", code="ServiceUnavailable", count=2)
    clock = FakeClock()
    client = single_attempt_client(hub_sandbox)
    page = rounds(4, clock).call(lambda: client.get_findings(MaxResults=1), "read")
    assert page["Findings"] == []
    assert len(clock.slept) == 2 and 0.25 <= clock.slept[0] <= 0.5 and 0.5 <= clock.slept[1] <= 1.0


def test_the_last_retriable_error_is_raised_when_the_rounds_run_out(hub_sandbox: Any) -> None:
    hub_sandbox.inject(service="securityhub", action="GetFindings", code="ServiceUnavailable")
    clock = FakeClock()
    client = single_attempt_client(hub_sandbox)
    with pytest.raises(ClientError, match="ServiceUnavailable"):
        rounds(2, clock).call(lambda: client.get_findings(MaxResults=1), "read")
    assert len(clock.slept) == 2


def test_a_permanent_error_is_raised_at_once(hub_sandbox: Any) -> None:
    hub_sandbox.inject(service="securityhub", action="GetFindings", code="AccessDeniedException")
    clock = FakeClock()
    client = single_attempt_client(hub_sandbox)
    with pytest.raises(ClientError, match="AccessDeniedException"):
        rounds(4, clock).call(lambda: client.get_findings(MaxResults=1), "read")
    assert clock.slept == []


# ------------------------------------------------------------------------------------------ the send


def send_three(client: Any, retry_rounds: int = 4) -> HubOutcome:
    outcome = HubOutcome()
    items = [Item(f) for f in central_findings([member_result(a) for a in MEMBERS], RUN_1)]
    clock = FakeClock()
    send(client, Target(MGMT, REGION), items, outcome, max_in_flight=1, rounds=rounds(retry_rounds, clock))
    return outcome


FAMILIES = [  # (a code of the family, retried)
    ("TooManyRequestsException", True),
    ("InternalException", True),
    ("InvalidInput", False),
    ("AccessDeniedException", False),
    ("InvalidAccessException", False),
]


@pytest.mark.parametrize(("code", "retried"), FAMILIES)
def test_a_failed_finding_is_sent_again_only_when_its_code_is_retriable(
    hub_sandbox: Any, code: str, retried: bool
) -> None:
    session = hub_sandbox.session()
    first = central_findings([member_result(MEMBERS[0])], RUN_1)[0]["Id"]
    FailedFindingsInjector({first: code}, times=1).install(session)
    outcome = send_three(session.client("securityhub"))
    if retried:
        assert (len(outcome.landed), outcome.retried, outcome.failures) == (3, 1, [])
    else:
        [failure] = outcome.failures
        assert (failure.item.id, failure.code, failure.attempts, failure.retriable) == (first, code, 1, False)
        assert (len(outcome.landed), outcome.retried) == (2, 0)


@pytest.mark.parametrize(("code", "retried"), [(c, r) for c, r in FAMILIES if c != "InvalidAccessException"])
def test_a_failed_request_is_sent_again_only_when_its_error_is_retriable(
    hub_sandbox: Any, code: str, retried: bool
) -> None:
    hub_sandbox.inject(service="securityhub", action="BatchImportFindings", code=code, count=1)
    outcome = send_three(single_attempt_client(hub_sandbox))
    assert outcome.calls == (2 if retried else 1)
    assert len(outcome.landed) == (3 if retried else 0)
    assert outcome.throttled == (1 if is_throttling(code) else 0)
    assert all((f.code, f.attempts, f.retriable) == (code, 1, False) for f in outcome.failures)


def test_a_disabled_hub_stops_the_rounds(hub_sandbox: Any) -> None:
    hub_sandbox.inject(service="securityhub", action="BatchImportFindings", code="InvalidAccessException")
    outcome = send_three(single_attempt_client(hub_sandbox))
    assert outcome.hub_disabled and outcome.calls == 1 and len(outcome.failures) == 3
    assert outcome.error is not None and "enable-security-hub" in outcome.error


def test_retriable_failures_that_outlast_the_rounds_are_kept_as_retriable(hub_sandbox: Any) -> None:
    session = hub_sandbox.session()
    first = central_findings([member_result(MEMBERS[0])], RUN_1)[0]["Id"]
    FailedFindingsInjector({first: "InternalException"}).install(session)
    outcome = send_three(session.client("securityhub"), retry_rounds=2)
    [failure] = outcome.failures
    assert (failure.attempts, failure.retriable, outcome.retried) == (3, True, 1)


def test_a_request_answered_with_a_5xx_status_is_retried_whatever_its_code(hub_sandbox: Any) -> None:
    hub_sandbox.inject(
        service="securityhub", action="BatchImportFindings", code="BadGateway", status=502, count=1
    )
    outcome = send_three(single_attempt_client(hub_sandbox))
    assert (outcome.calls, len(outcome.landed), outcome.retried) == (2, 3, 3)
