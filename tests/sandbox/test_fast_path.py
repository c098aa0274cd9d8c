"""The served sandbox's fast path for AssumeRoot and the root-session reads answers byte for byte what moto's
path answers for the same request (the same random draws, the same clock), records the same calls, and hands
everything else to moto with the fault decision it already took.

Each request is signed by botocore as the member audit sends it, then given to the application once with the
fast path and once without, from the same random state: status, headers and body must be identical, request
ids, access keys, secrets and session tokens included.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import settings as moto_settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.moto_api._internal import mock_random
from sandbox_helpers import AUDIT, BLOCKED, CLEAN, MEMBER, MGMT, SUSPENDED, scenario
from test_serving_application import _root, environ, signed

from rootguard.sandbox import Sandbox
from rootguard.sandbox.faults import FaultEngine
from rootguard.sandbox.serving import application
from rootguard.sandbox.serving.application import SandboxApplication

FROZEN = (datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))


def call(app: Any, env: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    started: list[Any] = []
    body = b"".join(app(env, lambda status, headers, exc_info=None: started.append((status, headers))))
    return started[0][0], started[0][1], body


@pytest.fixture
def served() -> Iterator[Sandbox]:
    with Sandbox(scenario()).serve() as sb:
        yield sb


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the fast path answered each request given to a SandboxApplication."""
    seen: list[bool] = []
    original = application.fast_answer

    def spy(*args: Any) -> Any:
        answer = original(*args)
        seen.append(answer is not None)
        return answer

    monkeypatch.setattr(application, "fast_answer", spy)
    return seen


def both(env_of: Any, seed: int = 7) -> tuple[Any, Any]:
    """The fast path's answer and moto's, each from the same random state."""
    mock_random.seed(seed)
    fast = call(SandboxApplication(), env_of())
    mock_random.seed(seed)
    slow = call(SandboxApplication(fast_path=False), env_of())
    return fast, slow


def _audit_requests(sb: Sandbox) -> dict[str, Any]:
    scanner = sb.session()
    member = _root(sb, MEMBER)
    clean = _root(sb, CLEAN)
    return {
        "AssumeRoot": signed(
            scanner, "sts", "assume_root", TargetPrincipal=MEMBER, TaskPolicyArn={"arn": AUDIT}
        ),
        "AssumeRoot by ARN, 60 s": signed(
            scanner,
            "sts",
            "assume_root",
            TargetPrincipal=f"arn:aws:iam::{CLEAN}:root",
            TaskPolicyArn={"arn": AUDIT},
            DurationSeconds=60,
        ),
        "GetAccountSummary, root with everything": signed(member, "iam", "get_account_summary"),
        "GetAccountSummary, clean root": signed(clean, "iam", "get_account_summary"),
        "GetAccountSummary, the scanner": signed(scanner, "iam", "get_account_summary"),
        "GetLoginProfile": signed(member, "iam", "get_login_profile"),
        "ListAccessKeys": signed(member, "iam", "list_access_keys"),
        "ListAccessKeys, none": signed(clean, "iam", "list_access_keys"),
        "ListMFADevices": signed(member, "iam", "list_mfa_devices"),
        "ListMFADevices, none": signed(clean, "iam", "list_mfa_devices"),
        "ListSigningCertificates": signed(member, "iam", "list_signing_certificates"),
        "ListSigningCertificates, none": signed(clean, "iam", "list_signing_certificates"),
    }


@pytest.mark.parametrize("frozen", FROZEN, ids=["microseconds", "whole second"])
def test_the_fast_path_answers_byte_for_byte_as_moto(
    served: Sandbox, answered: list[bool], monkeypatch: pytest.MonkeyPatch, frozen: datetime
) -> None:
    from rootguard.sandbox.sts import backend as sts_backend

    requests = _audit_requests(served)  # root sessions opened at the real time, valid for 15 minutes
    monkeypatch.setattr(sts_backend, "now", lambda: frozen)  # new sessions expire at a fixed time
    for name, request in requests.items():
        answered.clear()
        fast, slow = both(lambda r=request: environ(r))
        assert answered == [True], name  # the fast path answered (the second application has none)
        assert fast == slow, name
        assert fast[0] == "200 OK" and b"<RequestId>" in fast[2]


def test_the_fast_path_records_the_calls_moto_records(served: Sandbox) -> None:
    requests = _audit_requests(served)
    counts: list[Counter[Any]] = []
    for fast_path in (True, False):
        served.clear_recorded_calls()
        app = SandboxApplication(fast_path=fast_path)
        for request in requests.values():
            call(app, environ(request))
        counts.append(Counter(served.recorded_calls()))
    assert counts[0] == counts[1] and sum(counts[0].values()) == len(requests)


