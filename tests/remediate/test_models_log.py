"""Pure parts of remediation: masks, fingerprints, plan models, step order and the audit log."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from rootguard.remediate import (
    AccountOutcome,
    AccountPlan,
    AccountPlanStatus,
    AccountResultStatus,
    AuditLog,
    CredentialKind,
    PlannedCredential,
    RemediationError,
    RemediationOutcome,
    RemediationPlan,
    mask,
    planned_steps,
    redact,
)
from rootguard.remediate.errors import Refusal
from rootguard.remediate.models import fingerprint
from rootguard.remediate.plan import access_key_items, certificate_items, mfa_items

KEY_ID = "AKIAIOSFODNN7EXAMPLE"


def test_mask_keeps_only_the_last_four_characters() -> None:
    assert mask(KEY_ID) == "…MPLE"
    assert mask("") == ""


def test_redact_masks_credential_ids_but_not_account_ids() -> None:
    text = f"The Access Key with id {KEY_ID} cannot be found in account 123456789012."
    out = redact(text)
    assert KEY_ID not in out
    assert "…MPLE" in out
    assert "123456789012" in out


def test_remediation_error_is_one_redacted_line() -> None:
    err = RemediationError(f"account 333333333333:\n  key {KEY_ID}\n  denied", account_id="333333333333")
    assert "\n" not in str(err)
    assert KEY_ID not in str(err)
    assert err.account_id == "333333333333"
    assert err.reason is Refusal.ERROR


def test_fingerprint_is_stable_distinct_and_does_not_contain_the_id() -> None:
    a = fingerprint(CredentialKind.ACCESS_KEY, KEY_ID)
    assert a == fingerprint(CredentialKind.ACCESS_KEY, KEY_ID)
    assert a != fingerprint(CredentialKind.ACCESS_KEY, KEY_ID[:-1] + "F")
    assert a != fingerprint(CredentialKind.SIGNING_CERTIFICATE, KEY_ID)
    assert KEY_ID not in a and len(a) == 16


def test_planned_items_hold_no_full_ids() -> None:
    items = [
        *access_key_items([{"AccessKeyId": KEY_ID, "Status": "Active"}]),
        *certificate_items([{"CertificateId": "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "Status": "Inactive"}]),
        *mfa_items([{"SerialNumber": "arn:aws:iam::333333333333:mfa/root-account-mfa-device"}]),
        *mfa_items([{"SerialNumber": "GAHT12345678"}]),
    ]
    dumped = json.dumps([i.model_dump(mode="json") for i in items])
    assert KEY_ID not in dumped
    assert "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345" not in dumped
    assert "GAHT12345678" not in dumped
    assert [i.mfa_type for i in items[2:]] == ["virtual", "hardware"]
    assert items[0].label == "access key …MPLE (Active)"


def _plan(
    *credentials: PlannedCredential, status: AccountPlanStatus = AccountPlanStatus.READY
) -> AccountPlan:
    return AccountPlan(account_id="333333333333", status=status, credentials=credentials)


def test_steps_delete_the_password_before_any_mfa_device() -> None:
    account = _plan(
        PlannedCredential.of(CredentialKind.ACCESS_KEY, KEY_ID, status="Active"),
        PlannedCredential.of(CredentialKind.SIGNING_CERTIFICATE, "C" * 24, status="Active"),
        PlannedCredential(kind=CredentialKind.LOGIN_PROFILE),
        PlannedCredential.of(
            CredentialKind.MFA_DEVICE, "arn:aws:iam::1:mfa/root-account-mfa-device", mfa_type="virtual"
        ),
        PlannedCredential.of(CredentialKind.MFA_DEVICE, "GAHT00000001", mfa_type="hardware"),
    )
    actions = [action.name for _, action in planned_steps(account)]
    assert actions == [
        "iam:DeleteAccessKey",
        "iam:DeleteSigningCertificate",
        "iam:DeleteLoginProfile",
        "iam:DeactivateMFADevice",
        "iam:DeleteVirtualMFADevice",  # virtual devices only
        "iam:DeactivateMFADevice",
    ]


def test_plan_round_trips_through_json_and_rejects_unknown_fields() -> None:
    plan = RemediationPlan(
        created_at=datetime.now(UTC),
        caller_arn="arn:aws:iam::111111111111:user/ops",
        partition="aws",
        region="us-east-1",
        organization_id="o-abc",
        management_account_id="111111111111",
        accounts=(
            _plan(PlannedCredential(kind=CredentialKind.LOGIN_PROFILE)),
            AccountPlan(
                account_id="111111111111",
                status=AccountPlanStatus.REFUSED,
                reason=Refusal.MANAGEMENT_ACCOUNT,
                error="management",
            ),
        ),
    )
    again = RemediationPlan.model_validate_json(plan.model_dump_json())
    assert again == plan
    assert [a.account_id for a in again.ready] == ["333333333333"]
    assert [a.account_id for a in again.refused] == ["111111111111"]
    data = json.loads(plan.model_dump_json())
    data["accounts"][0]["extra"] = 1
    with pytest.raises(ValidationError):
        RemediationPlan.model_validate(data)


def test_outcome_ok_only_without_failures() -> None:
    now = datetime.now(UTC)

    def outcome(*statuses: AccountResultStatus) -> RemediationOutcome:
        accounts = tuple(
            AccountOutcome(account_id=f"33333333333{i}", status=s) for i, s in enumerate(statuses)
        )
        return RemediationOutcome(
            dry_run=False, caller_arn="x", started_at=now, finished_at=now, accounts=accounts
        )

    assert outcome(AccountResultStatus.REMEDIATED, AccountResultStatus.NOTHING_TO_DO).ok
    assert not outcome(AccountResultStatus.REMEDIATED, AccountResultStatus.INCOMPLETE).ok
    assert not outcome(AccountResultStatus.REFUSED).ok
    assert not outcome(AccountResultStatus.FAILED).ok


def test_audit_log_appends_redacted_lines_readable_by_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "remediation.jsonl"
    first = AuditLog(path)
    first.record(
        caller="arn:aws:iam::111111111111:user/ops",
        action="iam:DeleteAccessKey",
        account="333333333333",
        target=f"access key {KEY_ID}",
        dry_run=False,
        outcome="FAILED",
        error=f"NoSuchEntity: The Access Key with id {KEY_ID} cannot be found.",
    )
    AuditLog(path).record(  # a second writer appends, never truncates
        caller="arn:aws:iam::111111111111:user/ops",
        action="iam:DeleteLoginProfile",
        account="333333333333",
        dry_run=True,
        outcome="WOULD_RUN",
    )
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) == 2
    assert KEY_ID not in text
    records = first.read()
    assert [r.action for r in records] == ["iam:DeleteAccessKey", "iam:DeleteLoginProfile"]
    assert records[0].target == "access key …MPLE"
    assert records[1].dry_run is True
    assert set(json.loads(lines[0])) == {
        "timestamp",
        "caller",
        "action",
        "account",
        "target",
        "dry_run",
        "outcome",
        "error",
        "run",
        "change",
        "fingerprint",
        "note",
    }
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_audit_log_also_logs_on_the_remediate_logger(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="rootguard.remediate")
    AuditLog(tmp_path / "a.jsonl").record(
        caller="c", action="iam:DeleteLoginProfile", account="333333333333", dry_run=True, outcome="WOULD_RUN"
    )
    assert any(
        r.name == "rootguard.remediate" and "[dry run] iam:DeleteLoginProfile 333333333333" in r.getMessage()
        for r in caplog.records
    )


def test_open_intents_are_intents_without_an_outcome_and_bad_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    log = AuditLog(path)
    done = log.intent(
        caller="c", action="iam:DeleteAccessKey", account="333333333333", target="access key …MPLE"
    )
    log.outcome(done, caller="c", outcome="DONE")
    log.intent(caller="c", action="iam:DeleteLoginProfile", account="333333333333", target="login profile")
    log.close()
    with path.open("ab") as handle:  # a torn line and bytes that are not UTF-8: skipped, never a traceback
        handle.write(b'{"timestamp": "2025-\n\xff\xfe\n')
    (pending,) = AuditLog(path).open_intents()
    assert (pending.action, pending.outcome, pending.change) == (
        "iam:DeleteLoginProfile",
        "INTENT",
        f"{log.run}/2",
    )
    assert len(AuditLog(path).read()) == 3


def test_an_audit_log_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    from rootguard.remediate.audit_log import AuditLogError

    (tmp_path / "file").write_text("x")
    for path in (tmp_path / "file" / "a.jsonl", tmp_path):
        with pytest.raises(AuditLogError) as err:
            AuditLog(path).open()
        assert "\n" not in str(err.value) and str(path) in str(err.value)
        assert err.value.changes_recorded == 0
