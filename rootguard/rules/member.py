"""The member-account rule: exactly one Result per account of the organization."""

from __future__ import annotations

from typing import Any

from rootguard.models import (
    Account,
    AuditOutcome,
    MemberAudit,
    NotEvaluatedReason,
    OrgFacts,
    ResourceKind,
    Result,
    ResultResource,
    RootCredentials,
    Status,
)
from rootguard.rules.registry import RuleConfig, account_arn, org_resource, result, rule

MEMBER = "iam_member_root_credentials_absent"

_REASON_TEXT = {
    NotEvaluatedReason.SUSPENDED: "the account is suspended; root sessions cannot reach it",
    NotEvaluatedReason.PENDING_CLOSURE: "the account is closing; root sessions cannot reach it",
    NotEvaluatedReason.EXCLUDED: "the account is excluded by configuration",
    NotEvaluatedReason.ACCESS_DENIED: "the root session was refused (AccessDenied): check that the scanner may "
    "call sts:AssumeRoot with the IAMAuditRootUserCredentials task policy",
    NotEvaluatedReason.THROTTLED: "AWS kept throttling the audit after retries: run the scan again",
    NotEvaluatedReason.ROOT_SESSIONS_UNAVAILABLE: "centralized root sessions are not available (enable "
    "RootSessions, or configure a fallback role)",
    NotEvaluatedReason.ERROR: "the audit failed",
}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _describe(creds: RootCredentials) -> tuple[list[str], dict[str, Any]]:
    """Readable parts and structured counts of what a root user still holds."""
    parts: list[str] = []
    active = [k for k in creds.access_keys if k.status == "Active"]
    inactive = [k for k in creds.access_keys if k.status != "Active"]
    summary = creds.summary
    has_password = creds.password or bool(summary.get("AccountPasswordPresent"))
    if has_password:
        parts.append("a password")
    if active:
        parts.append(_plural(len(active), "active access key"))
    if inactive:
        parts.append(_plural(len(inactive), "inactive access key"))
    if not creds.access_keys and summary.get("AccountAccessKeysPresent"):
        parts.append("access keys")
    if creds.mfa_devices:
        kinds = sorted({d.kind for d in creds.mfa_devices})
        parts.append(f"{_plural(len(creds.mfa_devices), 'MFA device')} ({', '.join(kinds)})")
    elif summary.get("AccountMFAEnabled"):
        parts.append("MFA devices")
    if creds.signing_certificates:
        parts.append(_plural(len(creds.signing_certificates), "signing certificate"))
    elif summary.get("AccountSigningCertificatesPresent"):
        parts.append("signing certificates")
    counts = {
        "password": has_password,
        "active_access_keys": len(active)
        or (1 if not creds.access_keys and summary.get("AccountAccessKeysPresent") else 0),
        "inactive_access_keys": len(inactive),
        "mfa_devices": len(creds.mfa_devices) or int(bool(summary.get("AccountMFAEnabled"))),
        "signing_certificates": len(creds.signing_certificates)
        or int(bool(summary.get("AccountSigningCertificatesPresent"))),
    }
    details = {
        "kinds": creds.kinds,
        "counts": counts,
        "access_keys": [{"id_suffix": k.id_suffix, "status": k.status} for k in creds.access_keys],
        "mfa_devices": [{"kind": d.kind} for d in creds.mfa_devices],
        "signing_certificates": [
            {"id_suffix": c.id_suffix, "status": c.status} for c in creds.signing_certificates
        ],
    }
    return parts, details


def _account_result(facts: OrgFacts, acct: Account, audit: MemberAudit | None) -> Result:
    org = facts.organization
    resource = ResultResource(
        kind=ResourceKind.ACCOUNT, id=acct.id, arn=account_arn(facts, acct.id), name=acct.name
    )
    details: dict[str, Any] = {
        "level": "account",
        "account_name": acct.name,
        "account_status": acct.status,
        "joined_method": acct.joined_method,
        "parent_path": list(acct.parent_path),
    }
    if org is not None and acct.id == org.management_account_id:
        return result(
            facts,
            MEMBER,
            Status.NOT_EVALUATED,
            "Management account: its root user is outside centralized root management. Protect it with a "
            "hardware MFA device and no access keys.",
            resource=resource,
            reason=NotEvaluatedReason.MANAGEMENT_ACCOUNT,
            details=details,
        )
    if audit is None:
        return result(
            facts,
            MEMBER,
            Status.NOT_EVALUATED,
            "Not audited: no root-credential audit ran for this account.",
            resource=resource,
            reason=NotEvaluatedReason.ERROR,
            details=details,
        )
    details["audit_method"] = audit.method
    if audit.outcome is AuditOutcome.AUDITED and audit.credentials is not None:
        parts, cred_details = _describe(audit.credentials)
        details.update(cred_details)
        if not parts:
            return result(
                facts,
                MEMBER,
                Status.PASS,
                "The root user has no credentials.",
                resource=resource,
                details=details,
            )
        joined = (
            " The account was invited: root credentials from before it joined stay until deleted."
            if acct.joined_method == "INVITED"
            else ""
        )
        return result(
            facts,
            MEMBER,
            Status.FAIL,
            f"The root user still has: {', '.join(parts)}.{joined} Delete them centrally (IAM > Root access "
            f"management, or `rootguard remediate delete-root-credentials --account {acct.id}`).",
            resource=resource,
            details=details,
        )
    reason = audit.reason or NotEvaluatedReason.ERROR
    if reason is NotEvaluatedReason.SCP_DENIED:
        policies = ", ".join(audit.blocking_policies) or "an SCP"
        why = (
            f"root sessions are denied by {policies} (deny-root without the aws:AssumedRoot exemption); add "
            '"Condition": {"Null": {"aws:AssumedRoot": "true"}} to its deny statement'
        )
        details["blocking_policies"] = list(audit.blocking_policies)
    else:
        why = _REASON_TEXT.get(reason, "the audit failed")
    if audit.error:
        details["error"] = audit.error
        if reason in (NotEvaluatedReason.ERROR, NotEvaluatedReason.ACCESS_DENIED):
            why += f" ({audit.error})"
    return result(
        facts,
        MEMBER,
        Status.NOT_EVALUATED,
        f"Not evaluated: {why}.",
        resource=resource,
        reason=reason,
        details=details,
    )


@rule(MEMBER, "Member accounts have no root credentials")
def member_root_credentials_absent(facts: OrgFacts, config: RuleConfig) -> list[Result]:
    if not facts.accounts:
        return [
            result(
                facts,
                MEMBER,
                Status.NOT_EVALUATED,
                "No member accounts could be listed, so none was audited: run rootguard from the management "
                "account or the IAM delegated administrator.",
                resource=org_resource(facts),
                reason=NotEvaluatedReason.PREREQUISITE_MISSING,
                details={"level": "organization", "organization_error": facts.organization_error},
            )
        ]
    out: list[Result] = []
    for acct in facts.accounts:
        audit = facts.member_audits.get(acct.id)
        if acct.id in config.excluded_accounts and (
            audit is None or audit.outcome is not AuditOutcome.AUDITED
        ):
            audit = MemberAudit(
                account_id=acct.id, outcome=AuditOutcome.SKIPPED, reason=NotEvaluatedReason.EXCLUDED
            )
        out.append(_account_result(facts, acct, audit))
    return out
