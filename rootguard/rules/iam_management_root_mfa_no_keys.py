"""iam_management_root_mfa_no_keys: the management account's root user has MFA and no access keys or signing
certificates.

Centralizing root access leaves one root user: the management account's (it is outside centralized root
access). rootguard reads it from the management account itself (rootguard.collect.management_root); from the
IAM delegated administrator it cannot be read, and the check says so rather than guess.
"""

from __future__ import annotations

from rootguard.models import Account, Fact, ManagementRoot, NotEvaluatedReason, OrgFacts, Result
from rootguard.rules.common import (
    account_resource,
    failed,
    not_evaluated,
    not_in_organization,
    not_in_organization_result,
    organization_unreadable,
    passed,
    reason_for,
)
from rootguard.rules.spec import CheckSpec, CredentialRule, Remediation, Severity
from rootguard.settings import RuleConfig

CHECK_ID = "iam_management_root_mfa_no_keys"
ROOT_USER_SECURITY_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-best-practices.html"
ROOT_USER_MFA_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-mfa-for-root.html"
SPEC = CheckSpec(
    check_id=CHECK_ID,
    level="account",
    position=45,
    title="The management account's root user should have MFA and no access keys or signing certificates",
    description=(
        "Checks the one root user centralized root access leaves, the management account's: MFA on (hardware "
        "when the config requires it), no access keys, no signing certificates. Read from the management "
        "account with iam:GetAccountSummary and iam:ListVirtualMFADevices."
    ),
    risk=(
        "The management account's root user controls the whole organization and is outside centralized root "
        "access: without MFA, or with a long-term access key, one leaked secret is the organization."
    ),
    remediation=Remediation(
        text=(
            "Sign in to the management account as the root user: assign an MFA device (a FIDO security key or "
            "hardware token), delete any root access keys and signing certificates (Security credentials page), "
            "and keep the root user for the tasks only it can do."
        ),
        url=ROOT_USER_SECURITY_DOCS,
        cli="",
        other="AWS console, signed in as the root user > Security credentials > Assign MFA device; delete access keys",
    ),
    urls=(ROOT_USER_SECURITY_DOCS, ROOT_USER_MFA_DOCS),
    severity=Severity(
        fail="HIGH",
        not_evaluated_by_reason={NotEvaluatedReason.DELEGATED_ADMIN_SCAN: "INFORMATIONAL"},
        fail_by_credential=(CredentialRule(credential="active_access_key", label="CRITICAL"),),
    ),
    needs=frozenset({Fact.ORGANIZATION, Fact.MANAGEMENT_ROOT}),
    uses=frozenset({Fact.ACCOUNTS}),  # the management account's name
    related_to=("iam_root_mfa_enabled", "iam_root_hardware_mfa_enabled", "iam_no_root_access_key"),
)


def _label(account_id: str, name: str) -> str:
    return f"{account_id} ({name})" if name else account_id


def _details(root: ManagementRoot) -> dict[str, object]:
    return {
        "mfa": root.mfa,
        "mfa_kind": root.mfa_kind,
        "password": root.password,
        "access_keys": root.access_keys,
        "signing_certificates": root.signing_certificates,
        # the member check's vocabulary, so the severity follows what is present
        "counts": {
            "active_access_keys": int(root.access_keys),
            "signing_certificates": int(root.signing_certificates),
        },
        "summary": dict(sorted(root.summary.items())),
    }


def _judge(root: ManagementRoot, label: str, require_hardware: bool) -> tuple[list[str], str]:
    """What is wrong (empty when nothing) and how the MFA reads."""
    problems: list[str] = []
    if not root.mfa:
        problems.append("no MFA device")
    elif root.mfa_kind == "virtual" and require_hardware:
        problems.append("a virtual MFA device where the config requires hardware MFA")
    if root.access_keys:
        problems.append("an access key")
    if root.signing_certificates:
        problems.append("a signing certificate")
    mfa = {
        "hardware": "hardware MFA (a hardware token or security key)",
        "virtual": "virtual MFA",
        "none": "no MFA",
    }
    return problems, mfa[root.mfa_kind]


def evaluate(facts: OrgFacts, config: RuleConfig) -> list[Result]:
    if facts.organization is None:
        if not_in_organization(facts):
            return [not_in_organization_result(CHECK_ID, facts, "management account")]
        return [organization_unreadable(CHECK_ID, facts)]
    management = facts.organization.management_account_id
    names = {a.id: a.name for a in facts.accounts}
    account = Account(id=management, name=names.get(management, ""))
    resource = account_resource(facts, account.id, account.name)
    label = _label(account.id, account.name)
    if facts.caller.account_id != management:
        return [
            not_evaluated(
                CHECK_ID,
                resource,
                NotEvaluatedReason.DELEGATED_ADMIN_SCAN,
                f"The scan ran from account {facts.caller.account_id}, not the management account {label}: only "
                "the management account can read its own root user. Run rootguard from the management account "
                "to evaluate this check.",
                scanned_from=facts.caller.account_id,
            )
        ]
    error = facts.unreadable.get(Fact.MANAGEMENT_ROOT)
    root = facts.management_root
    if root is None:
        return [
            not_evaluated(
                CHECK_ID,
                resource,
                reason_for(error),
                f"The root user of management account {label} could not be read ({error or 'not collected'}). "
                "Allow iam:GetAccountSummary and iam:ListVirtualMFADevices for the caller, then re-run the scan.",
                error=str(error or ""),
            )
        ]
    problems, mfa = _judge(root, label, config.management_root_hardware_mfa)
    details = _details(root)
    if not problems:
        hint = (
            " (set management_root_requires_hardware_mfa in rootguard.yaml to require a hardware key)"
            if root.mfa_kind == "virtual"
            else ""
        )
        return [
            passed(
                CHECK_ID,
                resource,
                f"The root user of management account {label} has {mfa}{hint} and no access keys or signing "
                "certificates.",
                **details,
            )
        ]
    what = problems[0] if len(problems) == 1 else ", ".join(problems[:-1]) + " and " + problems[-1]
    return [
        failed(
            CHECK_ID,
            resource,
            f"The root user of management account {label} has {what}. It is the organization's one root user "
            "left after centralizing root access: give it hardware MFA and no long-term keys.",
            **details,
        )
    ]
