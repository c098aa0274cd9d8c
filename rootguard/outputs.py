"""What a scan leaves behind: results.json and the ASFF file, as data and as files (written atomically)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rootguard.files import open_atomic, write_atomic
from rootguard.models import Result, Status

RESULTS_FILE = "results.json"
ASFF_FILE = "findings.asff.json"


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


def results_document(results: Sequence[Result], meta: dict[str, Any]) -> dict[str, Any]:
    return {
        "rootguard": meta,
        "summary": summarize(results),
        "results": [r.model_dump(mode="json") for r in results],
    }


def dump_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n"


def write_results(path: Path, results: Sequence[Result], meta: dict[str, Any]) -> Path:
    return write_atomic(path, dump_json(results_document(results, meta)))


def write_findings(path: Path, findings: Sequence[dict[str, Any]]) -> Path:
    """The ASFF file, streamed (json.dump writes piece by piece): the same bytes as dump_json, without the
    whole file as one string beside the findings (twice their JSON size with the indentation)."""
    with open_atomic(path) as handle:
        json.dump(findings if isinstance(findings, list) else list(findings), handle, indent=2, default=str)
        handle.write("\n")
    return path
