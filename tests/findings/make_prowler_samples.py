"""Regenerate tests/findings/data/prowler-*.json with Prowler's own output transforms.

    .venv/bin/python tests/findings/make_prowler_samples.py

Builds Check_Report_AWS objects the way rootguard's Prowler adapters do (status, status_extended,
resource_id, resource_arn, region, and `resource={"rootguard": {...}}`), turns them into Prowler Findings with
Finding.generate_output and a stand-in AWS provider, and writes them with Prowler's OCSF and ASFF outputs.
One built-in check's finding is added so readers prove they ignore other checks. Needs the `prowler` extra.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from prowler.lib.check.models import Check_Report_AWS
from prowler.lib.outputs.asff.asff import ASFF
from prowler.lib.outputs.finding import Finding
from prowler.lib.outputs.ocsf.ocsf import OCSF

DATA = Path(__file__).resolve().parent / "data"
MGMT = "111122223333"
ORG = "o-abc123def4"
REGION = "eu-west-1"
ORG_ARN = f"arn:aws:organizations::{MGMT}:organization/{ORG}"


def metadata(check_id: str, severity: str = "high", resource_type: str = "Other") -> str:
    return json.dumps(
        {
            "Provider": "aws",
            "CheckID": check_id,
            "CheckTitle": check_id.replace("_", " "),
            "CheckType": [],
            "ServiceName": check_id.split("_", 1)[0],
            "SubServiceName": "",
            "ResourceIdTemplate": "",
            "Severity": severity,
            "ResourceType": resource_type,
            "Description": "rootguard sample",
            "Risk": "sample",
            "RelatedUrl": "",
            "Remediation": {
                "Code": {"CLI": "", "NativeIaC": "", "Terraform": "", "Other": ""},
                "Recommendation": {"Text": "sample", "Url": ""},
            },
            "Categories": ["identity-access"],
            "DependsOn": [],
            "RelatedTo": [],
            "Notes": "",
        }
    )


def report(check_id, status, message, kind, rid, arn, name="", reason=None, details=None):
    prowler_status = {"PASS": "PASS", "FAIL": "FAIL", "NOT_EVALUATED": "MANUAL"}[status]
    resource = {
        "rootguard": {
            "check_id": check_id,
            "status": status,
            "reason": reason,
            "resource_kind": kind,
            "resource_name": name,
            "organization_id": ORG,
            "details": details or {},
        }
    }
    rep = Check_Report_AWS(metadata=metadata(check_id), resource=resource)
    rep.status = prowler_status
    rep.status_extended = f"Not evaluated ({reason}): {message}" if status == "NOT_EVALUATED" else message
    rep.resource_id = rid
    rep.resource_arn = arn
    rep.region = REGION
    return rep


def reports() -> list[Check_Report_AWS]:
    acct = lambda a: f"arn:aws:organizations::{MGMT}:account/{ORG}/{a}"  # noqa: E731
    out = [
        report(
            "iam_org_root_sessions_enabled",
            "FAIL",
            "RootSessions is not enabled for the organization.",
            "ORGANIZATION",
            ORG,
            ORG_ARN,
            details={"enabled_features": ["RootCredentialsManagement"]},
        ),
        report(
            "organizations_iam_trusted_access_enabled",
            "PASS",
            "Trusted access for iam.amazonaws.com is enabled.",
            "ORGANIZATION",
            ORG,
            ORG_ARN,
        ),
        report(
            "iam_member_root_credentials_absent",
            "FAIL",
            "Root user of dev (222233334444) still has: password, 1 active access key (****WXYZ); "
            "it joined by invitation.",
            "ACCOUNT",
            "222233334444",
            acct("222233334444"),
            name="dev",
            details={
                "kinds": ["password", "active access keys"],
                "access_keys": [{"id_suffix": "WXYZ", "status": "Active"}],
                "joined_method": "INVITED",
            },
        ),
        report(
            "iam_member_root_credentials_absent",
            "PASS",
            "Root user of prod (333344445555) has no credentials.",
            "ACCOUNT",
            "333344445555",
            acct("333344445555"),
            name="prod",
            details={"kinds": []},
        ),
        report(
            "iam_member_root_credentials_absent",
            "NOT_EVALUATED",
            "Root session denied by SCP p-deny1234 on ou-root-sandbox.",
            "ACCOUNT",
            "444455556666",
            acct("444455556666"),
            name="sandbox",
            reason="SCP_DENIED",
            details={"blocking_policies": ["p-deny1234"]},
        ),
    ]
    other = Check_Report_AWS(metadata=metadata("iam_root_mfa_enabled", "critical"), resource={})
    other.status, other.status_extended = "FAIL", "Root account has no MFA."
    other.resource_id, other.resource_arn, other.region = (
        "<root_account>",
        f"arn:aws:iam::{MGMT}:root",
        REGION,
    )
    out.append(other)
    return out


def provider() -> SimpleNamespace:
    return SimpleNamespace(
        type="aws",
        identity=SimpleNamespace(account=MGMT, partition="aws", profile="default"),
        organizations_metadata=SimpleNamespace(
            account_name="management",
            account_email="",
            organization_arn=ORG_ARN,
            organization_id=ORG,
            account_tags={},
            account_ou_id="",
            account_ou_name="",
        ),
    )


def main() -> None:
    prov = provider()
    options = SimpleNamespace(unix_timestamp=False, bulk_checks_metadata={})
    findings = [Finding.generate_output(prov, rep, options) for rep in reports()]
    DATA.mkdir(parents=True, exist_ok=True)
    for cls, name in ((OCSF, "prowler-ocsf.ocsf.json"), (ASFF, "prowler-asff.asff.json")):
        (DATA / name).unlink(missing_ok=True)  # Prowler's writers append
        out = cls(findings=findings, file_path=str(DATA / name))
        out.batch_write_data_to_file()
        print(f"wrote {DATA / name} ({len(out.data)} findings)")


if __name__ == "__main__":
    main()
