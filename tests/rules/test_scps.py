"""organizations_scps_allow_root_sessions: SCP blocks as facts (the policy analysis is collect's job)."""

from __future__ import annotations

from rules_support import account, make_facts, no_org_facts, one

from rootguard.models import NotEvaluatedReason, ScpBlock, Status

CHECK = "organizations_scps_allow_root_sessions"
DENY_OU = ScpBlock(
    policy_id="p-deny1",
    policy_name="DenyRoot",
    target_id="ou-ab12-sandbox",
    target_kind="ORGANIZATIONAL_UNIT",
    target_name="Sandbox",
)
DENY_ACCT = ScpBlock(
    policy_id="p-deny1", policy_name="DenyRoot", target_id="200000000003", target_kind="ACCOUNT"
)
OTHER = ScpBlock(
    policy_id="p-other", policy_name="", target_id="r-ab12", target_kind="ROOT", target_name="Root"
)


def test_no_blocking_scp_passes() -> None:
    # Policies that exempt aws:AssumedRoot never become ScpBlock facts: an empty list is the exempted case.
    r = one(CHECK, make_facts(scp_blocks=()))
    assert r.status is Status.PASS and r.details["blocking_policies"] == []


def test_blocking_scp_fails_naming_policy_targets_and_fix() -> None:
    accounts = (
        account(1, parent_path=("r-ab12", "ou-ab12-sandbox")),
        account(2, parent_path=("r-ab12", "ou-ab12-prod")),
        account(3, parent_path=("r-ab12", "ou-ab12-prod")),
    )
    r = one(CHECK, make_facts(accounts=accounts, scp_blocks=(DENY_OU, DENY_ACCT)))
    assert r.status is Status.FAIL
    assert "DenyRoot (p-deny1)" in r.message and "OU Sandbox (ou-ab12-sandbox)" in r.message
    assert "account (200000000003)" in r.message
    assert '"Null": {"aws:AssumedRoot": "true"}' in r.message and "ExemptAssumeRoot" in r.message
    (policy,) = r.details["blocking_policies"]
    assert {t["id"] for t in policy["targets"]} == {"ou-ab12-sandbox", "200000000003"}
    assert r.details["affected_accounts"] == ["200000000001", "200000000003"]


def test_every_blocking_policy_is_listed() -> None:
    accounts = (account(1, parent_path=("r-ab12",)),)
    r = one(CHECK, make_facts(accounts=accounts, scp_blocks=(DENY_OU, OTHER)))
    assert [p["policy_id"] for p in r.details["blocking_policies"]] == ["p-deny1", "p-other"]
    assert "p-other on root Root (r-ab12)" in r.message
    assert r.details["affected_accounts"] == ["200000000001"]


def test_unreadable_scps_are_not_evaluated() -> None:
    r = one(CHECK, make_facts(scps_readable=False, scp_blocks=(DENY_OU,)))
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, NotEvaluatedReason.PREREQUISITE_MISSING)


def test_no_organization_is_not_evaluated() -> None:
    r = one(CHECK, no_org_facts())
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, NotEvaluatedReason.PREREQUISITE_MISSING)
