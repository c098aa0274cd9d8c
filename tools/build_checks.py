"""Write checks/<id>/ (adapter, __init__, metadata) for every rootguard check from one table.

Run `python tools/build_checks.py` after editing CHECKS below; `--check` exits 1 when checks/ is stale
(the test suite runs it). Each adapter is the same three lines: Prowler requires one module per check.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKS_DIR = ROOT / "checks"

DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html#id_root-user-access-management"
ENABLE_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html"
SCP_DOCS = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html"
ASSUME_ROOT_DOCS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user-privileged-task.html"
DA_DOCS = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html#id_root-delegated-admin"
)

CHECKS: list[dict] = [
    {
        "CheckID": "organizations_iam_trusted_access_enabled",
        "CheckTitle": "AWS Organization has trusted access for IAM enabled",
        "Severity": "high",
        "ResourceType": "Other",
        "Description": "Checks that trusted access for **IAM** (`iam.amazonaws.com`) is enabled in AWS Organizations, the prerequisite for centralized root access.",
        "Risk": "Without trusted access for IAM, centralized root access cannot be enabled: every member account keeps its own root credentials and MFA device to guard.",
        "CLI": "aws organizations enable-aws-service-access --service-principal iam.amazonaws.com",
        "Other": "Organizations console > Services > AWS Identity and Access Management > Enable trusted access",
        "Text": "Enable trusted access for IAM from the management account, then enable root credentials management and root sessions.",
        "URLs": [ENABLE_DOCS, DOCS],
    },
    {
        "CheckID": "iam_org_root_credentials_management_enabled",
        "CheckTitle": "AWS Organization has centralized root credentials management enabled with its prerequisites",
        "Severity": "high",
        "ResourceType": "Other",
        "Description": "Checks that the **RootCredentialsManagement** organization feature is enabled (with all features and trusted access for IAM), so member accounts' root credentials can be audited and deleted centrally.",
        "Risk": "Member accounts keep or can recover long-term root credentials: a root password or key in any of them is a full takeover of that account.",
        "CLI": "aws iam enable-organizations-root-credentials-management",
        "Other": "IAM console (management account) > Root access management > Enable > Root credentials management",
        "Text": "Enable centralized root credentials management, then delete the root credentials that remain in invited accounts.",
        "URLs": [ENABLE_DOCS, DOCS],
    },
    {
        "CheckID": "iam_org_root_sessions_enabled",
        "CheckTitle": "AWS Organization has centralized root sessions enabled with their prerequisites",
        "Severity": "high",
        "ResourceType": "Other",
        "Description": "Checks that the **RootSessions** organization feature (privileged root actions in member accounts) is enabled, so root-only tasks run as short, task-scoped `sts:AssumeRoot` sessions.",
        "Risk": "Without root sessions, root-only tasks in member accounts need long-term root credentials, and member root credentials cannot be audited from the management account.",
        "CLI": "aws iam enable-organizations-root-sessions",
        "Other": "IAM console (management account) > Root access management > Enable > Privileged root actions in member accounts",
        "Text": "Enable centralized root sessions so privileged root tasks use short sessions from the management account or IAM delegated administrator.",
        "URLs": [ASSUME_ROOT_DOCS, DOCS],
    },
    {
        "CheckID": "iam_member_root_credentials_absent",
        "CheckTitle": "Member account root user has no password, access keys, MFA devices or signing certificates",
        "Severity": "high",
        "ResourceType": "Other",
        "Description": "For each member account, audits the root user through a read-only `sts:AssumeRoot` session (IAMAuditRootUserCredentials) and reports any password, access key, MFA device or signing certificate still present.",
        "Risk": "Root credentials left in a member account (often invited accounts) allow unrestricted access that bypasses IAM policies; a leaked root key or recovered password is a full account takeover.",
        "CLI": "aws sts assume-root --target-principal ACCOUNT_ID --task-policy-arn arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials",
        "Other": "IAM console (management account) > Root access management > select the account > Delete root user credentials",
        "Text": "Delete member accounts' root credentials centrally; use root sessions for root-only tasks and allow password recovery only when needed.",
        "URLs": [DOCS, ASSUME_ROOT_DOCS],
    },
    {
        "CheckID": "organizations_scps_allow_root_sessions",
        "CheckTitle": "No service control policy blocks centralized root sessions",
        "Severity": "medium",
        "ResourceType": "Other",
        "Description": "Checks that no SCP on the root, an OU or an account denies root actions without exempting `aws:AssumedRoot`, which would make every root session below it fail.",
        "Risk": "A deny-root SCP without the aws:AssumedRoot exemption blocks root sessions: root credentials there cannot be audited or deleted centrally and stay unseen.",
        "CLI": "aws organizations update-policy --policy-id POLICY_ID --content file://policy-with-assumedroot-exemption.json",
        "Other": 'Add "Condition": {"Null": {"aws:AssumedRoot": "true"}} to the deny statement; in Control Tower set the ExemptAssumeRoot parameter of the root-user control.',
        "Text": "Exempt root sessions from deny-root SCPs with a Null aws:AssumedRoot condition so centralized root access keeps working everywhere.",
        "URLs": [SCP_DOCS, ASSUME_ROOT_DOCS],
    },
    {
        "CheckID": "organizations_iam_delegated_admin_allowed",
        "CheckTitle": "IAM delegated administrator is absent or an approved account",
        "Severity": "medium",
        "ResourceType": "Other",
        "Description": "Checks that any account registered as delegated administrator for IAM (which can audit and delete every member's root credentials) is on the configured allow-list.",
        "Risk": "An unexpected IAM delegated administrator can open root sessions in every member account: compromise of that account is compromise of the organization.",
        "CLI": "aws organizations deregister-delegated-administrator --account-id ACCOUNT_ID --service-principal iam.amazonaws.com",
        "Other": "Add the expected account to allowed_delegated_admins in the rootguard config, or deregister the unexpected one.",
        "Text": "Register only a dedicated security account as IAM delegated administrator and list it in rootguard's allow-list.",
        "URLs": [DA_DOCS, DOCS],
    },
]

ADAPTER = '''"""Prowler adapter for rootguard's {cid} rule (the logic lives in rootguard.rules)."""

