"""collect_facts against the sandbox: a moto organization with AssumeRoot, root users, SCPs and faults."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from rootguard.collect import CollectConfig, CollectError, collect_facts
from rootguard.models import AuditOutcome, FeaturesState, NotEvaluatedReason, OrgFacts
from rootguard.sandbox import Sandbox, generate_scenario

MGMT = "111111111111"
ADMIN = "222222222222"  # IAM delegated administrator when the scenario says so
CLEAN = "300000000001"  # created after root credentials management: nothing left
WORST = "300000000002"  # invited: password, active + inactive keys, virtual + FIDO MFA, certificate
HW_MFA = "300000000003"  # invited: a hardware MFA device only
INACTIVE = "300000000004"  # invited: one inactive key only
SUSPENDED = "300000000005"
CLOSING = "300000000006"
LOCKED = "300000000007"  # in the Locked OU: deny-root SCP without the exemption
EXEMPT = "300000000008"  # in the Exempt OU: deny-root SCP with the exemption
MEMBERS = (ADMIN, CLEAN, WORST, HW_MFA, INACTIVE, SUSPENDED, CLOSING, LOCKED, EXEMPT)

DENY_ROOT: dict[str, Any] = {
    "Sid": "DenyRootUser",
    "Effect": "Deny",
    "Action": "*",
    "Resource": "*",
    "Condition": {"StringLike": {"aws:PrincipalArn": "arn:*:iam::*:root"}},
}
DENY_ROOT_EXEMPT: dict[str, Any] = {
    **DENY_ROOT,
    "Condition": {**DENY_ROOT["Condition"], "Null": {"aws:AssumedRoot": "true"}},
}

Factory = Callable[[Any], Sandbox]
NOT_ADMIN = FeaturesState.NOT_MANAGEMENT_OR_DELEGATED_ADMIN


def scenario(**org: Any) -> dict[str, Any]:
    organization: dict[str, Any] = {
        "management_account": {"id": MGMT},
        "trusted_access": ["iam.amazonaws.com"],
        "delegated_administrators": {"iam.amazonaws.com": [ADMIN]},
        "root_access_features": ["RootCredentialsManagement", "RootSessions"],
        "ous": ["Workloads/Prod", "Locked", "Exempt"],
        "scps": [
            {"name": "LegacyDenyRoot", "targets": ["Locked"], "document": {"Statement": [DENY_ROOT]}},
            {"name": "DenyRootExempt", "targets": ["Exempt"], "document": {"Statement": [DENY_ROOT_EXEMPT]}},
        ],
    }
    organization.update(org)
    return {
        "seed": 3,
        "organization": organization,
        "accounts": [
            {"id": ADMIN, "name": "security"},
            {"id": CLEAN, "ou": "Workloads/Prod"},
            {
                "id": WORST,
                "joined": "INVITED",
                "ou": "Workloads/Prod",
                "root": {
                    "password": True,
                    "access_keys": [{"status": "Active"}, {"status": "Inactive"}],
                    "mfa": [{"type": "virtual"}, {"type": "fido"}],
                    "signing_certificates": [{"status": "Active"}],
                },
            },
            {"id": HW_MFA, "joined": "INVITED", "root": {"mfa": [{"type": "hardware"}]}},
            {"id": INACTIVE, "joined": "INVITED", "root": {"access_keys": [{"status": "Inactive"}]}},
            {"id": SUSPENDED, "status": "SUSPENDED"},
            {"id": CLOSING, "status": "PENDING_CLOSURE"},
            {"id": LOCKED, "ou": "Locked", "joined": "INVITED", "root": {"password": True}},
            {"id": EXEMPT, "ou": "Exempt", "joined": "INVITED", "root": {"password": True}},
        ],
    }


class Calls:
    """Every API call a session's clients make (after retries are collapsed), with its parameters."""

    def __init__(self, session: boto3.Session) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.secrets: list[str] = []
        session.events.register("before-parameter-build", self._record)
        session.events.register("after-call.sts.AssumeRoot", self._keep_secret)
        session.events.register("after-call.sts.AssumeRole", self._keep_secret)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.service_model.service_name, model.name, dict(params)))

    def _keep_secret(self, parsed: dict[str, Any], **_: Any) -> None:
        creds = parsed.get("Credentials") or {}
        self.secrets += [creds.get(k, "") for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")]

    def named(self, service: str, operation: str) -> list[dict[str, Any]]:
        return [p for s, o, p in self.calls if s == service and o == operation]


def run(sb: Sandbox, account_id: str | None = None, **config: Any) -> tuple[OrgFacts, Calls]:
    session = sb.session(account_id)
    calls = Calls(session)
    config.setdefault("max_workers", 4)
    facts = collect_facts(session, CollectConfig(**config), progress=lambda done, total: None)
    return facts, calls


def assert_one_audit_per_account(facts: OrgFacts) -> None:
    management = facts.organization.management_account_id if facts.organization else ""
    assert sorted(facts.member_audits) == sorted(a.id for a in facts.accounts if a.id != management)
    for account_id, audit in facts.member_audits.items():
        assert audit.account_id == account_id
        assert (audit.credentials is not None) == (audit.outcome is AuditOutcome.AUDITED)
        assert (audit.reason is None) == (audit.outcome is AuditOutcome.AUDITED)


# ----------------------------------------------------------------------------------- the whole picture


def test_full_collection_from_the_management_account(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario())
    facts, calls = run(sb)

    assert facts.caller.account_id == MGMT and facts.caller.partition == "aws"
    assert facts.organization is not None and facts.organization.management_account_id == MGMT
    assert facts.organization.feature_set == "ALL"
    assert facts.features_state is FeaturesState.OK
    assert facts.enabled_features == {"RootCredentialsManagement", "RootSessions"}
    assert facts.trusted_access_iam is True
    assert [a.account_id for a in facts.delegated_admins or ()] == [ADMIN]
    assert {a.id for a in facts.accounts} == {MGMT, *MEMBERS}
    assert_one_audit_per_account(facts)

    audits = facts.member_audits
    skipped = {k: v.reason for k, v in audits.items() if v.outcome is AuditOutcome.SKIPPED}
    assert MGMT not in audits  # not a member: iam_management_root_mfa_no_keys reads its root user
    assert skipped == {
        SUSPENDED: NotEvaluatedReason.SUSPENDED,
        CLOSING: NotEvaluatedReason.PENDING_CLOSURE,
    }
    creds = {k: v.credentials for k, v in audits.items() if v.credentials is not None}
    assert set(creds) == {ADMIN, CLEAN, WORST, HW_MFA, INACTIVE, EXEMPT}
    assert not creds[CLEAN].present and not creds[ADMIN].present

    worst = creds[WORST]
    assert worst.password and worst.password_created is not None
    assert sorted(k.status for k in worst.access_keys) == ["Active", "Inactive"]
    assert sorted(m.kind for m in worst.mfa_devices) == ["hardware", "virtual"]  # FIDO counts as hardware
    assert [c.status for c in worst.signing_certificates] == ["Active"]
    assert worst.kinds == ["password", "active access keys", "inactive access keys", "MFA devices",
                           "signing certificates"]  # fmt: skip
    real_keys = sorted(k.access_key_id for k in sb.root_user(WORST).access_keys)
    assert sorted(k.id_suffix for k in worst.access_keys) == sorted(k[-4:] for k in real_keys)

    assert [m.kind for m in creds[HW_MFA].mfa_devices] == ["hardware"]
    assert creds[HW_MFA].kinds == ["MFA devices"]
    assert creds[INACTIVE].kinds == ["inactive access keys"]
    assert creds[EXEMPT].password  # the exemption lets the root session through

    locked = audits[LOCKED]
    assert locked.outcome is AuditOutcome.FAILED and locked.reason is NotEvaluatedReason.SCP_DENIED
    blocks = {b.policy_name: b for b in facts.scp_blocks}
    assert set(blocks) == {"LegacyDenyRoot"}
    assert locked.blocking_policies == (blocks["LegacyDenyRoot"].policy_id,)
    assert blocks["LegacyDenyRoot"].target_kind == "ORGANIZATIONAL_UNIT"
    assert blocks["LegacyDenyRoot"].target_name == "Locked"
    assert "AccessDenied" in locked.error

    # OU paths from the walk: root, then each OU down to the direct parent.
    by_id = {a.id: a for a in facts.accounts}
    root_id = by_id[MGMT].parent_path[0]
    assert root_id.startswith("r-") and by_id[MGMT].parent_path == (root_id,)
    assert len(by_id[WORST].parent_path) == 3 and by_id[WORST].parent_path[0] == root_id
    assert by_id[LOCKED].parent_path[-1] == blocks["LegacyDenyRoot"].target_id
    assert by_id[WORST].joined_method == "INVITED" and by_id[SUSPENDED].status == "SUSPENDED"
    assert calls.named("organizations", "ListParents") == []

    # Every AssumeRoot: the audit task policy only, the short duration, one per audited account.
    assume = calls.named("sts", "AssumeRoot")
    assert sorted(p["TargetPrincipal"] for p in assume) == sorted((*MEMBERS[:5], LOCKED, EXEMPT))
    assert {p["TaskPolicyArn"]["arn"] for p in assume} == {
        "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
    }
    assert {p["DurationSeconds"] for p in assume} == {60}
    # No IAM call names a user; detail calls only where the summary flag is set.
    assert all("UserName" not in p for s, _, p in calls.calls if s == "iam")
    assert len(calls.named("iam", "GetAccountSummary")) == len(assume) + 1  # + the management account's own
    assert len(calls.named("iam", "GetLoginProfile")) == 2  # WORST and EXEMPT
    assert len(calls.named("iam", "ListAccessKeys")) == 2  # WORST and INACTIVE
    assert len(calls.named("iam", "ListMFADevices")) == 2  # WORST and HW_MFA
    assert len(calls.named("iam", "ListSigningCertificates")) == 1


def test_no_secret_material_in_facts_or_logs(
    sandbox_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="rootguard")
    sb = sandbox_factory(scenario())
    facts, calls = run(sb)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("rootguard")]
    assert ours  # the collector does log
    dump = facts.model_dump_json() + "\n".join(ours)
    secrets = [s for s in calls.secrets if s]
    assert len(secrets) >= 3 * 7
    for secret in secrets:
        assert secret not in dump
    for key in sb.root_user(WORST).access_keys:
        assert key.access_key_id not in dump and key.secret not in dump