def test_refusals_go_to_moto_and_answer_the_same(served: Sandbox, answered: list[bool]) -> None:
    scanner = served.session()
    no_password = _root(served, CLEAN)
    cases = {
        "GetAccountSummary denied by an SCP": signed(_root(served, BLOCKED), "iam", "get_account_summary"),
        "GetLoginProfile without a password": signed(no_password, "iam", "get_login_profile"),
        "ListAccessKeys of a named user": signed(no_password, "iam", "list_access_keys", UserName="bob"),
        "AssumeRoot of a suspended account": signed(
            scanner, "sts", "assume_root", TargetPrincipal=SUSPENDED, TaskPolicyArn={"arn": AUDIT}
        ),
        "AssumeRoot with another task": signed(
            scanner,
            "sts",
            "assume_root",
            TargetPrincipal=MEMBER,
            TaskPolicyArn={"arn": "arn:aws:iam::aws:policy/root-task/Nope"},
        ),
        "AssumeRoot of the management account": signed(
            scanner, "sts", "assume_root", TargetPrincipal=MGMT, TaskPolicyArn={"arn": AUDIT}
        ),
    }
    for name, request in cases.items():
        answered.clear()
        fast, slow = both(lambda r=request: environ(r))
        assert answered == [False], name
        assert fast == slow and not fast[0].startswith("200"), name


def test_a_fault_is_decided_once_whichever_path_answers(
    served: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    decisions: list[str] = []
    original = FaultEngine.decide

    def counted(self: FaultEngine, account: str, region: str, service: str, action: str, *rest: Any) -> Any:
        decisions.append(action)
        return original(self, account, region, service, action, *rest)

    monkeypatch.setattr(FaultEngine, "decide", counted)
    served.inject(service="sts", action="AssumeRoot", code="Throttling", count=1)
    served.set_latency(service="iam", fixed_ms=1)
    app = SandboxApplication()
    request = signed(
        served.session(), "sts", "assume_root", TargetPrincipal=MEMBER, TaskPolicyArn={"arn": AUDIT}
    )
    first, second = call(app, environ(request)), call(app, environ(request))
    assert first[0].startswith("400") and b"<Code>Throttling</Code>" in first[2]  # the injected error, once
    assert second[0] == "200 OK"
    summary = signed(_root(served, BLOCKED), "iam", "get_account_summary")  # delayed, then refused by an SCP
    decisions.clear()
    refused = call(app, environ(summary))
    assert refused[0].startswith("403") and decisions == ["GetAccountSummary"]


def test_with_moto_authentication_on_only_moto_answers(
    served: Sandbox, answered: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With moto's signature and IAM-policy check on (INITIAL_NO_AUTH_ACTION_COUNT, /moto-api/reset-auth),
    a request signed with the wrong secret is refused on both paths: the fast path steps aside."""
    key, _secret = served.credentials(None, "scanner")
    forged = boto3.Session(
        aws_access_key_id=key, aws_secret_access_key="not-the-secret", region_name="us-east-1"
    )
    request = signed(forged, "sts", "assume_root", TargetPrincipal=MEMBER, TaskPolicyArn={"arn": AUDIT})
    monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    fast, slow = both(lambda: environ(request))
    assert answered == [False]
    assert fast == slow and fast[0].startswith("403") and b"SignatureDoesNotMatch" in fast[2]


def test_the_fast_path_counts_requests_as_moto_does(served: Sandbox, answered: list[bool]) -> None:
    """moto starts checking signatures after INITIAL_NO_AUTH_ACTION_COUNT requests: the fast path's answers
    count toward it as moto's own do."""
    request = _audit_requests(served)["ListAccessKeys"]
    answered.clear()
    counted = []
    for fast_path in (True, False):
        before = ActionAuthenticatorMixin.request_count
        call(SandboxApplication(fast_path=fast_path), environ(request))
        counted.append(ActionAuthenticatorMixin.request_count - before)
    assert answered == [True] and counted == [1, 1]


@pytest.mark.parametrize("host", ["sts.amazonaws.com", "STS.amazonaws.com", "Sts.AmazonAWS.com:443"])
def test_the_global_sts_host_is_refused_in_any_case(served: Sandbox, answered: list[bool], host: str) -> None:
    request = signed(
        served.session(), "sts", "assume_root", TargetPrincipal=MEMBER, TaskPolicyArn={"arn": AUDIT}
    )

    def env() -> dict[str, Any]:
        e = environ(request)
        e["HTTP_HOST"] = host
        return e

    fast, slow = both(env)
    assert fast == slow and fast[0].startswith("400"), host
