"""Rules are pure: facts built by hand, every state checked."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rootguard.models import (
    AccessKey,
    Account,
    AuditOutcome,
    Caller,
    DelegatedAdmin,
    FeaturesState,
    MemberAudit,
    MFADevice,
    NotEvaluatedReason,
    Organization,
    OrgFacts,
    RootCredentials,
    ScpBlock,
    SigningCertificate,
    Status,
)
from rootguard.rules import CHECK_IDS, MEMBER_CHECK_ID, RULES, RuleConfig, evaluate

MGMT = "111111111111"
ORG = Organization(
    id="o-abc1234567",
    arn=f"arn:aws:organizations::{MGMT}:organization/o-abc1234567",
    feature_set="ALL",
    management_account_id=MGMT,
)
CALLER = Caller(account_id=MGMT, arn=f"arn:aws:iam::{MGMT}:user/scanner")


def facts(**kw) -> OrgFacts:
    base = {
        "caller": CALLER,
        "organization": ORG,
        "trusted_access_iam": True,
        "delegated_admins": (),
        "features_state": FeaturesState.OK,
        "enabled_features": frozenset({"RootCredentialsManagement", "RootSessions"}),
    }
    base.update(kw)
    return OrgFacts(**base)


def one(check_id: str, f: OrgFacts, config: RuleConfig | None = None):
    (r,) = evaluate(f, config, [check_id])
    assert (r.status is Status.NOT_EVALUATED) == (r.reason is not None)
    return r


def test_registry_matches_check_ids() -> None:
    assert set(RULES) == set(CHECK_IDS) and len(CHECK_IDS) == 6
    with pytest.raises(ValueError, match="unknown check id 'nope'"):
        evaluate(facts(), None, ["nope"])


@pytest.mark.parametrize(
    ("trusted", "feature_set", "status"),
    [(True, "ALL", Status.PASS), (False, "ALL", Status.FAIL), (None, "ALL", Status.NOT_EVALUATED)],
)
def test_trusted_access(trusted, feature_set, status) -> None:
    r = one("organizations_iam_trusted_access_enabled", facts(trusted_access_iam=trusted))
    assert r.status is status and r.resource.id == ORG.id


def test_trusted_access_consolidated_billing_fails() -> None:
    org = ORG.model_copy(update={"feature_set": "CONSOLIDATED_BILLING"})
    r = one("organizations_iam_trusted_access_enabled", facts(organization=org, trusted_access_iam=False))
    assert r.status is Status.FAIL and "all features" in r.message


def test_no_organization_fails_on_the_caller_account() -> None:
    f = facts(organization=None, features_state=FeaturesState.ORGANIZATION_NOT_FOUND, trusted_access_iam=None)
    for check_id in CHECK_IDS:
        results = evaluate(f, None, [check_id])
        assert len(results) == 1
        assert results[0].resource.id == MGMT
    assert one("iam_org_root_sessions_enabled", f).status is Status.FAIL


@pytest.mark.parametrize(
    "check_id", ["iam_org_root_credentials_management_enabled", "iam_org_root_sessions_enabled"]
)
@pytest.mark.parametrize(
    ("state", "status", "reason"),
    [
        (FeaturesState.NOT_ALL_FEATURES, Status.FAIL, None),
        (FeaturesState.SERVICE_ACCESS_NOT_ENABLED, Status.FAIL, None),
        (
            FeaturesState.NOT_MANAGEMENT_OR_DELEGATED_ADMIN,
            Status.NOT_EVALUATED,
            NotEvaluatedReason.ACCESS_DENIED,
        ),
        (FeaturesState.ACCESS_DENIED, Status.NOT_EVALUATED, NotEvaluatedReason.ACCESS_DENIED),
        (FeaturesState.ERROR, Status.NOT_EVALUATED, NotEvaluatedReason.ERROR),
    ],
)
def test_feature_states(check_id, state, status, reason) -> None:
    r = one(check_id, facts(features_state=state, enabled_features=frozenset()))
    assert (r.status, r.reason) == (status, reason)


def test_each_feature_is_judged_on_its_own() -> None:
    f = facts(enabled_features=frozenset({"RootCredentialsManagement"}))
    assert one("iam_org_root_credentials_management_enabled", f).status is Status.PASS
    r = one("iam_org_root_sessions_enabled", f)
    assert r.status is Status.FAIL and "enable-organizations-root-sessions" in r.message


def test_scp_blocks() -> None:
    block = ScpBlock(
        policy_id="p-1",
        policy_name="DenyRoot",
        target_id="ou-1",
        target_kind="ORGANIZATIONAL_UNIT",
        target_name="Sandbox",
    )
    assert one("organizations_scps_allow_root_sessions", facts()).status is Status.PASS
    r = one("organizations_scps_allow_root_sessions", facts(scp_blocks=(block,)))
    assert r.status is Status.FAIL and "DenyRoot" in r.message and "aws:AssumedRoot" in r.message
    assert r.details["blocking_policies"][0]["policy_id"] == "p-1"
    r = one("organizations_scps_allow_root_sessions", facts(scps_readable=False))
    assert r.status is Status.NOT_EVALUATED


def test_delegated_admin_allow_list() -> None:
    check = "organizations_iam_delegated_admin_allowed"
    da = (DelegatedAdmin(account_id="222222222222", name="security"),)
    assert one(check, facts()).status is Status.PASS
    assert one(check, facts(delegated_admins=da)).status is Status.FAIL
    allowed = RuleConfig(allowed_delegated_admins=frozenset({"222222222222"}))
    assert one(check, facts(delegated_admins=da), allowed).status is Status.PASS
    assert one(check, facts(delegated_admins=None)).status is Status.NOT_EVALUATED


def acct(i: int, **kw) -> Account:
    return Account(id=f"{200000000000 + i}", name=f"a{i}", **kw)


def audited(account: Account, **creds) -> MemberAudit:
    return MemberAudit(
        account_id=account.id, outcome=AuditOutcome.AUDITED, credentials=RootCredentials(**creds)
    )


def test_member_results_one_per_account_with_kinds() -> None:
    mgmt = Account(id=MGMT, name="management")
    clean, pw, inactive, mfa, cert, scp, susp, missing = (acct(i) for i in range(8))
    inv = pw.model_copy(update={"joined_method": "INVITED"})
    audits = {
        clean.id: audited(clean),
        inv.id: audited(inv, password=True, access_keys=(AccessKey(id_suffix="WXYZ", status="Active"),)),
        inactive.id: audited(inactive, access_keys=(AccessKey(id_suffix="ABCD", status="Inactive"),)),
        mfa.id: audited(mfa, mfa_devices=(MFADevice(kind="hardware"),)),
        cert.id: audited(cert, signing_certificates=(SigningCertificate(id_suffix="1234", status="Active"),)),
        scp.id: MemberAudit(
            account_id=scp.id,
            outcome=AuditOutcome.FAILED,
            reason=NotEvaluatedReason.SCP_DENIED,
            blocking_policies=("p-9",),
        ),
        susp.id: MemberAudit(
            account_id=susp.id, outcome=AuditOutcome.SKIPPED, reason=NotEvaluatedReason.SUSPENDED
        ),
    }
    accounts = (mgmt, clean, inv, inactive, mfa, cert, scp, susp, missing)
    results = evaluate(facts(accounts=accounts, member_audits=audits), None, [MEMBER_CHECK_ID])
    by_id = {r.resource.id: r for r in results}
    assert len(results) == len(accounts) == len(by_id)
    assert by_id[MGMT].reason is NotEvaluatedReason.MANAGEMENT_ACCOUNT
    assert by_id[clean.id].status is Status.PASS
    r = by_id[inv.id]
    assert r.status is Status.FAIL and "a password" in r.message and "1 active access key" in r.message
    assert "invited" in r.message and r.details["access_keys"] == [{"id_suffix": "WXYZ", "status": "Active"}]
    assert "1 inactive access key" in by_id[inactive.id].message
    assert by_id[inactive.id].details["counts"]["active_access_keys"] == 0
    assert "MFA device (hardware)" in by_id[mfa.id].message
    assert "signing certificate" in by_id[cert.id].message
    assert by_id[scp.id].reason is NotEvaluatedReason.SCP_DENIED and "p-9" in by_id[scp.id].message
    assert by_id[susp.id].reason is NotEvaluatedReason.SUSPENDED
    assert by_id[missing.id].reason is NotEvaluatedReason.ERROR
    assert by_id[clean.id].resource.arn.endswith(f"account/{ORG.id}/{clean.id}")


def test_summary_flags_alone_still_fail() -> None:
    a = acct(1)
    audit = MemberAudit(
        account_id=a.id,
        outcome=AuditOutcome.AUDITED,
        method="AssumeRole",
        credentials=RootCredentials(summary={"AccountAccessKeysPresent": 1, "AccountMFAEnabled": 0}),
    )
    (r,) = evaluate(facts(accounts=(a,), member_audits={a.id: audit}), None, [MEMBER_CHECK_ID])
    assert r.status is Status.FAIL and "access keys" in r.message


def test_excluded_account_is_not_evaluated() -> None:
    a = acct(1)
    (r,) = evaluate(facts(accounts=(a,)), RuleConfig(excluded_accounts=frozenset({a.id})), [MEMBER_CHECK_ID])
    assert r.reason is NotEvaluatedReason.EXCLUDED


def test_no_accounts_is_one_not_evaluated_result() -> None:
    (r,) = evaluate(facts(accounts=()), None, [MEMBER_CHECK_ID])
    assert r.reason is NotEvaluatedReason.PREREQUISITE_MISSING


_outcomes = st.sampled_from(["audited-clean", "audited-dirty", "skipped", "failed", "missing"])


@settings(max_examples=60, deadline=None)
@given(st.lists(_outcomes, min_size=1, max_size=40))
def test_property_exactly_one_result_per_account(kinds: list[str]) -> None:
    accounts = [acct(i) for i in range(len(kinds))]
    audits: dict[str, MemberAudit] = {}
    for a, kind in zip(accounts, kinds, strict=True):
        if kind == "audited-clean":
            audits[a.id] = audited(a)
        elif kind == "audited-dirty":
            audits[a.id] = audited(a, password=True)
        elif kind == "skipped":
            audits[a.id] = MemberAudit(
                account_id=a.id, outcome=AuditOutcome.SKIPPED, reason=NotEvaluatedReason.SUSPENDED
            )
        elif kind == "failed":
            audits[a.id] = MemberAudit(
                account_id=a.id, outcome=AuditOutcome.FAILED, reason=NotEvaluatedReason.THROTTLED
            )
    results = evaluate(facts(accounts=tuple(accounts), member_audits=audits), None, [MEMBER_CHECK_ID])
    assert [r.resource.id for r in results] == [a.id for a in accounts]
    expected = {"audited-clean": Status.PASS, "audited-dirty": Status.FAIL}
    for r, kind in zip(results, kinds, strict=True):
        assert r.status is expected.get(kind, Status.NOT_EVALUATED)
        assert (r.status is Status.NOT_EVALUATED) == (r.reason is not None)
