"""The deny-root SCP evaluator on real-world policy shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rootguard.collect.scp import PolicyDocumentError, denies_root_without_exemption, denying_statements


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


EXEMPTION = {"Null": {"aws:AssumedRoot": "true"}}
ROOT_LIKE = {"StringLike": {"aws:PrincipalArn": "arn:*:iam::*:root"}}

# The IAM User Guide's "deny root user actions" SCP, as published with the centralized root access launch.
AWS_DOCS_WITH_EXEMPTION = policy(
    {
        "Sid": "DenyRootUser",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {**ROOT_LIKE, **EXEMPTION},
    }
)
AWS_DOCS_WITHOUT_EXEMPTION = policy(
    {"Sid": "DenyRootUser", "Effect": "Deny", "Action": "*", "Resource": "*", "Condition": ROOT_LIKE}
)


def control_tower_guardrail(exempt_assume_root: bool) -> str:
    """Control Tower's aws-guardrails-* SCP with the "disallow actions as a root user" control and its
    sibling root access key control."""
    condition: dict[str, Any] = {"StringLike": {"aws:PrincipalArn": ["arn:aws:iam::*:root"]}}
    if exempt_assume_root:
        condition["Null"] = {"aws:AssumedRoot": "true"}
    return policy(
        {
            "Sid": "GRRESTRICTROOTUSER",
            "Effect": "Deny",
            "Action": "*",
            "Resource": ["*"],
            "Condition": condition,
        },
        {
            "Sid": "GRRESTRICTROOTUSERACCESSKEYS",
            "Effect": "Deny",
            "Action": "iam:CreateAccessKey",
            "Resource": ["*"],
            "Condition": {"StringLike": {"aws:PrincipalArn": ["arn:aws:iam::*:root"]}},
        },
    )


def test_aws_docs_policy_with_exemption_allows_root_sessions() -> None:
    assert denies_root_without_exemption(AWS_DOCS_WITH_EXEMPTION) is False


def test_aws_docs_policy_without_exemption_denies_root_sessions() -> None:
    assert denies_root_without_exemption(AWS_DOCS_WITHOUT_EXEMPTION) is True
    assert denying_statements(AWS_DOCS_WITHOUT_EXEMPTION) == ["DenyRootUser"]


def test_control_tower_root_guardrail_without_exempt_assume_root_denies() -> None:
    assert denying_statements(control_tower_guardrail(False)) == ["GRRESTRICTROOTUSER"]


def test_control_tower_root_guardrail_with_exempt_assume_root_allows() -> None:
    # The access-key statement denies only iam:CreateAccessKey, which the audit never calls.
    assert denies_root_without_exemption(control_tower_guardrail(True)) is False


def test_accepts_a_parsed_document() -> None:
    assert denies_root_without_exemption(json.loads(AWS_DOCS_WITHOUT_EXEMPTION)) is True


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("*", True),
        ("iam:*", True),
        ("IAM:Get*", True),  # action names are case-insensitive
        ("iam:List*", True),
        ("iam:GetAccountSummary", True),
        ("iam:ListAccessKeys", True),
        ("sts:*", True),
        (["s3:*", "iam:Get*"], True),
        ("iam:CreateAccessKey", False),
        ("iam:Create*", False),
        ("s3:*", False),
        (["ec2:*", "organizations:LeaveOrganization"], False),
        ("iam:?etAccountSummary", True),
    ],
)
def test_action_coverage(action: Any, expected: bool) -> None:
    doc = policy({"Effect": "Deny", "Action": action, "Resource": "*", "Condition": ROOT_LIKE})
    assert denies_root_without_exemption(doc) is expected


@pytest.mark.parametrize(
    ("not_action", "expected"),
    [
        # A common "root may only manage MFA/password" SCP: everything else, IAM reads included, is denied.
        (["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ChangePassword"], True),
        (["iam:*", "sts:*"], False),
        (["iam:Get*", "iam:List*", "sts:AssumeRoot"], False),
        (["iam:Get*"], True),  # the List calls are still denied
        ("*", False),
    ],
)
def test_not_action_forms(not_action: Any, expected: bool) -> None:
    doc = policy({"Effect": "Deny", "NotAction": not_action, "Resource": "*", "Condition": ROOT_LIKE})
    assert denies_root_without_exemption(doc) is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"StringLike": {"aws:PrincipalArn": "arn:*:iam::*:root"}}, True),
        ({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}, True),
        ({"StringLike": {"aws:PrincipalArn": "*:root"}}, True),
        ({"StringLike": {"aws:PrincipalArn": "*"}}, True),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}, True),
        ({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}, True),  # ArnEquals takes wildcards
        ({"StringLikeIfExists": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}, True),
        ({"ForAnyValue:StringLike": {"aws:PrincipalArn": ["arn:aws:iam::*:root"]}}, True),
        ({"StringLike": {"AWS:PrincipalARN": "arn:aws:iam::*:root"}}, True),  # keys are case-insensitive
        ({"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:root"}}, True),
        ({"StringEqualsIgnoreCase": {"aws:PrincipalArn": "ARN:AWS:IAM::123456789012:ROOT"}}, True),
        # StringEquals does not expand wildcards: this never matches a real ARN.
        ({"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}, False),
        # Another partition's root ARN does not match the caller's partition.
        ({"StringLike": {"aws:PrincipalArn": "arn:aws-cn:iam::*:root"}}, False),
        # Roles, not root.
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}, False),
        # "Everyone except the admin role" denies root too.
        ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/OrgAdmin"}}, True),
        ({"StringNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/A", "arn:aws:iam::*:root"]}}, False),
        # No principal condition at all: a deny for everyone is not a deny-root policy.
        ({"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}, False),
        (None, False),
    ],
)
def test_principal_conditions(condition: Any, expected: bool) -> None:
    statement: dict[str, Any] = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    if condition is not None:
        statement["Condition"] = condition
    assert denies_root_without_exemption(policy(statement)) is expected


@pytest.mark.parametrize(
    ("exemption", "expected"),
    [
        ({"Null": {"aws:AssumedRoot": "true"}}, False),
        ({"Null": {"aws:AssumedRoot": ["true"]}}, False),
        ({"Null": {"AWS:ASSUMEDROOT": "TRUE"}}, False),
        ({"Bool": {"aws:AssumedRoot": "false"}}, False),
        ({"BoolIfExists": {"aws:AssumedRoot": "false"}}, False),
        ({"StringNotEquals": {"aws:AssumedRoot": "true"}}, False),
        # These do not exempt root sessions: they select them.
        ({"Null": {"aws:AssumedRoot": "false"}}, True),
        ({"Bool": {"aws:AssumedRoot": "true"}}, True),
        # Unknown keys might hold: the statement is still reported.
        ({"StringNotEquals": {"aws:PrincipalTag/team": "security"}}, True),
        ({"Null": {"aws:SourceVpc": "true"}}, True),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, True),
    ],
)
def test_exemptions(exemption: dict[str, Any], expected: bool) -> None:
    doc = policy({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {**ROOT_LIKE, **exemption}})
    assert denies_root_without_exemption(doc) is expected


def test_allow_statements_never_deny() -> None:
    doc = policy({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": ROOT_LIKE})
    assert denies_root_without_exemption(doc) is False


def test_full_aws_access_does_not_deny() -> None:
    assert denies_root_without_exemption(policy({"Effect": "Allow", "Action": "*", "Resource": "*"})) is False


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("*", True),
        ("arn:aws:iam::*:root", True),
        ("arn:aws:iam::*:*", True),
        ("arn:aws:s3:::audit-bucket/*", False),
    ],
)
def test_resource_scope(resource: str, expected: bool) -> None:
    doc = policy({"Effect": "Deny", "Action": "*", "Resource": resource, "Condition": ROOT_LIKE})
    assert denies_root_without_exemption(doc) is expected


def test_not_resource_star_excludes_everything() -> None:
    doc = policy({"Effect": "Deny", "Action": "*", "NotResource": "*", "Condition": ROOT_LIKE})
    assert denies_root_without_exemption(doc) is False
    doc = policy({"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:s3:::x", "Condition": ROOT_LIKE})
    assert denies_root_without_exemption(doc) is True


def test_single_account_root_arn_is_per_account() -> None:
    doc = policy(
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:root"}},
        }
    )
    assert denies_root_without_exemption(doc) is True  # some account's root is denied
    assert denies_root_without_exemption(doc, account_id="111122223333") is True
    assert denies_root_without_exemption(doc, account_id="444455556666") is False


def test_account_exception_by_principal_account() -> None:
    doc = policy(
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {**ROOT_LIKE, "StringNotEquals": {"aws:PrincipalAccount": ["111122223333"]}},
        }
    )
    assert denies_root_without_exemption(doc, account_id="111122223333") is False
    assert denies_root_without_exemption(doc, account_id="444455556666") is True


def test_partition_of_the_caller_is_used() -> None:
    doc = policy(
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws-us-gov:iam::*:root"}},
        }
    )
    assert denies_root_without_exemption(doc, partition="aws-us-gov") is True
    assert denies_root_without_exemption(doc, partition="aws") is False


def test_single_statement_object_and_unnamed_statements() -> None:
    statement = {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": ROOT_LIKE}
    doc = json.dumps({"Statement": statement})
    assert denying_statements(doc) == ["#0"]


def test_mixed_policy_reports_only_the_blocking_statement() -> None:
    doc = policy(
        {"Sid": "RegionLock", "Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*"},
        {"Sid": "RootWithExemption", "Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {**ROOT_LIKE, **EXEMPTION}},
        {"Sid": "RootIam", "Effect": "Deny", "Action": "iam:*", "Resource": "*", "Condition": ROOT_LIKE},
    )  # fmt: skip
    assert denying_statements(doc) == ["RootIam"]


@pytest.mark.parametrize("text", ["", "not json", "[1, 2]", "null"])
def test_malformed_documents_raise(text: str) -> None:
    with pytest.raises(PolicyDocumentError):
        denies_root_without_exemption(text)


def test_malformed_statement_parts_are_ignored_not_fatal() -> None:
    doc = json.dumps({"Statement": ["junk", {"Effect": "Deny", "Action": "*", "Condition": "junk"}]})
    assert denies_root_without_exemption(doc) is False
