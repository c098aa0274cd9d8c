"""Which root-user control findings to suppress or return to NEW, given what this run proved. Pure.

For each finding of Security Hub CSPM's own product whose `Compliance.SecurityControlId` is a root-user
control (IAM.4, IAM.6, IAM.9) and whose account is the one it judges:

| the finding | the account | decision |
|---|---|---|
| ACTIVE, FAILED, workflow NEW, not marked suppressed by rootguard | proved clean | **suppress**: SUPPRESSED, a note citing rootguard's finding and the run, the marker |
| workflow SUPPRESSED, marked suppressed by rootguard | proved clean | keep (nothing to do) |
| workflow SUPPRESSED, marked suppressed by rootguard | anything else (credentials, not evaluated, not seen) | **release**: NEW, a note saying why, the marker set to released |
| workflow SUPPRESSED without rootguard's marker | any | never touched: a person suppressed it |
| marked suppressed by rootguard, workflow no longer SUPPRESSED | any | never touched: someone changed it since |
| anything else (PASSED, WARNING, NOT_AVAILABLE, NOTIFIED, RESOLVED, ARCHIVED) | any | never touched |

The marker is `UserDefinedFields["rootguard/reconcile"]` (`suppressed` or `released`), written in the same
BatchUpdateFindings request as the workflow status, with `rootguard/finding` (rootguard's finding id) and
`rootguard/run` (the run time). Finding providers cannot change UserDefinedFields (BatchImportFindings ignores
them after creation), so only a person or a tool acting for one can: whatever carries no `suppressed` marker was
not suppressed by rootguard. Updates send the finding's whole UserDefinedFields map with rootguard's keys set,
so other keys survive whether AWS merges or replaces the map (it does not say).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rootguard.securityhub.controls import ROOT_USER_CONTROLS
from rootguard.securityhub.proof import Proofs

MARKER = "rootguard/reconcile"
FINDING_FIELD = "rootguard/finding"
RUN_FIELD = "rootguard/run"
SUPPRESSED_BY_ROOTGUARD = "suppressed"
RELEASED_BY_ROOTGUARD = "released"
NOTE_AUTHOR = "rootguard"
MAX_NOTE = 512  # Note.Text (BatchUpdateFindings)

Action = Literal["SUPPRESS", "RELEASE"]

# Why a finding was left as it is (the report counts each).
KEPT = "already suppressed by rootguard"
BY_A_PERSON = "suppressed by a person"
CHANGED_SINCE = "changed by someone since rootguard suppressed it"
HAS_CREDENTIALS = "in accounts not proved clean"
NOT_FAILED = "not FAILED"

NOT_NEW = "FAILED but reviewed (workflow NOTIFIED or RESOLVED)"
ARCHIVED = "archived"


class Change(BaseModel):
    """One planned BatchUpdateFindings change to one finding."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    finding_id: str
    product_arn: str
    account_id: str
    control_id: str
    action: Action
    note: str
    user_defined_fields: dict[str, str]
    reason: str  # the account's proof, in a phrase

    @property
    def workflow(self) -> str:
        return "SUPPRESSED" if self.action == "SUPPRESS" else "NEW"

    def update(self) -> dict[str, Any]:
        """The BatchUpdateFindings fields (without FindingIdentifiers)."""
        return {
            "Workflow": {"Status": self.workflow},
            "Note": {"Text": self.note, "UpdatedBy": NOTE_AUTHOR},
            "UserDefinedFields": dict(self.user_defined_fields),
        }


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    changes: list[Change] = Field(default_factory=list)
    left_alone: dict[str, int] = Field(default_factory=dict)  # reason -> findings
    root_findings: int = 0  # root-user control findings read


def root_control(finding: Mapping[str, Any]) -> str | None:
    """The root-user control a finding belongs to, when it is one of Security Hub's own control findings
    about the account it is filed under; else None (never reconciled)."""
    compliance = finding.get("Compliance") or {}
    control = compliance.get("SecurityControlId")
    if control not in ROOT_USER_CONTROLS:
        return None
    if not str(finding.get("ProductArn", "")).endswith("::product/aws/securityhub"):
        return None
    account = finding.get("AwsAccountId")
    resources = finding.get("Resources") or []
    if not any(
        r.get("Type") == "AwsAccount" and str(r.get("Id", "")).endswith(f":{account}") for r in resources
    ):
        return None
    return str(control)


