"""The pure SCP evaluator: Deny statements, actions, and the conditions deny-root SCPs use."""

from __future__ import annotations

from sandbox_helpers import DENY_ROOT, DENY_ROOT_EXEMPT

from rootguard.sandbox.scp import RequestContext, denying_statements, root_session_context, statement_denies

ROOT_SESSION = root_session_context("123456789012", "iam:GetAccountSummary")
ROOT_LOGIN = RequestContext("iam:GetAccountSummary", "arn:aws:iam::123456789012:root", "123456789012")
ROLE = RequestContext(
    "iam:GetAccountSummary", "arn:aws:sts::123456789012:assumed-role/Admin/x", "123456789012"
)


def test_deny_root_without_exemption_blocks_root_sessions_and_root_logins_only() -> None:
    assert denying_statements(DENY_ROOT, ROOT_SESSION) == ["DenyRoot"]
    assert denying_statements(DENY_ROOT, ROOT_LOGIN) == ["DenyRoot"]
    assert denying_statements(DENY_ROOT, ROLE) == []


def test_null_assumed_root_exemption_lets_root_sessions_through() -> None:
    assert denying_statements(DENY_ROOT_EXEMPT, ROOT_SESSION) == []
    assert denying_statements(DENY_ROOT_EXEMPT, ROOT_LOGIN) == ["DenyRoot"]


def test_action_patterns_and_not_action() -> None:
    deny_iam = {"Effect": "Deny", "Action": ["iam:Get*"]}
    assert statement_denies(deny_iam, ROLE)
    assert not statement_denies({"Effect": "Deny", "Action": "iam:List*"}, ROLE)
    assert statement_denies({"Effect": "Deny", "Action": "IAM:getaccountsummary"}, ROLE)  # case-insensitive
    assert not statement_denies({"Effect": "Deny", "NotAction": "iam:*"}, ROLE)
    assert statement_denies({"Effect": "Deny", "NotAction": "s3:*"}, ROLE)
    assert not statement_denies({"Effect": "Allow", "Action": "*"}, ROLE)


def test_condition_operators() -> None:
    def deny(condition: dict) -> dict:
        return {"Effect": "Deny", "Action": "*", "Condition": condition}

    assert statement_denies(deny({"StringEquals": {"aws:PrincipalAccount": ["1", "123456789012"]}}), ROLE)
    assert not statement_denies(deny({"StringNotEquals": {"aws:PrincipalAccount": "123456789012"}}), ROLE)
    assert statement_denies(
        deny({"ArnLike": {"aws:PrincipalArn": "arn:aws:sts::*:assumed-role/Admin/*"}}), ROLE
    )
    assert not statement_denies(
        deny({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:sts::*:assumed-role/*"}}), ROLE
    )
    assert statement_denies(deny({"Null": {"aws:AssumedRoot": "false"}}), ROOT_SESSION)
    assert not statement_denies(deny({"Null": {"aws:AssumedRoot": "false"}}), ROOT_LOGIN)
    assert statement_denies(deny({"Bool": {"aws:AssumedRoot": "true"}}), ROOT_SESSION)
    # a missing key: positive operators do not hold, negated ones and ...IfExists do
    assert not statement_denies(deny({"StringEquals": {"aws:SourceVpc": "vpc-1"}}), ROLE)
    assert statement_denies(deny({"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}), ROLE)
    assert statement_denies(deny({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}), ROLE)
    assert statement_denies(deny({"StringEquals": {"aws:PrincipalType": "Account"}}), ROOT_SESSION)


def test_unknown_operator_denies_rather_than_allows() -> None:
    stmt = {
        "Effect": "Deny",
        "Action": "*",
        "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}},
    }
    assert statement_denies(stmt, ROLE)


def test_control_tower_style_statement_list_and_string_document() -> None:
    import json

    doc = json.dumps(
        {
            "Statement": {
                "Sid": "GRRESTRICTROOTUSER",
                "Effect": "Deny",
                "Action": "*",
                "Condition": {"StringLike": {"aws:PrincipalArn": ["arn:*:iam::*:root"]}},
            }
        }
    )
    assert denying_statements(doc, ROOT_SESSION) == ["GRRESTRICTROOTUSER"]
