"""Remediation against the sandbox: plans read only, dry runs change nothing, apply deletes exactly the plan."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from remediate_helpers import (
    ADMIN,
    BLOCKED,
    CLEAN,
    HARDWARE,
    LEFTOVERS,
    MGMT,
    REGION,
    SUSPENDED,
    AssumeRootCalls,
    root_state,
    scenario,
)

from rootguard.remediate import (
    AccountPlanStatus,
    AccountResultStatus,
    AuditLog,
    CredentialKind,
    RemediationError,
    StepStatus,
    allow_password_recovery,
    apply_plan,
    plan_delete_root_credentials,
)
from rootguard.remediate.errors import Refusal
from rootguard.sandbox import Sandbox

Factory = Callable[[Any], Sandbox]
EVERY_ACCOUNT = [MGMT, ADMIN, LEFTOVERS, HARDWARE, CLEAN, BLOCKED, SUSPENDED]


@pytest.fixture
def sb(sandbox_factory: Factory) -> Sandbox:
    return sandbox_factory(scenario())


@pytest.fixture
def audit_log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "remediation.jsonl")


def test_plan_lists_every_credential_and_refuses_what_it_must(sb: Sandbox) -> None:
    before = {a: root_state(sb, a) for a in EVERY_ACCOUNT}
    plan = plan_delete_root_credentials(sb.session(), [*EVERY_ACCOUNT, "999999999999", "12345"], REGION)

    assert {a: root_state(sb, a) for a in EVERY_ACCOUNT} == before  # planning reads only
    assert plan.management_account_id == MGMT and plan.organization_id == "o-remediate01"
    leftovers = plan.account(LEFTOVERS)
    assert leftovers is not None and leftovers.status is AccountPlanStatus.READY
    kinds = [c.kind for c in leftovers.credentials]
    assert kinds == [
        CredentialKind.ACCESS_KEY,
        CredentialKind.ACCESS_KEY,
        CredentialKind.SIGNING_CERTIFICATE,
        CredentialKind.LOGIN_PROFILE,
        CredentialKind.MFA_DEVICE,
    ]
    real_keys = [k.access_key_id for k in sb.root_user(LEFTOVERS).access_keys]
    assert sorted(c.masked_id for c in leftovers.credentials[:2]) == sorted("…" + k[-4:] for k in real_keys)
    assert all(k not in plan.model_dump_json() for k in real_keys)
    assert plan.account(CLEAN).status is AccountPlanStatus.CLEAN  # type: ignore[union-attr]
    assert plan.account(ADMIN).status is AccountPlanStatus.CLEAN  # type: ignore[union-attr]

    reasons = {a.account_id: a.reason for a in plan.refused}
    assert reasons == {
        MGMT: Refusal.MANAGEMENT_ACCOUNT,
        BLOCKED: Refusal.SCP_DENIED,
        SUSPENDED: Refusal.NOT_ACTIVE,
        "999999999999": Refusal.NOT_A_MEMBER,
        "12345": Refusal.INVALID_ACCOUNT_ID,
    }
    for account in plan.refused:
        assert account.account_id in account.error and "\n" not in account.error


def test_management_account_is_refused_before_any_root_session(sb: Sandbox) -> None:
    calls = AssumeRootCalls()
    plan = plan_delete_root_credentials(calls.attach(sb.session()), [MGMT], REGION)
    refused = plan.account(MGMT)
    assert refused is not None and refused.status is AccountPlanStatus.REFUSED
    assert "management account" in refused.error and MGMT in refused.error
    assert calls.calls == []


def test_blocked_by_scp_errors_clearly(sb: Sandbox) -> None:
    plan = plan_delete_root_credentials(sb.session(), [BLOCKED], REGION)
    blocked = plan.account(BLOCKED)
    assert blocked is not None and blocked.reason is Refusal.SCP_DENIED
    assert BLOCKED in blocked.error
    assert "service control policy" in blocked.error and "aws:AssumedRoot" in blocked.error


def test_dry_run_changes_nothing_opens_no_root_session_and_logs_each_step(
    sb: Sandbox, audit_log: AuditLog
) -> None:
    plan = plan_delete_root_credentials(sb.session(), [LEFTOVERS, HARDWARE, CLEAN, MGMT], REGION)
    before = {a: root_state(sb, a) for a in (LEFTOVERS, HARDWARE, CLEAN, MGMT)}
    calls = AssumeRootCalls()

    outcome = apply_plan(calls.attach(sb.session()), plan, REGION, audit_log)  # dry run by default

    assert {a: root_state(sb, a) for a in (LEFTOVERS, HARDWARE, CLEAN, MGMT)} == before
    assert calls.calls == []
    assert outcome.dry_run
    statuses = {a.account_id: a.status for a in outcome.accounts}
    assert statuses == {
        LEFTOVERS: AccountResultStatus.DRY_RUN,
        HARDWARE: AccountResultStatus.DRY_RUN,
        CLEAN: AccountResultStatus.NOTHING_TO_DO,
        MGMT: AccountResultStatus.REFUSED,
    }
    records = audit_log.read()
    assert all(r.dry_run for r in records)
    # LEFTOVERS: 2 keys, 1 certificate, password, virtual MFA (deactivate + delete); HARDWARE: password, MFA;
    # MGMT: one refusal line; CLEAN: nothing.
    assert [(r.account, r.action) for r in records] == [
        (LEFTOVERS, "iam:DeleteAccessKey"),
        (LEFTOVERS, "iam:DeleteAccessKey"),
        (LEFTOVERS, "iam:DeleteSigningCertificate"),
        (LEFTOVERS, "iam:DeleteLoginProfile"),
        (LEFTOVERS, "iam:DeactivateMFADevice"),
        (LEFTOVERS, "iam:DeleteVirtualMFADevice"),
        (HARDWARE, "iam:DeleteLoginProfile"),
        (HARDWARE, "iam:DeactivateMFADevice"),
        (MGMT, "rootguard:SkipAccount"),
    ]
    assert {r.outcome for r in records} == {"WOULD_RUN", "REFUSED"}


def test_apply_deletes_the_plan_with_only_the_delete_task_policy_and_reaudits(
    sb: Sandbox, audit_log: AuditLog
) -> None:
    plan = plan_delete_root_credentials(sb.session(), [LEFTOVERS, HARDWARE], REGION)
    secrets = [k.secret for k in sb.root_user(LEFTOVERS).access_keys]
    key_ids = [k.access_key_id for k in sb.root_user(LEFTOVERS).access_keys]
    statuses = [k.status for k in sb.root_user(LEFTOVERS).access_keys]
    cert_ids = [c.certificate_id for c in sb.root_user(LEFTOVERS).signing_certificates]
    calls = AssumeRootCalls()

    outcome = apply_plan(calls.attach(sb.session()), plan, REGION, audit_log, apply=True)

    assert outcome.ok and not outcome.dry_run
    for account in outcome.accounts:
        assert account.status is AccountResultStatus.REMEDIATED, account
        assert account.clean is True and account.remaining == ()
        assert all(s.status is StepStatus.DONE for s in account.steps)
    for acct in (LEFTOVERS, HARDWARE):
        assert not sb.root_user(acct).has_credentials
    assert (
        sb.root_user(LEFTOVERS).unassigned_virtual_mfa == []
    )  # the virtual device was deleted, not orphaned
    # One delete session, then one audit session, per account; short sessions, the caller's partition.
    assert calls.task_policies == [
        "IAMDeleteRootUserCredentials",
        "IAMAuditRootUserCredentials",
        "IAMDeleteRootUserCredentials",
        "IAMAuditRootUserCredentials",
    ]
    assert all(
        c["TaskPolicyArn"]["arn"].startswith("arn:aws:iam::aws:policy/root-task/") for c in calls.calls
    )
    assert all(0 < c["DurationSeconds"] <= 300 for c in calls.calls)

    text = audit_log.path.read_text(encoding="utf-8")
    records = [r for r in audit_log.read() if r.outcome != "INTENT"]
    assert len(records) == 6 + 1 + 2 + 1  # each change, then one re-audit line per account
    assert len(audit_log.read()) == len(records) + 6 + 2  # and an intent before each change
    assert [r.outcome for r in records if r.action == "rootguard:VerifyRootCredentialsDeleted"] == [
        "CLEAN"
    ] * 2
    assert all(r.caller == "arn:aws:iam::111111111111:user/rootguard-scanner" for r in records)
    for full in [*key_ids, *cert_ids, *secrets]:
        assert full not in text
    key_targets = sorted(r.target for r in records if r.action == "iam:DeleteAccessKey")
    assert key_targets == sorted(
        f"access key …{k[-4:]} ({status})" for k, status in zip(key_ids, statuses, strict=True)
    )
    for word in ("SecretAccessKey", "SessionToken", "secret"):
        assert word not in text


def test_apply_touches_only_planned_credentials(sb: Sandbox, audit_log: AuditLog) -> None:
    plan = plan_delete_root_credentials(sb.session(), [HARDWARE], REGION)
    added = sb.root_user(HARDWARE).add_access_key("Active")  # appears after planning

    outcome = apply_plan(sb.session(), plan, REGION, audit_log, apply=True)

    (account,) = outcome.accounts
    assert [k.access_key_id for k in sb.root_user(HARDWARE).access_keys] == [added.access_key_id]
    assert not sb.root_user(HARDWARE).password and not sb.root_user(HARDWARE).mfa_devices
    assert account.status is AccountResultStatus.INCOMPLETE
    assert account.clean is False and account.remaining == ("active access keys",)
    assert HARDWARE in account.error
    assert not outcome.ok


def test_second_apply_finds_everything_already_gone(sb: Sandbox, audit_log: AuditLog) -> None:
    plan = plan_delete_root_credentials(sb.session(), [HARDWARE], REGION)
    apply_plan(sb.session(), plan, REGION, audit_log, apply=True)

    again = apply_plan(sb.session(), plan, REGION, audit_log, apply=True)

    (account,) = again.accounts
    assert account.status is AccountResultStatus.REMEDIATED
    assert {s.status for s in account.steps} == {StepStatus.ALREADY_DONE}


def test_failed_step_stops_the_account_before_its_mfa_device(sb: Sandbox, audit_log: AuditLog) -> None:
    plan = plan_delete_root_credentials(sb.session(), [HARDWARE], REGION)
    sb.inject(service="iam", action="DeleteLoginProfile", code="AccessDenied", status=403, count=1)

    outcome = apply_plan(sb.session(), plan, REGION, audit_log, apply=True)

    (account,) = outcome.accounts
    assert account.status is AccountResultStatus.FAILED
    assert [(s.action, s.status) for s in account.steps] == [
        ("iam:DeleteLoginProfile", StepStatus.FAILED),
        ("iam:DeactivateMFADevice", StepStatus.NOT_RUN),
    ]
    assert sb.root_user(HARDWARE).password and sb.root_user(HARDWARE).mfa_devices  # password kept its MFA
    assert HARDWARE in account.error and "iam:DeleteLoginProfile denied" in account.error
    assert [r.outcome for r in audit_log.read()] == ["INTENT", "FAILED"]


def test_expired_root_session_is_renewed_once(sb: Sandbox, audit_log: AuditLog) -> None:
    plan = plan_delete_root_credentials(sb.session(), [LEFTOVERS], REGION)
    sb.inject(service="iam", action="DeleteSigningCertificate", code="ExpiredToken", status=400, count=1)
    calls = AssumeRootCalls()

    outcome = apply_plan(calls.attach(sb.session()), plan, REGION, audit_log, apply=True)

    assert outcome.accounts[0].status is AccountResultStatus.REMEDIATED
    assert calls.task_policies == [
        "IAMDeleteRootUserCredentials",
        "IAMDeleteRootUserCredentials",
        "IAMAuditRootUserCredentials",
    ]


def test_edited_plan_cannot_target_the_management_account(sb: Sandbox, audit_log: AuditLog) -> None:
    plan = plan_delete_root_credentials(sb.session(), [HARDWARE], REGION)
    forged = plan.model_copy(update={"accounts": (plan.accounts[0].model_copy(update={"account_id": MGMT}),)})
    before = root_state(sb, MGMT)

    outcome = apply_plan(sb.session(), forged, REGION, audit_log, apply=True)

    assert outcome.accounts[0].status is AccountResultStatus.REFUSED
    assert "management account" in outcome.accounts[0].error
    assert root_state(sb, MGMT) == before


def test_plan_for_another_organization_is_rejected(
    sb: Sandbox, sandbox_factory: Factory, audit_log: AuditLog
) -> None:
    plan = plan_delete_root_credentials(sb.session(), [HARDWARE], REGION)
    forged = plan.model_copy(update={"organization_id": "o-elsewhere1"})
    with pytest.raises(RemediationError, match="o-elsewhere1"):
        apply_plan(sb.session(), forged, REGION, audit_log, apply=False)
    assert audit_log.read() == []


def test_root_sessions_disabled_is_explained(sandbox_factory: Factory) -> None:
    sb = sandbox_factory(scenario(root_access_features=["RootCredentialsManagement"]))
    plan = plan_delete_root_credentials(sb.session(), [HARDWARE], REGION)
    refused = plan.account(HARDWARE)
    assert refused is not None and refused.reason is Refusal.ROOT_SESSIONS_DISABLED
    assert HARDWARE in refused.error and "RootSessions" in refused.error


def test_assume_root_denied_names_the_account_and_the_fix(sb: Sandbox) -> None:
    sb.inject(service="sts", action="AssumeRoot", target=HARDWARE, code="AccessDenied", status=403)
    plan = plan_delete_root_credentials(sb.session(), [HARDWARE], REGION)
    refused = plan.account(HARDWARE)
    assert refused is not None and refused.reason is Refusal.ACCESS_DENIED
    assert HARDWARE in refused.error and "delegated administrator" in refused.error


def test_delegated_administrator_can_plan_and_apply(sb: Sandbox, audit_log: AuditLog) -> None:
    session = sb.session(ADMIN)
    plan = plan_delete_root_credentials(session, [HARDWARE, ADMIN], REGION)
    assert plan.account(HARDWARE).status is AccountPlanStatus.READY  # type: ignore[union-attr]
    outcome = apply_plan(session, plan, REGION, audit_log, apply=True)
    assert outcome.ok
    assert not sb.root_user(HARDWARE).has_credentials
    assert {r.caller for r in audit_log.read()} == {f"arn:aws:iam::{ADMIN}:user/rootguard-scanner"}


# ----------------------------------------------------------------------------- password recovery


def test_password_recovery_dry_run_then_apply(sb: Sandbox, audit_log: AuditLog) -> None:
    calls = AssumeRootCalls()
    session = calls.attach(sb.session())
    assert not sb.root_user(CLEAN).password

    dry = allow_password_recovery(session, CLEAN, REGION, audit_log, apply=False)
    assert dry.dry_run and dry.step.status is StepStatus.WOULD_RUN
    assert not sb.root_user(CLEAN).password
    assert calls.task_policies == ["IAMAuditRootUserCredentials"]  # a dry run reads only

    done = allow_password_recovery(session, CLEAN, REGION, audit_log, apply=True)
    assert done.step.status is StepStatus.DONE
    assert sb.root_user(CLEAN).password
    assert calls.task_policies[-1] == "IAMCreateRootUserPassword"

    again = allow_password_recovery(session, CLEAN, REGION, audit_log, apply=True)
    assert again.step.status is StepStatus.ALREADY_DONE
    assert [(r.action, r.dry_run, r.outcome) for r in audit_log.read()] == [
        ("iam:CreateLoginProfile", True, "WOULD_RUN"),
        ("iam:CreateLoginProfile", False, "INTENT"),
        ("iam:CreateLoginProfile", False, "DONE"),
        ("iam:CreateLoginProfile", False, "INTENT"),  # the call is made: EntityAlreadyExists
        ("iam:CreateLoginProfile", False, "ALREADY_DONE"),
    ]


@pytest.mark.parametrize(
    ("account", "reason"),
    [
        (MGMT, Refusal.MANAGEMENT_ACCOUNT),
        (SUSPENDED, Refusal.NOT_ACTIVE),
        ("999999999999", Refusal.NOT_A_MEMBER),
    ],
)
def test_password_recovery_refuses_non_members(
    sb: Sandbox, audit_log: AuditLog, account: str, reason: Refusal
) -> None:
    calls = AssumeRootCalls()
    with pytest.raises(RemediationError) as err:
        allow_password_recovery(calls.attach(sb.session()), account, REGION, audit_log, apply=True)
    assert err.value.reason is reason and account in str(err.value)
    assert calls.calls == []
    (record,) = audit_log.read()
    assert record.outcome == "FAILED" and record.account == account


def test_password_recovery_blocked_by_scp(sb: Sandbox, audit_log: AuditLog) -> None:
    with pytest.raises(RemediationError) as err:
        allow_password_recovery(sb.session(), BLOCKED, REGION, audit_log, apply=True)
    assert err.value.reason is Refusal.SCP_DENIED and BLOCKED in str(err.value)
    assert sb.root_user(BLOCKED).password  # unchanged (it had one)


def test_task_policy_arns_use_the_callers_partition(sandbox_factory: Factory, audit_log: AuditLog) -> None:
    gov = scenario()
    gov["partition"], gov["region"] = "aws-us-gov", "us-gov-west-1"
    for scp in gov["organization"]["scps"]:
        scp["document"]["Statement"][0]["Condition"]["StringLike"]["aws:PrincipalArn"] = (
            "arn:aws-us-gov:iam::*:root"
        )
    sb = sandbox_factory(gov)
    calls = AssumeRootCalls()
    session = calls.attach(sb.session())

    plan = plan_delete_root_credentials(session, [HARDWARE], "us-gov-west-1")
    outcome = apply_plan(session, plan, "us-gov-west-1", audit_log, apply=True)

    assert plan.partition == "aws-us-gov" and outcome.ok
    assert {c["TaskPolicyArn"]["arn"].split(":")[1] for c in calls.calls} == {"aws-us-gov"}
    assert not sb.root_user(HARDWARE).has_credentials


def test_caller_side_actions_are_the_documented_few(sb: Sandbox, audit_log: AuditLog) -> None:
    """What the caller's own credentials call (root-session calls are signed by the sessions' credentials);
    deploy/remediation-role.yaml and docs/remediation.md list the same actions."""
    seen: set[str] = set()
    session = sb.session()

    def record(model: Any, **_: Any) -> None:
        seen.add(f"{model.service_model.signing_name}:{model.name}")

    session.events.register("before-call", record)

    plan = plan_delete_root_credentials(session, [LEFTOVERS, MGMT], REGION)
    apply_plan(session, plan, REGION, audit_log, apply=True)
    allow_password_recovery(session, LEFTOVERS, REGION, audit_log, apply=True)

    caller_side = {a for a in seen if not a.startswith("iam:")}  # iam: calls run in the root sessions
    assert caller_side == {
        "sts:GetCallerIdentity",
        "organizations:DescribeOrganization",
        "organizations:DescribeAccount",
        "sts:AssumeRoot",
    }
    assert "iam:ListOrganizationsFeatures" not in seen  # read only to explain an AssumeRoot denial