# ----------------------------------------------------------------------------- organization features


@pytest.mark.parametrize(
    ("code", "state"),
    [
        ("OrganizationNotFoundException", FeaturesState.ORGANIZATION_NOT_FOUND),
        ("OrganizationNotFound", FeaturesState.ORGANIZATION_NOT_FOUND),
        ("OrganizationNotInAllFeaturesModeException", FeaturesState.NOT_ALL_FEATURES),
        ("ServiceAccessNotEnabled", FeaturesState.SERVICE_ACCESS_NOT_ENABLED),
        ("AccountNotManagementOrDelegatedAdministratorException", NOT_ADMIN),
        ("AccountNotManagementOrDelegatedAdministrator", NOT_ADMIN),
        ("AccessDenied", FeaturesState.ACCESS_DENIED),
        ("ServiceFailure", FeaturesState.ERROR),
    ],
)
def test_each_features_error_is_mapped_and_stops_root_sessions(
    sandbox_factory: Factory, code: str, state: FeaturesState
) -> None:
    sb = sandbox_factory(scenario())
    sb.inject(service="iam", action="ListOrganizationsFeatures", code=code, status=400)
    facts, calls = run(sb)
    assert facts.features_state is state
    assert code in str(facts.features_error) and facts.enabled_features == frozenset()
    assert_one_audit_per_account(facts)
    assert calls.named("sts", "AssumeRoot") == []
    reasons = {v.reason for k, v in facts.member_audits.items() if k not in (MGMT, SUSPENDED, CLOSING)}
    assert reasons == {NotEvaluatedReason.ROOT_SESSIONS_UNAVAILABLE}
    assert state.value in facts.member_audits[CLEAN].error


