"""What the CLI prints: the results table, the files a run wrote, the publish summary.

The table reads top to bottom the way a person acts on it: the organization's checks (the management
account's root user among them), then each member account that needs attention, then the member counts and
the files last, so that on a large organization the summary is what stays on the screen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from rootguard.models import ResourceKind, Result, Status
from rootguard.outputs import stream_findings, stream_results
from rootguard.reports.posture import is_out_of_scope
from rootguard.rules import MEMBER_CHECK_ID
from rootguard.scan import ScanOutcome

MARK = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.NOT_EVALUATED: "N/E "}
LEGEND = "N/E = not evaluated; the reason in brackets says why (docs/checks.md)."


def _reason(r: Result) -> str:
    return f"[{r.reason.value}] " if r.status is Status.NOT_EVALUATED and r.reason is not None else ""


def _about_the_organization(r: Result) -> bool:
    """A member-check result about the whole organization, not one member: on the organization, or, when the
    organization itself could not be read, on the caller's account in its stead."""
    return r.resource.kind is not ResourceKind.ACCOUNT or "organization_error" in r.details


def print_table(results: Sequence[Result], out: TextIO, *, show_pass: bool = True) -> None:
    """Organization checks, then the member accounts that need attention, then the member counts."""
    org = [r for r in results if r.check_id != MEMBER_CHECK_ID]
    member = [r for r in results if r.check_id == MEMBER_CHECK_ID and not _about_the_organization(r)]
    member_org = [r for r in results if r.check_id == MEMBER_CHECK_ID and _about_the_organization(r)]
    width = max((len(r.check_id) for r in org), default=10)
    if org:
        out.write("Organization\n")
        for r in org:
            out.write(f"  {MARK[r.status]}  {r.check_id:<{width}}  {_reason(r)}{r.message}\n")
    if member or member_org:
        out.write("\nMember accounts\n")
        shown = sorted(member, key=lambda r: (r.status is not Status.FAIL, r.status.value, r.resource.id))
        for r in shown:
            if r.status is Status.PASS and not show_pass:
                continue
            name = f" ({r.resource.name})" if r.resource.name else ""
            out.write(f"  {MARK[r.status]}  {r.resource.id}{name}: {_reason(r)}{r.message}\n")
        for r in member_org:
            out.write(f"  {MARK[r.status]}  {_reason(r)}{r.message}\n")
        out.write(f"  {member_summary(member, member_org)}\n")
    if any(r.status is Status.NOT_EVALUATED for r in results):
        out.write(f"\n{LEGEND}\n")


def member_summary(member: Sequence[Result], member_org: Sequence[Result]) -> str:
    """The member counts; never a "clean" count when the account list is incomplete or could not be read."""
    counts = Counter(r.status for r in member)
    not_evaluated = [r for r in member if r.status is Status.NOT_EVALUATED]
    out_of_scope = sum(map(is_out_of_scope, not_evaluated))
    gaps = [r for r in member_org if r.status is Status.NOT_EVALUATED]
    if any("organization_error" in r.details for r in gaps):
        return "Member accounts: NOT EVALUATED; the organization could not be read, so no member was listed"
    if gaps:
        return (
            f"Member accounts: account list INCOMPLETE; of the {len(member)} listed, "
            f"{counts.get(Status.FAIL, 0)} with root credentials and {len(not_evaluated)} not evaluated "
            "(no count of clean accounts: some accounts were not seen)"
        )
    if not member:
        return "Member accounts: none"
    scope = f" ({out_of_scope} of them out of scope)" if out_of_scope else ""
    return (
        f"Member accounts: {counts.get(Status.PASS, 0)} clean, {counts.get(Status.FAIL, 0)} with root "
        f"credentials, {len(not_evaluated)} not evaluated{scope}"
    )


def print_outcome(outcome: ScanOutcome, fmt: str, out: TextIO) -> None:
    # Standard output's encoding is the locale's (ASCII under LANG=C, cp1252 in places): escape what it may
    # not encode, as the files need not (they are UTF-8).
    if fmt == "json":
        stream_results(out, outcome.results, outcome.meta, ascii_only=True)
        return
    if fmt == "asff":
        stream_findings(out, outcome.findings, ascii_only=True)
        return
    print_table(outcome.results, out, show_pass=False)
    out.write("\nFiles:\n")
    for name, path in outcome.files.items():
        out.write(f"  {name}: {path}\n")
    if outcome.dry_run:
        out.write(
            f"Dry run: {len(outcome.findings)} findings would be published to Security Hub CSPM; nothing was "
            f"sent (they are in {outcome.files.get('asff')}).\n"
        )
    if outcome.publish_report is not None:
        out.write(f"{outcome.publish_report.summary()}\n")
    if outcome.reconcile_report is not None:
        out.writelines(f"{line}\n" for line in outcome.reconcile_report.lines())