def _note(text: str) -> str:
    return text if len(text) <= MAX_NOTE else text[: MAX_NOTE - 1] + "…"


def plan_changes(findings: Iterable[Mapping[str, Any]], proofs: Proofs, *, run_at: str) -> Plan:
    """Decide, finding by finding (see the module docstring). `run_at`: the run's RFC 3339 timestamp."""
    if proofs.incomplete:
        return Plan()
    changes: list[Change] = []
    left: Counter[str] = Counter()
    count = 0
    for finding in findings:
        control = root_control(finding)
        if control is None:
            continue
        count += 1
        account = str(finding["AwsAccountId"])
        proof = proofs.accounts.get(account)
        fields = {str(k): str(v) for k, v in (finding.get("UserDefinedFields") or {}).items()}
        marker = fields.get(MARKER)
        workflow = (finding.get("Workflow") or {}).get("Status", "NEW")
        compliance = (finding.get("Compliance") or {}).get("Status")
        active = finding.get("RecordState", "ACTIVE") == "ACTIVE"
        clean = proof is not None and proof.clean
        base = {
            "finding_id": str(finding["Id"]),
            "product_arn": str(finding["ProductArn"]),
            "account_id": account,
            "control_id": control,
        }
        if workflow == "SUPPRESSED":
            if marker != SUPPRESSED_BY_ROOTGUARD:
                left[BY_A_PERSON] += 1
            elif clean:
                left[KEPT] += 1
            else:
                why = proof.reason if proof is not None else "not seen by this run (not a member account?)"
                cited = f" (finding {proof.finding_id})" if proof is not None else ""
                changes.append(
                    Change(
                        **base,
                        action="RELEASE",
                        reason=why,
                        note=_note(
                            f"rootguard returned this finding to NEW at {run_at}: it can no longer prove "
                            f"account {account} clean: {why}{cited}."
                        ),
                        user_defined_fields={**fields, MARKER: RELEASED_BY_ROOTGUARD, RUN_FIELD: run_at},
                    )
                )
            continue
        if marker == SUPPRESSED_BY_ROOTGUARD:
            left[CHANGED_SINCE] += 1
        elif not active:
            left[ARCHIVED] += 1
        elif compliance != "FAILED":
            left[NOT_FAILED] += 1
        elif not clean:
            left[HAS_CREDENTIALS] += 1
        elif workflow != "NEW":
            left[NOT_NEW] += 1
        else:
            assert proof is not None
            changes.append(
                Change(
                    **base,
                    action="SUPPRESS",
                    reason=proof.reason,
                    note=_note(
                        f"rootguard suppressed this finding at {run_at}: in account {account} the {proof.reason} "
                        f"(rootguard finding {proof.finding_id}): this root-user control has no credential to judge. "
                        "rootguard returns it to NEW when it can no longer prove this."
                    ),
                    user_defined_fields={
                        **fields,
                        MARKER: SUPPRESSED_BY_ROOTGUARD,
                        FINDING_FIELD: proof.finding_id,
                        RUN_FIELD: run_at,
                    },
                )
            )
    return Plan(changes=changes, left_alone=dict(left), root_findings=count)


def applied(findings: Iterable[Mapping[str, Any]], changes: Iterable[Change]) -> list[dict[str, Any]]:
    """The findings as they stand after `changes` (their workflow status, note and fields)."""
    by_id = {(c.product_arn, c.finding_id): c for c in changes}
    out = []
    for finding in findings:
        change = by_id.get((str(finding.get("ProductArn")), str(finding.get("Id"))))
        if change is None:
            out.append(dict(finding))
            continue
        out.append(
            {
                **finding,
                "Workflow": {"Status": change.workflow},
                "Note": {"Text": change.note, "UpdatedBy": NOTE_AUTHOR},
                "UserDefinedFields": dict(change.user_defined_fields),
            }
        )
    return out
