"""Control status and the security score, computed the way Security Hub CSPM documents it.

User guide, "Evaluating compliance status and control status" and "Calculating security scores" (quoted in
docs/score.md):

- a control's status comes from its findings, ignoring ARCHIVED ones and those whose workflow status is
  SUPPRESSED: **Failed** when at least one finding is FAILED; **Unknown** when at least one is WARNING or
  NOT_AVAILABLE and none FAILED; **Passed** when all are PASSED; **No data** when none is left ("A control also
  has this status if all of the findings are SUPPRESSED");
- a standard's score is its Passed controls over its enabled controls with data (No data is omitted), as a
  percentage rounded to the nearest whole number;
- an administrator's statuses and scores aggregate its member accounts: a control is Failed if one member's
  finding is.

A control counts in a standard when one of its active findings names the standard in
`Compliance.AssociatedStandards`. Security Hub shows scores it recomputes every 24 hours; what is printed here
is the same formula on the findings as they stand now.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rootguard.securityhub.controls import ROOT_USER_CONTROLS, standard_name

PASSED, FAILED, UNKNOWN, NO_DATA = "Passed", "Failed", "Unknown", "No data"


def _counts(finding: Mapping[str, Any]) -> bool:
    """Does this finding enter its control's status? Not when ARCHIVED or SUPPRESSED."""
    if finding.get("RecordState", "ACTIVE") != "ACTIVE":
        return False
    return (finding.get("Workflow") or {}).get("Status") != "SUPPRESSED"


def control_id(finding: Mapping[str, Any]) -> str | None:
    value = (finding.get("Compliance") or {}).get("SecurityControlId")
    return value if isinstance(value, str) and value else None


def standards_of(finding: Mapping[str, Any]) -> set[str]:
    associated = (finding.get("Compliance") or {}).get("AssociatedStandards") or []
    return {s["StandardsId"] for s in associated if isinstance(s, Mapping) and s.get("StandardsId")}


def status_from(compliance: Iterable[str]) -> str:
    values = set(compliance)
    if "FAILED" in values:
        return FAILED
    if values & {"WARNING", "NOT_AVAILABLE"}:
        return UNKNOWN
    if "PASSED" in values:
        return PASSED
    return NO_DATA


def control_statuses(findings: Iterable[Mapping[str, Any]], standard: str) -> dict[str, str]:
    """Control id -> status, for the controls of `standard` that have at least one finding."""
    seen: dict[str, list[str]] = {}
    for finding in findings:
        control = control_id(finding)
        if control is None or standard not in standards_of(finding):
            continue
        values = seen.setdefault(control, [])
        if _counts(finding):
            values.append(str((finding.get("Compliance") or {}).get("Status", "")))
    return {control: status_from(values) for control, values in sorted(seen.items())}


class Score(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    passed: int = 0
    with_data: int = 0

    @property
    def percent(self) -> int | None:
        """Passed over controls with data, to the nearest whole percent (halves up); None without data."""
        if not self.with_data:
            return None
        return (200 * self.passed + self.with_data) // (2 * self.with_data)

    def text(self) -> str:
        return "no data" if self.percent is None else f"{self.percent}%"


def score_of(statuses: Mapping[str, str]) -> Score:
    with_data = [s for s in statuses.values() if s != NO_DATA]
    return Score(passed=sum(s == PASSED for s in with_data), with_data=len(with_data))


class RootControlStatus(BaseModel):
    """A root-user control in one standard, before and after, and the accounts that still fail it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    control_id: str
    before: str
    after: str
    failing_accounts: list[str] = Field(default_factory=list)  # after: active, not suppressed, FAILED

    def text(self) -> str:
        change = self.before if self.before == self.after else f"{self.before} -> {self.after}"
        if self.failing_accounts:
            shown = ", ".join(self.failing_accounts[:5])
            more = f" and {len(self.failing_accounts) - 5} more" if len(self.failing_accounts) > 5 else ""
            change += f" (failing in {shown}{more})"
        return f"{self.control_id} {change}"


class StandardScore(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    standard: str
    name: str
    before: Score
    after: Score
    root_controls: list[RootControlStatus] = Field(default_factory=list)
    complete: bool = True  # False: only the root-user controls were read (the score is theirs alone)
    # Member accounts whose own score (what each sees in its own console) changed: account -> (before, after)
    members: dict[str, tuple[Score, Score]] = Field(default_factory=dict)

    def lines(self) -> list[str]:
        moved = (
            self.before.text()
            if self.before == self.after
            else f"{self.before.text()} -> {self.after.text()}"
        )
        counts = (
            f"{self.before.passed} of {self.before.with_data}"
            if self.before == self.after
            else f"{self.before.passed} of {self.before.with_data} -> {self.after.passed} of {self.after.with_data}"
        )
        scope = "controls passed" if self.complete else "root-user controls passed; other controls not read"
        head = f"{self.name}: {moved} ({counts} {scope})"
        out = [head, *(f"  {c.text()}" for c in self.root_controls)]
        if self.members:
            rose = sorted(a for a, (b, n) in self.members.items() if (n.percent or 0) > (b.percent or 0))
            fell = sorted(a for a, (b, n) in self.members.items() if (n.percent or 0) < (b.percent or 0))
            parts = []
            for label, accounts in (("rose", rose), ("fell", fell)):
                if accounts:
                    before, after = self.members[accounts[0]]
                    parts.append(
                        f"{len(accounts)} {label} (e.g. {accounts[0]}: {before.text()} -> {after.text()})"
                    )
            if parts:
                out.append(f"  member accounts' own scores: {'; '.join(parts)}")
        return out


def failing_accounts(findings: Iterable[Mapping[str, Any]], control: str, standard: str) -> list[str]:
    out = {
        str(f.get("AwsAccountId"))
        for f in findings
        if control_id(f) == control
        and standard in standards_of(f)
        and _counts(f)
        and (f.get("Compliance") or {}).get("Status") == "FAILED"
    }
    return sorted(out)


def _by_account(
    findings: Iterable[Mapping[str, Any]], accounts: set[str]
) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {a: [] for a in accounts}
    for finding in findings:
        account = str(finding.get("AwsAccountId"))
        if account in out:
            out[account].append(finding)
    return out


def standard_scores(
    standards: Iterable[str],
    before: list[Mapping[str, Any]],
    after: list[Mapping[str, Any]],
    *,
    complete: bool = True,
    changed_accounts: Iterable[str] = (),
) -> list[StandardScore]:
    """The score of each enabled standard before and after (the administrator's view, which aggregates its
    members), with its root-user controls' statuses, and the own scores of `changed_accounts` that moved."""
    accounts = set(changed_accounts)
    was_by, now_by = _by_account(before, accounts), _by_account(after, accounts)
    out = []
    for standard in standards:
        members: dict[str, tuple[Score, Score]] = {}
        for account in sorted(accounts):
            own_before = score_of(control_statuses(was_by[account], standard))
            own_after = score_of(control_statuses(now_by[account], standard))
            if own_before != own_after:
                members[account] = (own_before, own_after)
        was, now = control_statuses(before, standard), control_statuses(after, standard)
        roots = [
            RootControlStatus(
                control_id=control,
                before=was.get(control, NO_DATA),
                after=now.get(control, NO_DATA),
                failing_accounts=failing_accounts(after, control, standard),
            )
            for control in ROOT_USER_CONTROLS
            if control in was or control in now
        ]
        out.append(
            StandardScore(
                standard=standard,
                name=standard_name(standard),
                before=score_of(was),
                after=score_of(now),
                root_controls=roots,
                complete=complete,
                members=members,
            )
        )
    return out
