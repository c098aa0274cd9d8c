"""iam_member_root_credentials_absent: exactly one result per account, whatever was collected."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from rules_support import MGMT, ORG_ID, account, audited, aws_err, failed_audit, make_facts, skipped

from rootguard.models import (
    AccessKey,
    Account,
    AuditOutcome,
    Fact,
    MemberAudit,
    MFADevice,
    NotEvaluatedReason,
    OrgFacts,
    ResourceKind,
    Result,
    RootCredentials,
    ScpBlock,
    SigningCertificate,
    Status,
)
from rootguard.rules import MEMBER_CHECK_ID, RuleConfig, evaluate

MANAGEMENT = Account(id=MGMT, name="management")


def run(
    accounts: tuple[Account, ...], audits: dict[str, MemberAudit], config: RuleConfig | None = None, **kw
):
    facts = make_facts(accounts=accounts, member_audits=audits, **kw)
    results = evaluate(facts, config, [MEMBER_CHECK_ID])
    for r in results:
        assert (r.status is Status.NOT_EVALUATED) == (r.reason is not None)
    return results


def single(acct: Account, audit: MemberAudit | None, config: RuleConfig | None = None, **kw) -> Result:
    audits = {acct.id: audit} if audit else {}
    (r,) = run((acct,), audits, config, **kw)
    assert (r.resource.kind, r.resource.id) == (ResourceKind.ACCOUNT, acct.id)
    return r


# ------------------------------------------------------------------------------------- pass and fail


def test_clean_root_passes_on_the_account_resource() -> None:
    a = account(1)
    r = single(a, audited(a))
    assert r.status is Status.PASS
    assert r.resource.arn == f"arn:aws:organizations::{MGMT}:account/{ORG_ID}/{a.id}"
    assert r.resource.name == "acct-1" and r.details["kinds"] == []


def test_password_fails() -> None:
    a = account(1)
    r = single(a, audited(a, password=True, password_created=datetime(2020, 1, 2, tzinfo=UTC)))
    assert r.status is Status.FAIL and "still has a password." in r.message
    assert r.details["kinds"] == ["password"] and r.details["password_created"].startswith("2020-01-02")


def test_active_and_inactive_keys_are_counted_separately_and_masked() -> None:
    a = account(1)
    keys = (
        AccessKey(id_suffix="AB12", status="Active"),
        AccessKey(id_suffix="CD34", status="Active"),
        AccessKey(id_suffix="EF56", status="Inactive"),
    )
    r = single(a, audited(a, access_keys=keys))
    assert r.status is Status.FAIL
    assert "2 active access keys (****AB12, ****CD34)" in r.message
    assert "1 inactive access key (****EF56)" in r.message
    assert r.details["counts"]["active_access_keys"] == 2 and r.details["counts"]["inactive_access_keys"] == 1
    assert [k["key"] for k in r.details["access_keys"]] == ["****AB12", "****CD34", "****EF56"]


def test_only_inactive_keys_still_fail() -> None:
    a = account(1)
    r = single(a, audited(a, access_keys=(AccessKey(id_suffix="EF56", status="Inactive"),)))
    assert (
        r.status is Status.FAIL
        and "1 inactive access key" in r.message
        and " active access key" not in r.message
    )
    assert r.details["counts"]["active_access_keys"] == 0


def test_a_longer_identifier_never_leaves_the_rule_unmasked() -> None:
    a = account(1)
    leaked = "AKIAIOSFODNN7EXAMPLE"
    r = single(a, audited(a, access_keys=(AccessKey(id_suffix=leaked, status="Active"),)))
    assert leaked not in r.message and leaked not in json.dumps(r.details)
    assert "****MPLE" in r.message


def test_mfa_devices_fail_with_their_kinds() -> None:
    a = account(1)
    devices = (MFADevice(kind="hardware"), MFADevice(kind="virtual"), MFADevice(kind="hardware"))
    r = single(a, audited(a, mfa_devices=devices))
    assert r.status is Status.FAIL and "3 MFA devices (2 hardware, 1 virtual)" in r.message
    assert r.details["mfa_kinds"] == ["hardware", "virtual"]


def test_signing_certificates_fail() -> None:
    a = account(1)
    cert = SigningCertificate(id_suffix="9XYZ", status="Active")
    r = single(a, audited(a, signing_certificates=(cert,)))
    assert r.status is Status.FAIL and "1 signing certificate" in r.message
    assert r.details["signing_certificates"] == [{"certificate": "****9XYZ", "status": "Active"}]


def test_every_kind_at_once_is_named() -> None:
    a = account(1)
    creds = dict(
        password=True,
        access_keys=(AccessKey(id_suffix="AB12", status="Active"),),
        mfa_devices=(MFADevice(kind="virtual"),),
        signing_certificates=(SigningCertificate(id_suffix="9XYZ", status="Inactive"),),
    )
    r = single(a, audited(a, **creds))
    assert r.details["kinds"] == ["password", "active access keys", "MFA devices", "signing certificates"]
    assert (
        "a password, 1 active access key (****AB12), 1 MFA device (1 virtual) and 1 signing certificate"
        in (r.message)
    )


def test_summary_flags_alone_fail_from_the_fallback_audit() -> None:
    a = account(1)
    creds = {"summary": {"AccountAccessKeysPresent": 1, "AccountMFAEnabled": 1, "AccountPasswordPresent": 0}}
    r = single(a, audited(a, method="AssumeRole", **creds))
    assert r.status is Status.FAIL
    assert "access keys (count not read)" in r.message and "MFA devices (kind not read)" in r.message
    assert r.details["audit_method"] == "AssumeRole" and r.details["counts"]["active_access_keys"] == 1


def test_invited_and_created_accounts_are_explained_differently() -> None:
    invited, created = account(1, joined_method="INVITED"), account(2, joined_method="CREATED")
    r_inv = single(invited, audited(invited, password=True))
    r_new = single(created, audited(created, password=True))
    assert "joined the organization by invitation" in r_inv.message
    assert "created in the organization" in r_new.message
    assert r_inv.details["joined_method"] == "INVITED"


def test_details_carry_account_context_and_are_json_safe() -> None:
    a = account(1, parent_path=("r-ab12", "ou-ab12-prod"), joined_timestamp=datetime(2021, 5, 1, tzinfo=UTC))
    r = single(a, audited(a, password=True))
    assert r.details["ou_path"] == ["r-ab12", "ou-ab12-prod"]
    assert r.details["account_name"] == "acct-1" and r.details["joined_timestamp"].startswith("2021-05-01")
    json.dumps(r.details)


# ------------------------------------------------------------------------------------- not evaluated


def test_the_management_account_is_not_a_member() -> None:
    """Centralized root access does not cover it: iam_management_root_mfa_no_keys judges its root user."""
    a = account(1)
    results = run((MANAGEMENT, a), {MGMT: audited(MANAGEMENT), a.id: audited(a)})
    assert [r.resource.id for r in results] == [a.id]


def test_an_organization_without_members_passes_on_the_organization() -> None:
    (r,) = run((MANAGEMENT,), {})
    assert (r.status, r.resource.kind) == (Status.PASS, ResourceKind.ORGANIZATION)
    assert "no member accounts" in r.message


def test_an_incomplete_account_list_says_so_once_on_the_organization() -> None:
    a = account(1)
    error = aws_err("TooManyRequestsException: Rate exceeded")
    results = run((MANAGEMENT, a), {a.id: audited(a)}, unreadable={Fact.ACCOUNTS: error})
    assert [(r.resource.kind, r.status) for r in results] == [
        (ResourceKind.ACCOUNT, Status.PASS),  # what was audited stands
        (ResourceKind.ORGANIZATION, Status.NOT_EVALUATED),
    ]
    assert results[1].reason is NotEvaluatedReason.THROTTLED
    assert "incomplete" in results[1].message and "1 account" in results[1].message


def test_account_missing_from_the_audits_is_not_audited_error() -> None:
    r = single(account(1), None)
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, NotEvaluatedReason.ERROR)
    assert "not audited" in r.message


def test_audited_without_credentials_is_an_error_not_a_pass() -> None:
    a = account(1)
    r = single(a, MemberAudit(account_id=a.id, outcome=AuditOutcome.AUDITED, credentials=None))
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, NotEvaluatedReason.ERROR)


@pytest.mark.parametrize(
    ("reason", "status", "words"),
    [
        (NotEvaluatedReason.SUSPENDED, "SUSPENDED", "suspended"),
        (NotEvaluatedReason.PENDING_CLOSURE, "PENDING_CLOSURE", "pending closure"),
        (NotEvaluatedReason.EXCLUDED, "ACTIVE", "excluded"),
        (NotEvaluatedReason.ROOT_SESSIONS_UNAVAILABLE, "ACTIVE", "enable-organizations-root-sessions"),
    ],
)
def test_skipped_accounts_keep_their_reason(reason: NotEvaluatedReason, status: str, words: str) -> None:
    a = account(1, status=status)
    r = single(a, skipped(a, reason, error="why"))
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, reason)
    assert words in r.message and r.details["account_status"] == status


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        (NotEvaluatedReason.ACCESS_DENIED, "sts:AssumeRoot"),
        (NotEvaluatedReason.THROTTLED, "throttled"),
        (NotEvaluatedReason.ERROR, "failed"),
    ],
)
def test_failed_audits_keep_their_reason_and_error(reason: NotEvaluatedReason, words: str) -> None:
    a = account(1)
    r = single(a, failed_audit(a, reason, error="AssumeRoot: SomeCode: some message"))
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, reason)
    assert words in r.message and "SomeCode" in r.message
    assert r.details["audit_error"] == "AssumeRoot: SomeCode: some message"


def test_an_audit_that_did_not_happen_always_says_why() -> None:
    """The collection classifies every failure when it happens (rootguard.aws.errors); the rule never
    re-parses error text."""
    with pytest.raises(ValidationError, match="needs the reason"):
        failed_audit(account(1), None, error="AccessDenied: no")


def test_scp_denied_names_the_blocking_policies() -> None:
    a = account(1, parent_path=("r-ab12", "ou-ab12-sandbox"))
    block = ScpBlock(
        policy_id="p-deny1",
        policy_name="DenyRoot",
        target_id="ou-ab12-sandbox",
        target_kind="ORGANIZATIONAL_UNIT",
    )
    audit = failed_audit(
        a, NotEvaluatedReason.SCP_DENIED, blocking_policies=("p-deny1", "p-x"), error="AccessDenied"
    )
    r = single(a, audit, scp_blocks=(block,))
    assert r.reason is NotEvaluatedReason.SCP_DENIED
    assert "DenyRoot (p-deny1) and p-x" in r.message and "aws:AssumedRoot" in r.message
    assert r.details["blocking_policies"] == ["p-deny1", "p-x"]


def test_configured_exclusion_wins_over_what_was_collected() -> None:
    a = account(1)
    r = single(a, audited(a, password=True), RuleConfig(excluded_accounts={a.id}))
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, NotEvaluatedReason.EXCLUDED)


# ------------------------------------------------------------------------------------- one per account


def test_mixed_organization_gets_exactly_one_result_per_account() -> None:
    clean, dirty, susp, scp, missing = (account(i) for i in range(1, 6))
    audits = {
        MGMT: skipped(MANAGEMENT, NotEvaluatedReason.MANAGEMENT_ACCOUNT),
        clean.id: audited(clean),
        dirty.id: audited(dirty, password=True),
        susp.id: skipped(susp, NotEvaluatedReason.SUSPENDED),
        scp.id: failed_audit(scp, NotEvaluatedReason.SCP_DENIED, blocking_policies=("p-1",)),
        "999999999999": audited(account(99)),  # an audit for an account not in the list is ignored
    }
    accounts = (MANAGEMENT, clean, dirty, susp, scp, missing)
    results = run(accounts, audits)
    assert [r.resource.id for r in results] == [a.id for a in accounts[1:]]
    assert [r.status for r in results] == [
        Status.PASS,
        Status.FAIL,
        Status.NOT_EVALUATED,
        Status.NOT_EVALUATED,
        Status.NOT_EVALUATED,
    ]


def test_duplicate_account_entries_still_give_one_result() -> None:
    a = account(1)
    assert len(run((a, a), {a.id: audited(a)})) == 1


def test_no_accounts_at_all_is_said_once_on_the_organization() -> None:
    (r,) = run((), {}, unreadable={Fact.ACCOUNTS: aws_err("AccessDeniedException: no")})
    assert (r.status, r.reason) == (Status.NOT_EVALUATED, NotEvaluatedReason.ACCESS_DENIED)
    assert r.resource.kind is ResourceKind.ORGANIZATION and "ListAccounts" in r.message


# ------------------------------------------------------------------------------------- property

_ids = st.integers(min_value=0, max_value=60).map(lambda i: f"{200000000000 + i}")
_reasons = st.sampled_from(list(NotEvaluatedReason))
_keys = st.builds(
    AccessKey,
    # Short suffixes, or whole key ids shaped like AWS's (AKIA + 16): a leak check on a 5-letter id would
    # also find words of the message ("INVIT" in "INVITED").
    id_suffix=st.one_of(
        st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=4, max_size=4),
        st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16).map("AKIA".__add__),
    ),
    status=st.sampled_from(["Active", "Inactive"]),
)
_creds = st.builds(
    RootCredentials,
    password=st.booleans(),
    access_keys=st.lists(_keys, max_size=2).map(tuple),
    mfa_devices=st.lists(st.builds(MFADevice, kind=st.sampled_from(["virtual", "hardware"])), max_size=2).map(
        tuple
    ),
    signing_certificates=st.lists(
        st.builds(SigningCertificate, id_suffix=st.just("C3RT"), status=st.just("Active")), max_size=1
    ).map(tuple),
    summary=st.dictionaries(
        st.sampled_from(["AccountPasswordPresent", "AccountAccessKeysPresent", "AccountMFAEnabled"]),
        st.integers(0, 1),
    ),
)


@st.composite
def _audit_for(draw: st.DrawFn, account_id: str) -> MemberAudit | None:
    kind = draw(st.sampled_from(["audited", "skipped", "failed", "missing", "audited-empty"]))
    if kind == "missing":
        return None
    if kind == "audited":
        return MemberAudit(account_id=account_id, outcome=AuditOutcome.AUDITED, credentials=draw(_creds))
    if kind == "audited-empty":
        return MemberAudit(account_id=account_id, outcome=AuditOutcome.AUDITED)
    outcome = AuditOutcome.SKIPPED if kind == "skipped" else AuditOutcome.FAILED
    return MemberAudit(
        account_id=account_id,
        outcome=outcome,
        reason=draw(_reasons),
        error=draw(st.sampled_from(["", "AccessDenied: x", "ThrottlingException: y", "Boom: z"])),
        blocking_policies=tuple(draw(st.lists(st.sampled_from(["p-1", "p-2"]), max_size=2, unique=True))),
    )


@st.composite
def _org_facts(draw: st.DrawFn) -> tuple[OrgFacts, RuleConfig]:
    ids = draw(st.lists(_ids, min_size=1, max_size=25))  # duplicates allowed on purpose
    include_mgmt = draw(st.booleans())
    accounts = [
        Account(
            id=i,
            status=draw(st.sampled_from(["ACTIVE", "SUSPENDED", "PENDING_CLOSURE"])),
            joined_method=draw(st.sampled_from(["CREATED", "INVITED"])),
        )
        for i in ids
    ]
    if include_mgmt:
        accounts.insert(draw(st.integers(0, len(accounts))), MANAGEMENT)
    audits: dict[str, MemberAudit] = {}
    for a in accounts:
        audit = draw(_audit_for(a.id))
        if audit is not None:
            audits[a.id] = audit
    excluded = draw(st.sets(st.sampled_from(ids), max_size=3))
    return make_facts(accounts=tuple(accounts), member_audits=audits), RuleConfig(excluded_accounts=excluded)


@settings(max_examples=150, deadline=None)
@given(_org_facts())
def test_property_one_result_per_account_and_reason_iff_not_evaluated(
    case: tuple[OrgFacts, RuleConfig],
) -> None:
    facts, config = case
    results = evaluate(facts, config, [MEMBER_CHECK_ID])
    distinct = list(dict.fromkeys(a.id for a in facts.accounts if a.id != MGMT))
    if not distinct:  # only the management account: the organization has no members
        assert [(r.resource.kind, r.status) for r in results] == [(ResourceKind.ORGANIZATION, Status.PASS)]
        return
    assert [r.resource.id for r in results] == distinct
    for r in results:
        assert r.resource.kind is ResourceKind.ACCOUNT and r.check_id == MEMBER_CHECK_ID
        assert (r.status is Status.NOT_EVALUATED) == (r.reason is not None)
        assert r.message
        audit = facts.member_audits.get(r.resource.id)
        if r.resource.id in config.excluded_accounts:
            assert r.reason is NotEvaluatedReason.EXCLUDED
        elif audit is None or audit.outcome is not AuditOutcome.AUDITED or audit.credentials is None:
            assert r.status is Status.NOT_EVALUATED
        else:
            assert r.status is (Status.FAIL if audit.credentials.present else Status.PASS)
        blob = r.message + json.dumps(r.details)
        for key in audit.credentials.access_keys if audit and audit.credentials else ():
            if len(key.id_suffix) > 4:
                assert key.id_suffix not in blob
