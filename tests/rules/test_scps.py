"""organizations_scps_allow_root_sessions: SCP blocks as facts (the policy analysis is collect's job)."""

from __future__ import annotations

from rules_support import MGMT, account, aws_err, make_facts, no_org_facts, one

from rootguard.models import Account, Fact, NotEvaluatedReason, ScpBlock, Status

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


def test_unreadable_scps_are_never_a_pass() -> None:
    """ListRoots denied (or any SCP read failing): 'no SCP blocks' is not proven."""
    error = aws_err("AccessDeniedException: You don't have permissions to access this resource.")
    r = one(CHECK, make_facts(scp_blocks=(), unreadable={Fact.SCPS: error}))
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, NotEvaluatedReason.ACCESS_DENIED)
    assert "could not be read completely" in r.message and "AccessDeniedException" in r.message


def test_a_blocking_scp_read_before_an_error_still_fails() -> None:
    error = aws_err("TooManyRequestsException: Rate exceeded")
    r = one(CHECK, make_facts(scp_blocks=(DENY_OU,), unreadable={Fact.SCPS: error}))
    assert r.status is Status.FAIL and r.details["read_error"] == str(error)


def test_the_management_account_is_never_affected() -> None:
    """SCPs never apply to the management account, and AssumeRoot cannot target it."""
    accounts = (Account(id=MGMT, parent_path=("r-ab12",)), account(1, parent_path=("r-ab12",)))
    r = one(CHECK, make_facts(accounts=accounts, scp_blocks=(OTHER,)))
    assert r.details["affected_accounts"] == ["200000000001"]
    assert "in 1 account(s)" in r.message


def test_the_guard_turns_a_pass_on_unread_facts_into_not_evaluated() -> None:
    """Whatever a rule says, a PASS on a fact group it needs that was not read does not leave the registry."""
    from rootguard.rules import registry, spec_for

    facts = make_facts(unreadable={Fact.SCPS: aws_err("ThrottlingException: slow down")})
    passing = one(CHECK, make_facts())
    (guarded,) = registry.guard(spec_for(CHECK), facts, [passing])
    assert (guarded.status, guarded.reason) == (Status.NOT_EVALUATED, NotEvaluatedReason.THROTTLED)
    assert guarded.resource == passing.resource


def test_no_organization_is_not_evaluated() -> None:
    r = one(CHECK, no_org_facts())
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, NotEvaluatedReason.PREREQUISITE_MISSING)