def test_not_in_an_organization(sandbox_factory: Factory) -> None:
    sb = sandbox_factory({"organization": {"exists": False, "management_account": {"id": MGMT}}})
    facts, calls = run(sb)
    assert facts.organization is None
    assert facts.organization_error is not None
    assert facts.organization_error.code == "AWSOrganizationsNotInUseException"
    assert facts.features_state is FeaturesState.ORGANIZATION_NOT_FOUND
    assert facts.accounts == () and facts.member_audits == {}
    assert calls.named("organizations", "ListAccounts") == []


def test_consolidated_billing_organization(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario(feature_set="CONSOLIDATED_BILLING", scps=[], delegated_administrators={}))
    facts, calls = run(sb)
    assert facts.organization is not None and facts.organization.feature_set == "CONSOLIDATED_BILLING"
    assert facts.features_state is FeaturesState.NOT_ALL_FEATURES
    assert calls.named("organizations", "ListPolicies") == [] and facts.scp_blocks == ()
    assert_one_audit_per_account(facts)
    assert facts.member_audits[WORST].reason is NotEvaluatedReason.ROOT_SESSIONS_UNAVAILABLE


def test_trusted_access_off(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario(trusted_access=[], delegated_administrators={}))
    facts, _ = run(sb)
    assert facts.trusted_access_iam is False
    assert facts.features_state is FeaturesState.SERVICE_ACCESS_NOT_ENABLED
    assert facts.delegated_admins == ()


