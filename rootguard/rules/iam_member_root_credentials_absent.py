"""iam_member_root_credentials_absent: no member account's root user holds a password, access keys, MFA
devices or signing certificates. Exactly one result per account of the organization."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from rootguard.models import (
    Account,
    AuditOutcome,
    Fact,
    MemberAudit,
    NotEvaluatedReason,
    OrgFacts,
    Result,
    RootCredentials,
)
from rootguard.rules.common import (
    account_resource,
    failed,
    not_evaluated,
    not_in_organization,
    not_in_organization_result,
    organization_resource,
    organization_unreadable,
    passed,
    reason_for,
)
from rootguard.rules.features import ROOT_SESSION
from rootguard.rules.organizations_scps_allow_root_sessions import EXEMPTION
from rootguard.rules.spec import CheckSpec, CredentialRule, Remediation, Severity
from rootguard.rules.urls import ASSUME_ROOT_DOCS, ROOT_ACCESS_DOCS
from rootguard.settings import RuleConfig

CHECK_ID = "iam_member_root_credentials_absent"
SPEC = CheckSpec(
    check_id=CHECK_ID,
    level="account",
    position=40,
    title=(
        "Member account root users should have no password, access keys, MFA devices or signing certificates"
    ),
    description=(
        "For each member account, audits the root user through a read-only `sts:AssumeRoot` session "
        "(IAMAuditRootUserCredentials) and reports any password, access key, MFA device or signing certificate "
        "still present."
    ),
    risk=(
        "Root credentials left in a member account (often invited accounts) allow unrestricted access that "
        "bypasses IAM policies; a leaked root key or recovered password is a full account takeover."
    ),
    remediation=Remediation(
        text=(
            "From the management account or the IAM delegated administrator, open a root session on the member "
            "account with the IAMDeleteRootUserCredentials task policy (IAM console: Root access management, "
            "Take privileged action, Delete root user credentials) to remove its password, access keys, signing "
            "certificates and MFA devices."
        ),
        url=ASSUME_ROOT_DOCS,
        cli=(
            "aws sts assume-root --target-principal ACCOUNT_ID --task-policy-arn "
            "arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"
        ),
        other=(
            "IAM console (management account) > Root access management > select the account > Delete root user "
            "credentials"
        ),
    ),
    urls=(ROOT_ACCESS_DOCS, ASSUME_ROOT_DOCS),
    severity=Severity(
        fail="HIGH",
        not_evaluated_by_reason={
            NotEvaluatedReason.EXCLUDED: "INFORMATIONAL",
            NotEvaluatedReason.SCP_DENIED: "MEDIUM",
        },
        fail_by_credential=(
            CredentialRule(credential="active_access_key", label="CRITICAL"),
            CredentialRule(credential="password", label="HIGH"),
            CredentialRule(credential="inactive_access_key", label="MEDIUM"),
            CredentialRule(credential="signing_certificate", label="MEDIUM"),
            CredentialRule(credential="mfa_device", label="LOW"),
        ),
    ),
    needs=frozenset({Fact.ORGANIZATION, Fact.ACCOUNTS, Fact.MEMBER_AUDIT}),
    uses=frozenset({Fact.SCPS}),  # which SCP explains a denied root session
)
DELETE_HOW = (
    "Delete them in IAM > Root access management, or in an sts:AssumeRoot session with the "
    "IAMDeleteRootUserCredentials task policy."
)
ROOT_SESSIONS_CLI = ROOT_SESSION.enable_cli


def mask(suffix: str) -> str:
    """``****WXYZ``: only the last four characters of an identifier ever leave the rule."""
    return "****" + suffix[-4:] if suffix else ""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# ------------------------------------------------------------------------------------------------ details


def account_details(account: Account) -> dict[str, Any]:
    return {
        "account_name": account.name,
        "account_status": account.status,
        "joined_method": account.joined_method,
        "joined_timestamp": _iso(account.joined_timestamp),
        "ou_path": list(account.parent_path),
    }


def credential_details(creds: RootCredentials) -> dict[str, Any]:
    """Structured, JSON-safe description of what the root user holds; identifiers masked."""
    summary = creds.summary
    active = sum(1 for k in creds.access_keys if k.status == "Active")
    keys_unlisted = not creds.access_keys and bool(summary.get("AccountAccessKeysPresent"))
    password = bool(creds.password or summary.get("AccountPasswordPresent"))
    return {
        "kinds": creds.kinds,
        # Counts of 1 stand for "present, not listed" when only the summary flags could be read.
        "counts": {
            "password": int(password),
            "active_access_keys": active or int(keys_unlisted),
            "inactive_access_keys": len(creds.access_keys) - active,
            "mfa_devices": len(creds.mfa_devices) or int(bool(summary.get("AccountMFAEnabled"))),
            "signing_certificates": len(creds.signing_certificates)
            or int(bool(summary.get("AccountSigningCertificatesPresent"))),
        },
        "password": password,
        "password_created": _iso(creds.password_created),
        "access_keys": [
            {"key": mask(k.id_suffix), "status": k.status, "created": _iso(k.created)}
            for k in creds.access_keys
        ],
        "mfa_devices": [{"kind": d.kind, "enabled": _iso(d.enabled)} for d in creds.mfa_devices],
        "mfa_kinds": sorted({d.kind for d in creds.mfa_devices}),
        "signing_certificates": [
            {"certificate": mask(c.id_suffix), "status": c.status} for c in creds.signing_certificates
        ],
        "summary": dict(sorted(summary.items())),
    }


def describe_credentials(creds: RootCredentials) -> list[str]:
    """Human phrases, one per kind present: 'a password', '2 active access keys (****AB12, ****CD34)', ..."""
    parts: list[str] = []
    if creds.password or creds.summary.get("AccountPasswordPresent"):
        parts.append("a password")
    active = [k for k in creds.access_keys if k.status == "Active"]
    inactive = [k for k in creds.access_keys if k.status != "Active"]
    if active:
        keys = ", ".join(mask(k.id_suffix) for k in active)
        parts.append(f"{_plural(len(active), 'active access key')} ({keys})")
    if inactive:
        keys = ", ".join(mask(k.id_suffix) for k in inactive)
        parts.append(f"{_plural(len(inactive), 'inactive access key')} ({keys})")
    if not creds.access_keys and creds.summary.get("AccountAccessKeysPresent"):
        parts.append("access keys (count not read)")
    if creds.mfa_devices:
        kinds = Counter(d.kind for d in creds.mfa_devices)
        by_kind = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        parts.append(f"{_plural(len(creds.mfa_devices), 'MFA device')} ({by_kind})")
    elif creds.summary.get("AccountMFAEnabled"):
        parts.append("MFA devices (kind not read)")
    if creds.signing_certificates:
        parts.append(_plural(len(creds.signing_certificates), "signing certificate"))
    elif creds.summary.get("AccountSigningCertificatesPresent"):
        parts.append("signing certificates (count not read)")
    return parts


def _label(account: Account) -> str:
    return f"{account.id} ({account.name})" if account.name else account.id


def _joined_note(account: Account) -> str:
    if account.joined_method == "INVITED":
        return "It joined the organization by invitation and kept the root credentials it had before."
    return "It was created in the organization, so these were added later (for example by password recovery)."


# ------------------------------------------------------------------------------------------------ verdicts


def _audited(facts: OrgFacts, account: Account, audit: MemberAudit, details: dict[str, Any]) -> Result:
    resource = account_resource(facts, account.id, account.name, account.arn)
    creds = audit.credentials
    if creds is None:
        return not_evaluated(
            CHECK_ID,
            resource,
            NotEvaluatedReason.ERROR,
            f"Account {_label(account)} was reported audited but without its root credentials. Re-run the scan.",
            **details,
        )
    details.update(credential_details(creds))
    if audit.error:
        details["audit_note"] = audit.error
    parts = describe_credentials(creds)
    if not parts:
        return passed(
            CHECK_ID,
            resource,
            f"The root user of account {_label(account)} has no password, access keys, MFA devices or signing "
            "certificates.",
            **details,
        )
    return failed(
        CHECK_ID,
        resource,
        f"The root user of account {_label(account)} still has {_join(parts)}. {_joined_note(account)} "
        f"{DELETE_HOW}",
        **details,
    )


def _policy_labels(facts: OrgFacts, policy_ids: tuple[str, ...]) -> list[str]:
    names = {b.policy_id: b.policy_name for b in facts.scp_blocks}
    return [f"{names[p]} ({p})" if names.get(p) else p for p in policy_ids]


def _skipped_message(
    facts: OrgFacts, account: Account, audit: MemberAudit, reason: NotEvaluatedReason
) -> str:
    label = _label(account)
    error = f" ({audit.error})" if audit.error else ""
    if reason is NotEvaluatedReason.SCP_DENIED:
        policies = _policy_labels(facts, audit.blocking_policies)
        named = f"by {_join(policies)}" if policies else "by a service control policy"
        return (
            f"Root sessions into account {label} are denied {named}. Exempt root sessions in the deny "
            f"statement with {EXEMPTION} (Control Tower: ExemptAssumeRoot), then re-run the scan."
        )
    if reason is NotEvaluatedReason.SUSPENDED:
        return f"Account {label} is suspended or closed{error}; its root user cannot be audited."
    if reason is NotEvaluatedReason.PENDING_CLOSURE:
        return f"Account {label} is pending closure; its root user cannot be audited."
    if reason is NotEvaluatedReason.EXCLUDED:
        return _excluded_message(account)
    if reason is NotEvaluatedReason.ROOT_SESSIONS_UNAVAILABLE:
        return (
            f"Account {label} was not audited: centralized root sessions are not available{error}. Enable them "
            f"(`{ROOT_SESSIONS_CLI}`) or configure a fallback audit role."
        )
    if reason is NotEvaluatedReason.ACCESS_DENIED:
        return (
            f"The audit of account {label} was denied{error}. Allow sts:AssumeRoot with the "
            "IAMAuditRootUserCredentials task policy for the caller, and check SCPs and permission boundaries."
        )
    if reason is NotEvaluatedReason.THROTTLED:
        return f"The audit of account {label} was still throttled after retries{error}. Re-run the scan."
    return f"The audit of account {label} failed{error}. Re-run the scan; if it persists, check the account."


def _excluded_message(account: Account) -> str:
    return f"Account {_label(account)} is excluded from the root credentials audit by configuration."


def evaluate_account(facts: OrgFacts, account: Account, config: RuleConfig) -> Result:
    """The one result of one account."""
    resource = account_resource(facts, account.id, account.name, account.arn)
    details = account_details(account)
    if account.id in config.excluded_accounts:
        return not_evaluated(
            CHECK_ID,
            resource,
            NotEvaluatedReason.EXCLUDED,
            _excluded_message(account),
            **details,
        )
    audit = facts.member_audits.get(account.id)
    if audit is None:
        return not_evaluated(
            CHECK_ID,
            resource,
            NotEvaluatedReason.ERROR,
            f"Account {_label(account)} was not audited (no audit result was collected). Re-run the scan with "
            "the member audit enabled.",
            **details,
        )
    details["audit_method"] = audit.method
    if audit.outcome is AuditOutcome.AUDITED:
        return _audited(facts, account, audit, details)
    reason = audit.reason or NotEvaluatedReason.ERROR
    if audit.error:
        details["audit_error"] = audit.error
    if audit.blocking_policies:
        details["blocking_policies"] = list(audit.blocking_policies)
    return not_evaluated(
        CHECK_ID, resource, reason, _skipped_message(facts, account, audit, reason), **details
    )


def evaluate(facts: OrgFacts, config: RuleConfig) -> list[Result]:
    """One result per member account. The management account is not a member: centralized root access does
    not cover its root user, which iam_management_root_mfa_no_keys judges."""
    if facts.organization is None:
        if not_in_organization(facts):
            return [not_in_organization_result(CHECK_ID, facts, "member accounts")]
        return [organization_unreadable(CHECK_ID, facts)]
    management = facts.organization.management_account_id
    seen: set[str] = {management}
    results: list[Result] = []
    for account in facts.accounts:
        if account.id in seen:
            continue
        seen.add(account.id)
        results.append(evaluate_account(facts, account, config))
    if results:
        return results
    listing_error = facts.unreadable.get(Fact.ACCOUNTS)
    if listing_error is not None:
        # No account could be listed: say so once, on the organization, rather than stay silent.
        return [
            not_evaluated(
                CHECK_ID,
                organization_resource(facts),
                reason_for(listing_error),
                f"No member account could be listed ({listing_error}). Run rootguard from the management "
                "account or the IAM delegated administrator with organizations:ListAccounts.",
                error=str(listing_error),
            )
        ]
    return [
        passed(
            CHECK_ID,
            organization_resource(facts),
            f"Organization {facts.organization.id} has no member accounts: no member root user holds anything.",
            members=0,
        )
    ]
