"""organizations_iam_delegated_admin_allowed."""

from __future__ import annotations

from rules_support import make_facts, no_org_facts, one

from rootguard.models import DelegatedAdmin, NotEvaluatedReason, Status
from rootguard.rules import RuleConfig

CHECK = "organizations_iam_delegated_admin_allowed"
SECURITY = DelegatedAdmin(account_id="222222222222", name="security")
ROGUE = DelegatedAdmin(account_id="333333333333", name="sandbox")


def test_none_registered_passes() -> None:
    r = one(CHECK, make_facts(delegated_admins=()))
    assert r.status is Status.PASS and r.details["delegated_admins"] == []


def test_registered_without_allow_list_fails_naming_it() -> None:
    r = one(CHECK, make_facts(delegated_admins=(SECURITY,)))
    assert r.status is Status.FAIL and "222222222222 (security)" in r.message
    assert "deregister-delegated-administrator" in r.message
    assert r.details["unexpected"] == ["222222222222"]


def test_all_allowed_passes() -> None:
    cfg = RuleConfig(allowed_delegated_admins={"222222222222"})
    assert one(CHECK, make_facts(delegated_admins=(SECURITY,)), cfg).status is Status.PASS


def test_only_the_unexpected_one_is_named() -> None:
    cfg = RuleConfig(allowed_delegated_admins={"222222222222"})
    r = one(CHECK, make_facts(delegated_admins=(SECURITY, ROGUE)), cfg)
    assert r.status is Status.FAIL and "333333333333" in r.message and "222222222222" not in r.message
    assert r.details["unexpected"] == ["333333333333"]


def test_unreadable_is_not_evaluated() -> None:
    r = one(CHECK, make_facts(delegated_admins=None))
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, NotEvaluatedReason.PREREQUISITE_MISSING)


def test_no_organization_is_not_evaluated() -> None:
    assert one(CHECK, no_org_facts()).status is Status.NOT_EVALUATED
