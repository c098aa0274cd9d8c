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

from rootguard import prowler_bridge
from rootguard.models import (
    AccessKey,
    Account,
    AuditOutcome,
    Caller,
    DelegatedAdmin,
    FeaturesState,
    MemberAudit,
    NotEvaluatedReason,
    Organization,
    OrgFacts,
    RootCredentials,
    Status,
)
from rootguard.rules import CHECK_IDS, MEMBER_CHECK_ID

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
        "organization": Organization(id=ORG_ID, arn="", feature_set="ALL", management_account_id=MGMT),
        "trusted_access_iam": True,
        "delegated_admins": (DelegatedAdmin(account_id="222222222222", name="security"),),
        "features_state": FeaturesState.OK,
        "enabled_features": frozenset({"RootCredentialsManagement"}),
        "accounts": accounts,
        "member_audits": audits,
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

    def refuse(provider: Any, key: Any, settings: Any, with_members: bool) -> OrgFacts:
        calls.append(with_members)
        raise AssertionError("the bridge collected facts although the cache held them")

    monkeypatch.setattr(prowler_bridge, "_collect", refuse)
    return calls


def check_instance(check_id: str) -> Any:
    """The check class, imported through its installed entry-point module path."""
    service = check_id.split("_", 1)[0]
    module = importlib.import_module(f"rootguard.prowler_checks.services.{service}.{check_id}.{check_id}")
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
        "iam_member_root_credentials_absent": ["MANUAL", "PASS", "FAIL", "MANUAL"],
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
    assert set(by_id) == {MGMT, CLEAN, DIRTY, SUSPENDED}
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
    mgmt, gone = by_id[MGMT], by_id[SUSPENDED]
    assert mgmt.status == "MANUAL" and mgmt.status_extended.startswith("Not evaluated (MANAGEMENT_ACCOUNT): ")
    assert gone.status_extended.startswith("Not evaluated (SUSPENDED): ")
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
            organization_error="AWSOrganizationsNotInUseException: no",
            features_state=FeaturesState.ORGANIZATION_NOT_FOUND,
        )
    )
    (r,) = reports("organizations_iam_trusted_access_enabled")
    assert (r.status, r.resource_id, r.resource_arn) == ("FAIL", MGMT, f"arn:aws:iam::{MGMT}:root")
    assert r.resource["rootguard"]["organization_id"] is None


# ------------------------------------------------------------------------------------------- the cache


def test_org_checks_skip_the_member_audit_and_the_member_check_asks_for_it(use_provider, monkeypatch) -> None:
    calls: list[bool] = []

    def fake_collect(provider: Any, key: Any, settings: Any, with_members: bool) -> OrgFacts:
        calls.append(with_members)
        return org_facts() if with_members else org_facts(member_audits={})

    monkeypatch.setattr(prowler_bridge, "_collect", fake_collect)
    use_provider(identity_provider(CALLER))
    reports("iam_org_root_sessions_enabled")
    reports("organizations_iam_trusted_access_enabled")
    assert calls == [False]  # once, without AssumeRoot sessions
    assert {r.status for r in reports(MEMBER_CHECK_ID)} == {"PASS", "FAIL", "MANUAL"}
    reports("organizations_scps_allow_root_sessions")
    assert calls == [False, True]  # the member audit once, then reused


def test_cache_is_keyed_by_identity(use_provider, monkeypatch) -> None:
    calls: list[str] = []

    def fake_collect(provider: Any, key: Any, settings: Any, with_members: bool) -> OrgFacts:
        calls.append(key.identity_arn)
        return org_facts(caller=CALLER.model_copy(update={"arn": key.identity_arn}))

    monkeypatch.setattr(prowler_bridge, "_collect", fake_collect)
    use_provider(identity_provider(CALLER))
    reports(MEMBER_CHECK_ID)
    use_provider(identity_provider(CALLER.model_copy(update={"arn": f"arn:aws:iam::{MGMT}:role/other"})))
    reports(MEMBER_CHECK_ID)
    reports(MEMBER_CHECK_ID)
    assert calls == [CALLER.arn, f"arn:aws:iam::{MGMT}:role/other"]


def test_collect_failure_still_reports_on_the_callers_account(use_provider, monkeypatch) -> None:
    import rootguard.collect as collect

    def broken(*args: Any, **kwargs: Any) -> OrgFacts:
        raise collect.CollectError("cannot identify the caller (sts:GetCallerIdentity): boom")

    monkeypatch.setattr(collect, "collect_facts", broken)
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
    caller = Caller(account_id=ident["Account"], arn=ident["Arn"], region=session.region_name or "us-east-1")
    use_provider(identity_provider(caller, session=session))
    prowler_side = {(check_id, r.resource_id): r.status for check_id in CHECK_IDS for r in reports(check_id)}
    standalone = evaluate(collect_facts(session, progress=lambda done, total: None))
    status = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.NOT_EVALUATED: "MANUAL"}
    assert prowler_side == {(r.check_id, r.resource.id): status[r.status] for r in standalone}
    member = {rid for (cid, rid) in prowler_side if cid == MEMBER_CHECK_ID}
    assert demo_sandbox.management_account_id in member and len(member) > 5


def test_member_check_runs_first_in_prowlers_sorted_order() -> None:
    """Prowler sorts the checks it runs; the member check must sort first so the one fact collection of a
    Prowler run includes the member audit (prowler_bridge.facts_for)."""
    assert sorted(CHECK_IDS)[0] == MEMBER_CHECK_ID
