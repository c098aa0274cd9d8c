"""The sandbox records which AWS actions each principal performed, allowed or not, in-process and served."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import ADMIN, BLOCKED, MEMBER, MGMT, error_code, root_session, scenario

from rootguard.sandbox import Sandbox
from rootguard.sandbox.recorder import ActionRecorder, outcome_of


def test_nothing_is_recorded_before_a_call(unit_sandbox: Sandbox) -> None:
    assert unit_sandbox.recorded_actions() == set()
    assert unit_sandbox.recorded_calls() == {}


def test_scanner_calls_are_recorded_as_iam_actions(unit_sandbox: Sandbox) -> None:
    session = unit_sandbox.session()
    session.client("organizations").list_accounts()
    session.client("organizations").describe_organization()
    session.client("iam").list_organizations_features()
    session.client("sts").get_caller_identity()
    assert unit_sandbox.recorded_actions() == {
        "organizations:ListAccounts",
        "organizations:DescribeOrganization",
        "iam:ListOrganizationsFeatures",
        "sts:GetCallerIdentity",
    }


def test_repeated_calls_are_counted_not_stored_one_by_one(unit_sandbox: Sandbox) -> None:
    client = unit_sandbox.session().client("organizations")
    for _ in range(5):
        client.describe_organization()
    calls = unit_sandbox.recorded_calls()
    assert len(calls) == 1
    (call, count), *_ = calls.items()
    assert count == 5
    assert call.action == "organizations:DescribeOrganization"
    assert call.account_id == MGMT and call.principal_kind == "user" and call.outcome == "ok"
    assert call.region == unit_sandbox.region


def test_denied_calls_are_recorded_with_their_error_code(unit_sandbox: Sandbox) -> None:
    session = root_session(unit_sandbox, MEMBER)
    with pytest.raises(ClientError) as exc:
        session.client("iam").list_users()  # outside the audit task policy
    assert error_code(exc) == "AccessDenied"
    outcomes = {
        c.action: c.outcome for c in unit_sandbox.recorded_calls() if c.principal_kind == "root-session"
    }
    assert outcomes == {"iam:ListUsers": "AccessDenied"}
    assert unit_sandbox.recorded_actions("root-session") == {"iam:ListUsers"}
    assert unit_sandbox.recorded_actions("root-session", succeeded_only=True) == set()


def test_errors_the_service_answers_are_recorded_too(unit_sandbox: Sandbox) -> None:
    client = unit_sandbox.session().client("organizations")
    with pytest.raises(ClientError) as exc:
        client.describe_account(AccountId="999999999999")
    recorded = {c.action: c.outcome for c in unit_sandbox.recorded_calls()}
    assert recorded["organizations:DescribeAccount"] == error_code(exc)


def test_scanner_actions_exclude_root_session_calls_and_vice_versa(unit_sandbox: Sandbox) -> None:
    session = root_session(unit_sandbox, MEMBER)
    session.client("iam").get_account_summary()
    assert unit_sandbox.recorded_actions("scanner") == {"sts:AssumeRoot"}
    assert unit_sandbox.recorded_actions("root-session") == {"iam:GetAccountSummary"}
    assert unit_sandbox.recorded_actions("root-session", MEMBER) == {"iam:GetAccountSummary"}
    assert unit_sandbox.recorded_actions("root-session", BLOCKED) == set()
    assert unit_sandbox.recorded_actions("any") == {"sts:AssumeRoot", "iam:GetAccountSummary"}


def test_scanner_filter_by_account(unit_sandbox: Sandbox) -> None:
    unit_sandbox.session(MGMT).client("organizations").describe_organization()
    unit_sandbox.session(ADMIN).client("iam").list_organizations_features()
    assert unit_sandbox.recorded_actions("scanner", MGMT) == {"organizations:DescribeOrganization"}
    assert unit_sandbox.recorded_actions("scanner", ADMIN) == {"iam:ListOrganizationsFeatures"}


def test_unknown_credentials_are_recorded_as_unauthenticated(unit_sandbox: Sandbox) -> None:
    import boto3

    client = boto3.Session(
        aws_access_key_id="AKIAZZZZZZZZZZZZZZZZ", aws_secret_access_key="x", region_name=unit_sandbox.region
    ).client("sts")
    with pytest.raises(ClientError):
        client.get_caller_identity()
    (call,) = unit_sandbox.recorded_calls()
    assert call.principal_kind == "unauthenticated" and call.account_id == ""
    assert unit_sandbox.recorded_actions("scanner") == set()
    assert unit_sandbox.recorded_actions("any") == {"sts:GetCallerIdentity"}


def test_security_hub_actions_are_recorded(sandbox_factory) -> None:
    sb = sandbox_factory(scenario(securityhub={"enabled": {MGMT: ["us-east-1"]}}))
    hub = sb.session().client("securityhub")
    hub.get_findings(MaxResults=1)
    hub.get_insights()
    assert sb.recorded_actions() == {"securityhub:GetFindings", "securityhub:GetInsights"}


def test_a_disabled_hub_is_recorded_as_invalid_access(unit_sandbox: Sandbox) -> None:
    with pytest.raises(ClientError) as exc:
        unit_sandbox.session().client("securityhub").get_findings(MaxResults=1)
    assert error_code(exc) == "InvalidAccessException"
    outcomes = {c.action: c.outcome for c in unit_sandbox.recorded_calls()}
    assert outcomes == {"securityhub:GetFindings": "InvalidAccessException"}


def test_clear_forgets_everything(unit_sandbox: Sandbox) -> None:
    unit_sandbox.session().client("organizations").describe_organization()
    unit_sandbox.clear_recorded_calls()
    assert unit_sandbox.recorded_actions("any") == set()


def test_unknown_principal_filter_is_a_clear_error(unit_sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="unknown principal 'root'"):
        unit_sandbox.recorded_actions("root")


def test_a_stopped_sandbox_refuses(sandbox_factory) -> None:
    sb = Sandbox(scenario())
    with pytest.raises(RuntimeError, match="not running"):
        sb.recorded_actions()


@pytest.fixture
def served() -> Iterator[Sandbox]:
    with Sandbox(scenario()).serve() as sb:
        yield sb


def test_served_calls_are_recorded(served: Sandbox) -> None:
    session = root_session(served, MEMBER)
    session.client("iam").get_account_summary()
    served.session().client("organizations").list_roots()
    assert served.recorded_actions() == {"sts:AssumeRoot", "organizations:ListRoots"}
    assert served.recorded_actions("root-session") == {"iam:GetAccountSummary"}


def test_blocked_root_session_is_recorded_as_denied(unit_sandbox: Sandbox) -> None:
    session = root_session(unit_sandbox, BLOCKED)
    with pytest.raises(ClientError):
        session.client("iam").get_account_summary()
    outcomes = {
        c.action: c.outcome for c in unit_sandbox.recorded_calls() if c.principal_kind == "root-session"
    }
    assert outcomes == {"iam:GetAccountSummary": "AccessDenied"}


# ------------------------------------------------------------------------------------------ unit level


def test_outcome_of_reads_the_error_code_from_headers_xml_or_json() -> None:
    assert outcome_of(200, {}, b"") == "ok"
    assert outcome_of(400, {"X-Amzn-ErrorType": "ThrottlingException:http://x"}, "") == "ThrottlingException"
    assert outcome_of(403, {}, "<Error><Code>AccessDenied</Code></Error>") == "AccessDenied"
    assert outcome_of(400, {}, b'{"__type": "com.amazonaws#TooManyRequestsException", "message": "x"}') == (
        "TooManyRequestsException"
    )
    assert outcome_of(500, {}, "boom") == "HTTP 500"


def test_recorder_is_safe_under_threads() -> None:
    import threading

    rec = ActionRecorder()

    def work() -> None:
        for _ in range(1000):
            rec.record(None, "AKIA", "sts", "GetCallerIdentity", "us-east-1", "ok")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(rec.calls().values()) == 8000


def test_root_session_keys_do_not_grow_the_record(unit_sandbox: Sandbox) -> None:
    for _ in range(3):
        root_session(unit_sandbox, MEMBER).client("iam").get_account_summary()
    in_sessions = [
        (c, n) for c, n in unit_sandbox.recorded_calls().items() if c.principal_kind == "root-session"
    ]
    assert len(in_sessions) == 1
    call, count = in_sessions[0]
    assert count == 3 and call.access_key_id == "" and call.account_id == MEMBER
