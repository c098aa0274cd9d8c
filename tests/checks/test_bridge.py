"""The Prowler adapters: Check_Report_AWS objects from facts injected into the bridge's per-run cache, or
collected from the in-process sandbox. Prowler's provider is replaced by its identity only: a provider whose
session would be used for AWS calls is never faked."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from rootguard.errors import CollectError
from rootguard.models import (
    AccessKey,
    Account,
    AuditOutcome,
    AwsError,
    Caller,
    DelegatedAdmin,
    Fact,
    FeaturesState,
    ManagementRoot,
    MemberAudit,
    NotEvaluatedReason,
    Organization,
    OrgFacts,
    RootCredentials,
    Status,
)
from rootguard.prowler import bridge as prowler_bridge
from rootguard.rules import CHECK_IDS, MEMBER_CHECK_ID, spec_for

MGMT, ORG_ID, REGION = "111111111111", "o-abc1234567", "eu-west-1"
CALLER = Caller(account_id=MGMT, arn=f"arn:aws:iam::{MGMT}:user/scanner", partition="aws", region=REGION)
CLEAN, DIRTY, SUSPENDED = "200000000001", "200000000002", "200000000003"


def org_facts(**overrides: Any) -> OrgFacts:
    accounts = (
        Account(id=MGMT, name="management"),
        Account(id=CLEAN, name="clean"),
        Account(id=DIRTY, name="dirty", joined_method="INVITED"),
        Account(id=SUSPENDED, name="gone", status="SUSPENDED"),
    )
    audits = {
        CLEAN: MemberAudit(account_id=CLEAN, outcome=AuditOutcome.AUDITED, credentials=RootCredentials()),
        DIRTY: MemberAudit(
            account_id=DIRTY,
            outcome=AuditOutcome.AUDITED,
            credentials=RootCredentials(
                password=True, access_keys=(AccessKey(id_suffix="WXYZ", status="Active"),)
            ),
        ),
        SUSPENDED: MemberAudit(
            account_id=SUSPENDED, outcome=AuditOutcome.SKIPPED, reason=NotEvaluatedReason.SUSPENDED
        ),
    }
    base: dict[str, Any] = {
        "caller": CALLER,
        "collected": frozenset(Fact),
        "organization": Organization(id=ORG_ID, arn="", feature_set="ALL", management_account_id=MGMT),
        "trusted_access_iam": True,
        "delegated_admins": (DelegatedAdmin(account_id="222222222222", name="security"),),
        "features_state": FeaturesState.OK,
        "enabled_features": frozenset({"RootCredentialsManagement"}),
        "accounts": accounts,
        "member_audits": audits,
        "management_root": ManagementRoot(
            account_id=MGMT,
            password=True,
            mfa=True,
            mfa_kind="hardware",
            access_keys=False,
            signing_certificates=False,
        ),
    }
    base.update(overrides)
    return OrgFacts(**base)


def identity_provider(caller: Caller, session: Any = None, audit_config: dict | None = None) -> Any:
    """Prowler's provider reduced to what the bridge reads. Its session cannot reach AWS unless given one."""
    return SimpleNamespace(
        identity=SimpleNamespace(
            account=caller.account_id,
            identity_arn=caller.arn,
            partition=caller.partition,
            profile_region=caller.region,
            audited_regions=set(),
        ),
        session=SimpleNamespace(current_session=session or SimpleNamespace(region_name=caller.region)),
        audit_config=audit_config or {},
    )


@pytest.fixture
def use_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from prowler.providers.common.provider import Provider

    monkeypatch.delenv(prowler_bridge.CONFIG_ENV, raising=False)
    previous = Provider.get_global_provider()
    prowler_bridge.reset_cache()

    def install(provider: Any) -> Any:
        Provider.set_global_provider(provider)
        return provider

    yield install
    Provider.set_global_provider(previous)
    prowler_bridge.reset_cache()


