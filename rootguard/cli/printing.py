"""What the CLI prints: the results table, the files a run wrote, the publish summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from rootguard.models import Result, Status
from rootguard.outputs import dump_json, results_document
from rootguard.rules import MEMBER_CHECK_ID
from rootguard.scan import ScanOutcome

_MARK = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.NOT_EVALUATED: "N/E "}


def print_table(results: Sequence[Result], out: TextIO, *, show_pass: bool = True) -> None:
    """A compact table: organization checks first, then one line per member account that needs attention."""
    org = [r for r in results if r.check_id != MEMBER_CHECK_ID]
    member = [r for r in results if r.check_id == MEMBER_CHECK_ID]
    width = max((len(r.check_id) for r in results), default=10)
    if org:
        out.write("Organization\n")
        for r in org:
            out.write(f"  {_MARK[r.status]}  {r.check_id:<{width}}  {r.message}\n")
    if member:
        counts = Counter(r.status for r in member)
        out.write(
            f"\nMember accounts: {counts.get(Status.PASS, 0)} clean, {counts.get(Status.FAIL, 0)} with root "
            f"credentials, {counts.get(Status.NOT_EVALUATED, 0)} not evaluated\n"
        )
        for r in sorted(member, key=lambda r: (r.status != Status.FAIL, r.status.value, r.resource.id)):
            if r.status == Status.PASS and not show_pass:
                continue
            name = f" ({r.resource.name})" if r.resource.name else ""
            out.write(f"  {_MARK[r.status]}  {r.resource.id}{name}: {r.message}\n")


def print_outcome(outcome: ScanOutcome, fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write(dump_json(results_document(outcome.results, outcome.meta)))
        return
    if fmt == "asff":
        out.write(dump_json(outcome.findings))
        return
    print_table(outcome.results, out, show_pass=False)
    out.write("\nFiles:\n")
    for name, path in outcome.files.items():
        out.write(f"  {name}: {path}\n")
    if outcome.publish_report is not None:
        out.write(f"{outcome.publish_report.summary()}\n")
    if outcome.reconcile_report is not None:
        out.writelines(f"{line}\n" for line in outcome.reconcile_report.lines())


def progress_printer(stream: TextIO):
    def show(done: int, total: int) -> None:
        stream.write(f"\rauditing member accounts: {done}/{total}")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show
