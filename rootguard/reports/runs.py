"""Reading results.json files back for `rootguard report`: one run, or many runs of one organization.

Every problem is one line naming the file (InputError, exit 2). Runs are read one at a time: the trend keeps
only each run's counts, and only the latest run is kept whole to be rendered, so memory does not grow with the
number of runs.
"""

from __future__ import annotations

import glob
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rootguard.errors import InputError
from rootguard.files import read_json, validation_message
from rootguard.models import Result
from rootguard.outputs import RESULTS_FILE
from rootguard.reports.posture import Posture, posture_of

log = logging.getLogger("rootguard.reports")
_GLOB_CHARS = frozenset("*?[")


@dataclass
class Run:
    """One scan's results file."""

    path: Path
    meta: dict[str, Any]
    results: list[Result]
    run_at: datetime

    @property
    def organization(self) -> str | None:
        org = self.meta.get("organization")
        return org if isinstance(org, str) and org else None

    @property
    def checks(self) -> list[str] | None:
        checks = self.meta.get("checks")
        return [c for c in checks if isinstance(c, str)] if isinstance(checks, list) else None

    def posture(self) -> Posture:
        return posture_of(self.results, self.checks)


@dataclass(frozen=True)
class RunPoint:
    """One run as the trend sees it: when, which organization, and its counts."""

    path: Path
    run_at: datetime
    organization: str | None
    posture: Posture


def parse_run_at(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_run(path: str | Path) -> Run:
    """A rootguard results.json; InputError (one line) for anything else."""
    p = Path(path)
    doc = read_json(p, InputError)
    if not isinstance(doc, dict) or "results" not in doc:
        raise InputError(f"{p}: not a rootguard results file (no 'results')")
    meta = doc.get("rootguard")
    if not isinstance(meta, dict):
        raise InputError(
            f"{p}: not a rootguard results file (no 'rootguard' section with the run's metadata)"
        )
    run_at = parse_run_at(meta.get("run_at"))
    if run_at is None:
        raise InputError(f"{p}: rootguard.run_at is missing or not an ISO 8601 date-time")
    records = doc["results"]
    if not isinstance(records, list):
        raise InputError(f"{p}: 'results' must be a list of results, not {type(records).__name__}")
    if not records:
        raise InputError(f"{p}: holds no results: nothing to report")
    results = []
    for i, record in enumerate(records):
        try:
            results.append(Result.model_validate(record))
        except ValidationError as exc:
            raise InputError(f"{p}: results[{i}].{validation_message(exc)}") from None
    return Run(path=p, meta=meta, results=results, run_at=run_at)


def expand(inputs: Iterable[str]) -> list[Path]:
    """Files, folders (every results.json under them, as the scheduled scan stores runs by date) and glob
    patterns (for shells that do not expand them), each path once, in the order given."""
    out: list[Path] = []
    seen: set[Path] = set()
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(p.rglob(RESULTS_FILE))
            if not found:
                raise InputError(f"{p}: no {RESULTS_FILE} in this folder or below it")
        elif not p.exists() and _GLOB_CHARS & set(item):
            found = sorted(Path(m) for m in glob.glob(item, recursive=True) if Path(m).is_file())
            if not found:
                raise InputError(f"{item}: matches no file")
        else:
            found = [p]  # read_run names a missing file
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    if not out:
        raise InputError("no results file given")
    return out


def read_runs(paths: Iterable[Path]) -> tuple[Run, list[RunPoint]]:
    """The latest run, whole, and every run's point for the trend (oldest first, one per run: the same run
    stored twice, as the scheduled scan's runs/ and state/ copies are, counts once). InputError when the
    files are not all of one organization."""
    latest: Run | None = None
    points: dict[tuple[str | None, datetime], RunPoint] = {}
    for path in paths:
        run = read_run(path)
        key = (run.organization, run.run_at)
        if key in points:
            log.info("%s: the same run as %s; counted once", path, points[key].path)
            continue
        points[key] = RunPoint(path, run.run_at, run.organization, run.posture())
        if latest is None or run.run_at > latest.run_at:
            latest = run
        del run
    assert latest is not None
    organizations = sorted({p.organization or "unknown" for p in points.values()})
    if len(organizations) > 1:
        raise InputError(
            f"the results are of {len(organizations)} organizations ({', '.join(organizations)}): "
            "report one organization's runs at a time"
        )
    return latest, sorted(points.values(), key=lambda p: p.run_at)