@pytest.fixture
def no_collection(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Fail the test if the bridge tries to collect (the facts must come from the cache)."""
    calls: list[bool] = []

    def refuse(*args: Any, **kwargs: Any) -> OrgFacts:
        calls.append(True)
        raise AssertionError("the bridge collected facts although the cache held them")

    monkeypatch.setattr(prowler_bridge, "collect_facts", refuse)
    return calls


def check_instance(check_id: str) -> Any:
    """The check class, imported through its installed entry-point module path."""
    service = check_id.split("_", 1)[0]
    module = importlib.import_module(f"rootguard.prowler.services.{service}.{check_id}.{check_id}")
    return getattr(module, check_id)()


def reports(check_id: str) -> list[Any]:
    return check_instance(check_id).execute()


# ------------------------------------------------------------------------------------------- conversion


def test_every_check_builds_reports_from_the_cached_facts(use_provider, no_collection) -> None:
    from prowler.lib.check.models import Check_Report_AWS

    use_provider(identity_provider(CALLER))
    prowler_bridge.prime(org_facts())
    expected = {
        "organizations_iam_trusted_access_enabled": ["PASS"],
        "iam_org_root_credentials_management_enabled": ["PASS"],
        "iam_org_root_sessions_enabled": ["FAIL"],
        "iam_member_root_credentials_absent": ["PASS", "FAIL", "MANUAL"],
        "iam_management_root_mfa_no_keys": ["PASS"],
        "organizations_scps_allow_root_sessions": ["PASS"],
        "organizations_iam_delegated_admin_allowed": ["FAIL"],
    }
    for check_id in CHECK_IDS:
        out = reports(check_id)
        assert all(isinstance(r, Check_Report_AWS) for r in out)
        assert [r.status for r in out] == expected[check_id], check_id
        assert all(r.check_metadata.CheckID == check_id and r.region == REGION for r in out)
    assert no_collection == []


def test_member_reports_name_accounts_and_carry_structured_details(use_provider, no_collection) -> None:
    use_provider(identity_provider(CALLER))
    prowler_bridge.prime(org_facts())
    by_id = {r.resource_id: r for r in reports(MEMBER_CHECK_ID)}
    assert set(by_id) == {CLEAN, DIRTY, SUSPENDED}  # the management account is not a member
    dirty = by_id[DIRTY]
    assert dirty.resource_arn == f"arn:aws:organizations::{MGMT}:account/{ORG_ID}/{DIRTY}"
    rg = dirty.resource["rootguard"]
    assert rg["check_id"] == MEMBER_CHECK_ID and rg["status"] == "FAIL" and rg["reason"] is None
    assert (rg["resource_kind"], rg["resource_name"], rg["organization_id"]) == ("ACCOUNT", "dirty", ORG_ID)
    assert rg["details"]["kinds"] == ["password", "active access keys"]
    assert rg["details"]["access_keys"][0]["key"] == "****WXYZ"
    json.dumps(dirty.resource)
    assert dirty.status_extended.startswith("The root user of account")


def test_not_evaluated_becomes_manual_with_the_reason_prefix(use_provider, no_collection) -> None:
    use_provider(identity_provider(CALLER))
    prowler_bridge.prime(org_facts())
    by_id = {r.resource_id: r for r in reports(MEMBER_CHECK_ID)}
    gone = by_id[SUSPENDED]
    assert gone.status == "MANUAL" and gone.status_extended.startswith("Not evaluated (SUSPENDED): ")
    assert gone.resource["rootguard"]["reason"] == "SUSPENDED"


def test_organization_results_use_the_organization_resource(use_provider, no_collection) -> None:
    use_provider(identity_provider(CALLER))
    prowler_bridge.prime(org_facts())
    (r,) = reports("iam_org_root_sessions_enabled")
    assert r.resource_id == ORG_ID
    assert r.resource_arn == f"arn:aws:organizations::{MGMT}:organization/{ORG_ID}"
    assert r.resource["rootguard"]["resource_kind"] == "ORGANIZATION"


def test_without_organization_results_use_the_callers_account(use_provider, no_collection) -> None:
    use_provider(identity_provider(CALLER))
    prowler_bridge.prime(
        OrgFacts(
            caller=CALLER,
            collected=frozenset(Fact),
            organization_error=AwsError(code="AWSOrganizationsNotInUseException", message="no"),
            features_state=FeaturesState.ORGANIZATION_NOT_FOUND,
        )
    )
    (r,) = reports("organizations_iam_trusted_access_enabled")
    assert (r.status, r.resource_id, r.resource_arn) == ("FAIL", MGMT, f"arn:aws:iam::{MGMT}:root")
    assert r.resource["rootguard"]["organization_id"] is None


# ------------------------------------------------------------------------------------------- the cache


class FakeCollection:
    """collect_facts as the bridge calls it, recording the groups each call reads."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, frozenset[Fact]]] = []

    def __call__(self, session: Any, config: Any, progress: Any = None, *, needs: Any, base: Any) -> OrgFacts:
        already = base.collected if base is not None else frozenset()
        new = frozenset(needs) - already
        self.calls.append((str(session.identity_arn), new))
        caller = CALLER.model_copy(update={"arn": session.identity_arn})
        return org_facts(caller=caller, collected=already | frozenset(needs))


def session_of(caller: Caller) -> Any:
    return SimpleNamespace(region_name=caller.region, identity_arn=caller.arn)


@pytest.mark.parametrize(
    "order",
    [list(CHECK_IDS), list(reversed(CHECK_IDS)), sorted(CHECK_IDS)],
    ids=["report-order", "reversed", "prowler-sorted"],
)
def test_each_fact_group_is_read_once_whatever_the_order(use_provider, monkeypatch, order) -> None:
    fake = FakeCollection()
    monkeypatch.setattr(prowler_bridge, "collect_facts", fake)
    use_provider(identity_provider(CALLER, session=session_of(CALLER)))
    for check_id in order:
        reports(check_id)
        reports(check_id)  # a second run of a check reads nothing
    read = [fact for _, new in fake.calls for fact in new]
    assert sorted(read) == sorted(set(read))  # no group twice
    assert set(read) == {fact for c in CHECK_IDS for fact in spec_for(c).needs}
    assert all(new for _, new in fake.calls)  # a call happens only when something is missing


def test_an_organization_check_reads_only_what_it_judges(use_provider, monkeypatch) -> None:
    fake = FakeCollection()
    monkeypatch.setattr(prowler_bridge, "collect_facts", fake)
    use_provider(identity_provider(CALLER, session=session_of(CALLER)))
    reports("organizations_iam_delegated_admin_allowed")
    assert [new for _, new in fake.calls] == [frozenset({Fact.ORGANIZATION, Fact.DELEGATED_ADMINS})]


def test_cache_is_keyed_by_identity(use_provider, monkeypatch) -> None:
    fake = FakeCollection()
    monkeypatch.setattr(prowler_bridge, "collect_facts", fake)
    other = CALLER.model_copy(update={"arn": f"arn:aws:iam::{MGMT}:role/other"})
    use_provider(identity_provider(CALLER, session=session_of(CALLER)))
    reports(MEMBER_CHECK_ID)
    use_provider(identity_provider(other, session=session_of(other)))
    reports(MEMBER_CHECK_ID)
    reports(MEMBER_CHECK_ID)
    assert [arn for arn, _ in fake.calls] == [CALLER.arn, other.arn]


def test_collect_failure_still_reports_on_the_callers_account(use_provider, monkeypatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> OrgFacts:
        raise CollectError("cannot identify the caller (sts:GetCallerIdentity): boom")

    monkeypatch.setattr(prowler_bridge, "collect_facts", broken)
    use_provider(identity_provider(CALLER))
    (r,) = reports("organizations_scps_allow_root_sessions")
    assert r.status == "MANUAL" and r.resource_id == MGMT and "boom" in r.status_extended


# ------------------------------------------------------------------------------------------- settings


def test_allow_list_from_prowlers_config_file(use_provider, no_collection) -> None:
    use_provider(
        identity_provider(CALLER, audit_config={"rootguard_allowed_delegated_admins": ["222222222222"]})
    )
    prowler_bridge.prime(org_facts())
    (r,) = reports("organizations_iam_delegated_admin_allowed")
    assert r.status == "PASS"


def test_rootguard_config_file_wins(use_provider, no_collection, monkeypatch, tmp_path: Path) -> None:
    cfg = tmp_path / "rootguard.yaml"
    cfg.write_text('allowed_delegated_admins: ["222222222222"]\nexcluded_accounts: ["200000000002"]\n')
    monkeypatch.setenv(prowler_bridge.CONFIG_ENV, str(cfg))
    use_provider(identity_provider(CALLER, audit_config={"rootguard_allowed_delegated_admins": []}))
    prowler_bridge.prime(org_facts())
    assert [r.status for r in reports("organizations_iam_delegated_admin_allowed")] == ["PASS"]
    dirty = {r.resource_id: r for r in reports(MEMBER_CHECK_ID)}[DIRTY]
    assert dirty.status == "MANUAL" and dirty.resource["rootguard"]["reason"] == "EXCLUDED"


@pytest.mark.parametrize(
    ("session_region", "profile_region", "audited", "expected"),
    [
        ("eu-west-1", "us-east-1", set(), "eu-west-1"),
        (None, "eu-central-1", set(), "eu-central-1"),
        ("aws-global", None, {"us-west-2", "eu-west-1"}, "eu-west-1"),
        (None, None, set(), "us-east-1"),
    ],
)
def test_home_region(session_region, profile_region, audited, expected) -> None:
    provider = SimpleNamespace(
        session=SimpleNamespace(current_session=SimpleNamespace(region_name=session_region)),
        identity=SimpleNamespace(profile_region=profile_region, audited_regions=audited),
    )
    assert prowler_bridge.home_region(provider) == expected


# ------------------------------------------------------------------------------------------- sandbox


def test_reports_from_the_in_process_sandbox_match_the_standalone_rules(use_provider, demo_sandbox) -> None:
    from rootguard.collect import collect_facts
    from rootguard.rules import evaluate

    session = demo_sandbox.session()
    ident = session.client("sts").get_caller_identity()
    caller = Caller(account_id=ident["Account"], arn=ident["Arn"], region=session.region_name)
    use_provider(identity_provider(caller, session=session))
    prowler_side = {(check_id, r.resource_id): r.status for check_id in CHECK_IDS for r in reports(check_id)}
    standalone = evaluate(collect_facts(session, progress=lambda done, total: None))
    status = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.NOT_EVALUATED: "MANUAL"}
    assert prowler_side == {(r.check_id, r.resource.id): status[r.status] for r in standalone}
    member = {rid for (cid, rid) in prowler_side if cid == MEMBER_CHECK_ID}
    assert demo_sandbox.management_account_id not in member and len(member) > 5
    assert prowler_side[("iam_management_root_mfa_no_keys", demo_sandbox.management_account_id)] == "PASS"


def test_checks_in_any_order_read_the_sandbox_once(use_provider, demo_sandbox) -> None:
    """Organization checks first, then the member check: the organization is described once and each member
    account gets one root session, not two (the member check only adds the groups it lacks)."""
    session = demo_sandbox.session()
    ident = session.client("sts").get_caller_identity()
    caller = Caller(account_id=ident["Account"], arn=ident["Arn"], region=session.region_name)
    use_provider(identity_provider(caller, session=session))
    demo_sandbox.clear_recorded_calls()
    for check_id in reversed(CHECK_IDS):
        reports(check_id)
    counts: dict[str, int] = {}
    for call, count in demo_sandbox.recorded_calls().items():
        if call.principal_kind != "root-session":
            counts[call.action] = counts.get(call.action, 0) + count
    member = reports(MEMBER_CHECK_ID)
    attempted = [
        r for r in member if r.status != "MANUAL" or r.resource["rootguard"]["reason"] == "SCP_DENIED"
    ]
    assert counts["organizations:DescribeOrganization"] == 1
    assert counts["iam:ListOrganizationsFeatures"] == 1
    assert counts["organizations:ListAccounts"] == 1
    assert counts["sts:AssumeRoot"] == len(attempted) > 5  # one root session per audited member


def test_a_bad_prowler_setting_is_one_result_per_check_naming_it(use_provider, no_collection) -> None:
    use_provider(identity_provider(CALLER, audit_config={"rootguard_max_workers": 100}))
    (r,) = reports("organizations_iam_trusted_access_enabled")
    assert r.status == "MANUAL"
    assert "rootguard_max_workers" in r.status_extended and "64" in r.status_extended