def test_root_sessions_feature_off_never_calls_assume_root(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario(root_access_features=["RootCredentialsManagement"]))
    facts, calls = run(sb)
    assert facts.features_state is FeaturesState.OK
    assert facts.enabled_features == {"RootCredentialsManagement"}
    assert calls.named("sts", "AssumeRoot") == []
    assert facts.member_audits[WORST].reason is NotEvaluatedReason.ROOT_SESSIONS_UNAVAILABLE
    assert "RootSessions" in facts.member_audits[WORST].error


def test_assume_role_fallback_reads_summary_flags(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario(root_access_features=[]))
    facts, calls = run(sb, assume_role_name="OrganizationAccountAccessRole")
    assert calls.named("sts", "AssumeRoot") == []
    roles = sorted(p["RoleArn"] for p in calls.named("sts", "AssumeRole"))
    assert f"arn:aws:iam::{WORST}:role/OrganizationAccountAccessRole" in roles
    worst = facts.member_audits[WORST]
    assert worst.method == "AssumeRole" and worst.outcome is AuditOutcome.AUDITED
    assert worst.credentials is not None and worst.credentials.access_keys == ()  # flags only
    assert worst.credentials.summary["AccountAccessKeysPresent"] == 1
    assert "access keys" in worst.credentials.kinds
    assert calls.named("iam", "ListAccessKeys") == []
    assert_one_audit_per_account(facts)


# -------------------------------------------------------------------------------- delegated admin


def test_collecting_as_the_delegated_administrator(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario())
    facts, calls = run(sb, ADMIN)
    assert facts.caller.account_id == ADMIN
    assert facts.features_state is FeaturesState.OK
    assert [a.account_id for a in facts.delegated_admins or ()] == [ADMIN]
    assert {a.id for a in facts.accounts} == {MGMT, *MEMBERS}
    assert_one_audit_per_account(facts)
    assert facts.member_audits[WORST].outcome is AuditOutcome.AUDITED
    assert MGMT not in facts.member_audits
    assert calls.named("sts", "AssumeRoot")


def test_no_delegated_administrator(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario(delegated_administrators={}))
    facts, _ = run(sb, member_audit=False)
    assert facts.delegated_admins == ()
    assert facts.member_audits == {}


# ------------------------------------------------------------------------------- faults per account


def test_injected_access_denied_and_throttling_each_get_one_audit(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario())
    sb.inject(service="sts", action="AssumeRoot", target=CLEAN, code="AccessDenied")
    sb.inject(service="sts", action="AssumeRoot", target=HW_MFA, code="Throttling", message="Rate exceeded")
    sb.inject(service="iam", action="GetAccountSummary", account=INACTIVE, code="InternalFailure", status=400)
    facts, calls = run(sb, max_attempts=2)
    assert_one_audit_per_account(facts)
    audits = facts.member_audits
    assert audits[CLEAN].reason is NotEvaluatedReason.ACCESS_DENIED and audits[CLEAN].blocking_policies == ()
    assert audits[CLEAN].error.startswith("AssumeRoot: AccessDenied")
    assert audits[HW_MFA].reason is NotEvaluatedReason.THROTTLED
    assert len([p for p in calls.named("sts", "AssumeRoot") if p["TargetPrincipal"] == HW_MFA]) == 1
    assert audits[INACTIVE].reason is NotEvaluatedReason.ERROR
    assert audits[INACTIVE].error.startswith("GetAccountSummary: InternalFailure")
    assert audits[WORST].outcome is AuditOutcome.AUDITED


