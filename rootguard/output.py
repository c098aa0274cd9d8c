"""What a scan leaves behind: a readable table, the results file, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from rootguard.models import Result, Status
from rootguard.rules import MEMBER_CHECK_ID


def write_atomic(path: Path, text: str) -> Path:
    """Write text to path through a temporary file in the same folder, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def results_document(results: Sequence[Result], meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "rootguard": meta,
        "summary": summarize(results),
        "results": [r.model_dump(mode="json") for r in results],
    }


def summarize(results: Iterable[Result]) -> dict[str, Any]:
    by_check: dict[str, Counter[str]] = {}
    for r in results:
        by_check.setdefault(r.check_id, Counter())[r.status.value] += 1
    total: Counter[str] = Counter()
    for counts in by_check.values():
        total.update(counts)
    return {
        "total": {s.value: total.get(s.value, 0) for s in Status},
        "by_check": {cid: {s.value: c.get(s.value, 0) for s in Status} for cid, c in by_check.items()},
    }


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


def dump_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n"
