"""iam_management_root_mfa_no_keys: the one root user centralized root access leaves."""

from __future__ import annotations

import pytest
from rules_support import CALLER, MGMT, ORG_ID, account, aws_err, make_facts, no_org_facts, one

from rootguard.models import Account, Caller, Fact, ManagementRoot, NotEvaluatedReason, ResourceKind, Status
from rootguard.rules import RuleConfig, spec_for

CHECK = "iam_management_root_mfa_no_keys"


def root(**kw: object) -> ManagementRoot:
    base: dict[str, object] = {
        "account_id": MGMT,
        "password": True,
        "mfa": True,
        "mfa_kind": "hardware",
        "access_keys": False,
        "signing_certificates": False,
    }
    base.update(kw)
    return ManagementRoot(**base)  # type: ignore[arg-type]


def judge(management_root: ManagementRoot | None, config: RuleConfig | None = None, **kw: object):
    facts = make_facts(
        management_root=management_root, accounts=(Account(id=MGMT, name="management"), account(1)), **kw
    )
    return one(CHECK, facts, config)


def test_hardware_mfa_and_no_keys_passes_on_the_management_account() -> None:
    r = judge(root())
    assert r.status is Status.PASS and "hardware MFA" in r.message
    assert (r.resource.kind, r.resource.id, r.resource.name) == (ResourceKind.ACCOUNT, MGMT, "management")
    assert r.resource.arn == f"arn:aws:organizations::{MGMT}:account/{ORG_ID}/{MGMT}"
    assert r.details["mfa_kind"] == "hardware"


def test_virtual_mfa_passes_unless_the_config_requires_hardware() -> None:
    r = judge(root(mfa_kind="virtual"))
    assert r.status is Status.PASS and "management_root_requires_hardware_mfa" in r.message
    strict = judge(root(mfa_kind="virtual"), RuleConfig(management_root_hardware_mfa=True))
    assert strict.status is Status.FAIL and "virtual MFA device" in strict.message


@pytest.mark.parametrize(
    ("holds", "words", "severity"),
    [
        ({"mfa": False, "mfa_kind": "none"}, "no MFA device", "HIGH"),
        ({"access_keys": True}, "an access key", "CRITICAL"),
        ({"signing_certificates": True}, "a signing certificate", "HIGH"),
        (
            {"mfa": False, "mfa_kind": "none", "access_keys": True},
            "no MFA device and an access key",
            "CRITICAL",
        ),
    ],
)
def test_what_is_wrong_is_named_and_rated(holds: dict, words: str, severity: str) -> None:
    r = judge(root(**holds))
    assert r.status is Status.FAIL and words in r.message
    assert spec_for(CHECK).severity.label(r) == severity


def test_from_the_delegated_administrator_it_is_out_of_reach_not_partial() -> None:
    delegated = Caller(account_id="222222222222", arn="arn:aws:iam::222222222222:role/scanner")
    r = judge(None, caller=delegated)
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, NotEvaluatedReason.DELEGATED_ADMIN_SCAN)
    assert r.reason.out_of_scope and "222222222222" in r.message and MGMT in r.message


def test_an_unreadable_root_user_is_not_evaluated_with_its_reason() -> None:
    error = aws_err("AccessDenied: not authorized to perform: iam:GetAccountSummary")
    r = judge(None, unreadable={Fact.MANAGEMENT_ROOT: error})
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, NotEvaluatedReason.ACCESS_DENIED)
    assert not r.reason.out_of_scope and "iam:GetAccountSummary" in r.message


def test_outside_an_organization_there_is_no_management_account() -> None:
    r = one(CHECK, no_org_facts())
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, NotEvaluatedReason.PREREQUISITE_MISSING)


def test_it_never_collides_with_prowlers_root_checks_and_relates_to_them() -> None:
    spec = spec_for(CHECK)
    assert CHECK not in spec.related_to
    assert set(spec.related_to) == {
        "iam_root_mfa_enabled",
        "iam_root_hardware_mfa_enabled",
        "iam_no_root_access_key",
    }
    assert CALLER.account_id == MGMT