def test_scp_denied_on_assume_root_is_explained(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario())
    sb.inject(service="sts", action="AssumeRoot", target=LOCKED, code="AccessDenied")
    facts, _ = run(sb)
    locked = facts.member_audits[LOCKED]
    assert locked.reason is NotEvaluatedReason.SCP_DENIED and locked.blocking_policies
    assert locked.error.startswith("AssumeRoot: AccessDenied")


def test_control_tower_guardrail_attached_to_an_account(sandbox_factory: Factory) -> None:
    guardrail = {
        "Sid": "GRRESTRICTROOTUSER",
        "Effect": "Deny",
        "Action": "*",
        "Resource": ["*"],
        "Condition": {"StringLike": {"aws:PrincipalArn": ["arn:aws:iam::*:root"]}},
    }
    scp = {"name": "aws-guardrails-abc", "targets": [WORST], "document": {"Statement": [guardrail]}}
    sb = sandbox_factory(scenario(scps=[scp]))
    facts, _ = run(sb)
    assert [(b.target_id, b.target_kind) for b in facts.scp_blocks] == [(WORST, "ACCOUNT")]
    assert facts.member_audits[WORST].reason is NotEvaluatedReason.SCP_DENIED
    assert facts.member_audits[LOCKED].outcome is AuditOutcome.AUDITED  # no SCP on its path now


def test_throttled_calls_recover_with_adaptive_retries(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario())
    sb.inject(service="sts", action="AssumeRoot", code="Throttling", count=3)
    facts, _ = run(sb, max_attempts=5)
    audited = [v for v in facts.member_audits.values() if v.outcome is AuditOutcome.AUDITED]
    assert len(audited) == 6
    assert not [v for v in facts.member_audits.values() if v.reason is NotEvaluatedReason.THROTTLED]


def test_expired_session_is_reopened_once(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario())
    sb.inject(service="iam", action="GetAccountSummary", account=WORST, code="ExpiredToken", count=1)
    facts, calls = run(sb)
    assert facts.member_audits[WORST].outcome is AuditOutcome.AUDITED
    assert len([p for p in calls.named("sts", "AssumeRoot") if p["TargetPrincipal"] == WORST]) == 2


def test_detail_call_failure_keeps_the_summary(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario())
    sb.inject(service="iam", action="ListAccessKeys", account=WORST, code="AccessDenied")
    facts, _ = run(sb)
    worst = facts.member_audits[WORST]
    assert worst.outcome is AuditOutcome.AUDITED and worst.credentials is not None
    assert worst.credentials.access_keys == () and "access keys" in worst.credentials.kinds
    assert worst.error.startswith("ListAccessKeys: AccessDenied")


def test_excluded_accounts(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario())
    facts, calls = run(sb, excluded_accounts={WORST})
    assert facts.member_audits[WORST].reason is NotEvaluatedReason.EXCLUDED
    assert WORST not in {p["TargetPrincipal"] for p in calls.named("sts", "AssumeRoot")}


def test_scps_unreadable(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario())
    sb.inject(service="organizations", action="ListPolicies", code="AccessDeniedException")
    facts, _ = run(sb)
    assert facts.scps_readable is False and facts.scp_blocks == ()
    assert facts.member_audits[LOCKED].reason is NotEvaluatedReason.ACCESS_DENIED


# ---------------------------------------------------------------------------------- endpoints, scale