from prowler.lib.check.models import Check, Check_Report_AWS

from rootguard.prowler_bridge import reports_for


class {cid}(Check):
    def execute(self) -> list[Check_Report_AWS]:
        return reports_for(self, "{cid}")
'''


def metadata(spec: dict) -> dict:
    cid = spec["CheckID"]
    return {
        "Provider": "aws",
        "CheckID": cid,
        "CheckTitle": spec["CheckTitle"],
        "CheckType": ["Software and Configuration Checks/AWS Security Best Practices"],
        "ServiceName": cid.split("_", 1)[0],
        "SubServiceName": "",
        "ResourceIdTemplate": "",
        "Severity": spec["Severity"],
        "ResourceType": spec["ResourceType"],
        "ResourceGroup": "IAM",
        "Description": spec["Description"],
        "Risk": spec["Risk"],
        "RelatedUrl": "",
        "AdditionalURLs": spec["URLs"],
        "Remediation": {
            "Code": {"CLI": spec["CLI"], "NativeIaC": "", "Other": spec["Other"], "Terraform": ""},
            "Recommendation": {"Text": spec["Text"], "Url": ""},
        },
        "Categories": ["identity-access", "trust-boundaries"],
        "DependsOn": [],
        "RelatedTo": [],
        "Notes": "rootguard custom check: run from the management account or the IAM delegated administrator.",
    }


def expected_files() -> dict[Path, str]:
    out: dict[Path, str] = {}
    for spec in CHECKS:
        cid = spec["CheckID"]
        folder = CHECKS_DIR / cid
        out[folder / "__init__.py"] = ""
        out[folder / f"{cid}.py"] = ADAPTER.format(cid=cid)
        out[folder / f"{cid}.metadata.json"] = json.dumps(metadata(spec), indent=2) + "\n"
    return out


def stale() -> list[Path]:
    return [p for p, text in expected_files().items() if not p.exists() or p.read_text() != text]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        bad = stale()
        for p in bad:
            print(f"stale: {p.relative_to(ROOT)} (run python tools/build_checks.py)")
        return 1 if bad else 0
    for path, text in expected_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