def test_legacy_global_sts_endpoint_fails_fast(
    sandbox_factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb = sandbox_factory(scenario())
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
    session = sb.session()
    calls = Calls(session)
    with pytest.raises(CollectError, match="global endpoint"):
        collect_facts(session, CollectConfig())
    assert calls.calls == []


def test_other_partition_uses_its_task_policy(sandbox_factory: Factory) -> None:
    """A whole collection in AWS GovCloud (US): IAM's endpoint there (iam.us-gov.amazonaws.com) names no
    Region, and the features call, the task policy ARN and the member audit must still be aws-us-gov's."""
    sc = scenario(scps=[], ous=[])
    sc.update(partition="aws-us-gov", region="us-gov-west-1")
    sc["accounts"] = [{k: v for k, v in a.items() if k != "ou"} for a in sc["accounts"]]
    sb = sandbox_factory(sc)
    facts, calls = run(sb)
    assert facts.caller.partition == "aws-us-gov" and facts.caller.region == "us-gov-west-1"
    assert facts.features_state is FeaturesState.OK
    assert facts.enabled_features == {"RootCredentialsManagement", "RootSessions"}
    assert {p["TaskPolicyArn"]["arn"] for p in calls.named("sts", "AssumeRoot")} == {
        "arn:aws-us-gov:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
    }
    assert_one_audit_per_account(facts)
    worst = facts.member_audits[WORST]
    assert worst.outcome is AuditOutcome.AUDITED and worst.credentials is not None
    assert worst.credentials.password
    assert facts.member_audits[CLEAN].outcome is AuditOutcome.AUDITED


def test_accounts_page_past_one_thousand(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(generate_scenario("accounts=1050 ous=7 suspended=0.02 seed=11"))
    facts, calls = run(sb, member_audit=False)
    assert len(facts.accounts) == 1051
    assert len({a.id for a in facts.accounts}) == 1051
    assert len(calls.named("organizations", "ListAccounts")) > 1
    assert all(a.parent_path and a.parent_path[0].startswith("r-") for a in facts.accounts)
    assert sum(a.status == "SUSPENDED" for a in facts.accounts) > 0


@pytest.mark.slow
def test_member_audit_of_1050_accounts_gives_one_audit_each(sandbox_factory: Factory) -> None:
    spec = "accounts=1050 ous=7 suspended=0.02 password=0.1 active_keys=0.05 seed=11"
    sb = sandbox_factory(generate_scenario(spec))
    victims = [a.id for a in sb.scenario.accounts if a.status == "ACTIVE"][:20]
    for account_id in victims[:10]:
        sb.inject(service="sts", action="AssumeRoot", target=account_id, code="AccessDenied")
    for account_id in victims[10:]:
        sb.inject(service="sts", action="AssumeRoot", target=account_id, code="Throttling")
    progress: list[tuple[int, int]] = []
    session = sb.session()
    facts = collect_facts(
        session, CollectConfig(max_workers=16, max_attempts=2), progress=lambda d, t: progress.append((d, t))
    )
    assert_one_audit_per_account(facts)
    assert len(facts.member_audits) == 1050  # the members; the management account is not one
    reasons = [facts.member_audits[a].reason for a in victims]
    assert reasons == [NotEvaluatedReason.ACCESS_DENIED] * 10 + [NotEvaluatedReason.THROTTLED] * 10
    assert progress[-1][0] == progress[-1][1] > 1000
    assert sum(v.outcome is AuditOutcome.AUDITED for v in facts.member_audits.values()) > 950


def test_progress_reports_every_audited_account(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario())
    seen: list[tuple[int, int]] = []
    collect_facts(sb.session(), CollectConfig(max_workers=3), progress=lambda d, t: seen.append((d, t)))
    assert seen == [(i, 7) for i in range(8)]


def test_json_round_trip(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario())
    facts, _ = run(sb)
    again = OrgFacts.model_validate(json.loads(facts.model_dump_json()))
    assert again == facts


def test_every_call_carries_rootguards_user_agent(sandbox_factory: Factory) -> None:
    """CloudTrail's userAgent must tell rootguard's calls apart: every request, the member audit's included."""
    sb = sandbox_factory(scenario())
    session = sb.session()
    agents: list[tuple[str, str]] = []

    def capture(request: Any, **_: Any) -> None:
        agent = request.headers.get("User-Agent", "")
        agents.append((request.url, agent.decode() if isinstance(agent, bytes) else agent))

    session.events.register("before-send", capture)
    collect_facts(session, CollectConfig(max_workers=2), progress=lambda done, total: None)
    assert len(agents) > 10
    from rootguard import __version__

    assert {ua.split(" ", 1)[0] for _, ua in agents} == {f"rootguard/{__version__}"}
