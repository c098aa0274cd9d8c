"""results.csv: one row per result, in the columns a spreadsheet user filters on (`--output-formats csv`).

RFC 4180 (comma-separated, CRLF, double quotes), UTF-8 with a byte order mark so that spreadsheet programs read
account names outside ASCII correctly. Written row by row to a temporary file renamed over the target: memory
does not grow with the organization.

Account names and messages come from AWS and are not trusted: a field that a spreadsheet would run as a
formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading `'`, as OWASP
recommends, and so is a field that itself starts with `'`; :func:`read_csv` strips exactly that prefix, so the
file reads back to the same results. The last column, `details`, is the result's structured details as JSON.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rootguard.files import open_atomic
from rootguard.models import NotEvaluatedReason, ResourceKind, Result, ResultResource, Status
from rootguard.reports.catalog import finding_id_of, severity_of, title_of
from rootguard.reports.posture import CREDENTIAL_KINDS, credential_counts, is_member_result

CSV_FILE = "results.csv"
BOM = "\ufeff"
COLUMNS: tuple[str, ...] = (
    "run_at",
    "organization_id",
    "check_id",
    "check_title",
    "status",
    "reason",
    "severity",
    "resource_kind",
    "resource_id",
    "resource_name",
    "resource_arn",
    "joined_method",
    "joined_timestamp",
    "ou_path",
    "root_credentials",
    *(key for key, _ in CREDENTIAL_KINDS),
    "message",
    "finding_id",
    "details",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralize(value: str) -> str:
    """A field a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def unneutralize(value: str) -> str:
    return value[1:] if value.startswith("'") else value


def row_of(result: Result, run_at: str, organization: str) -> list[str]:
    details = result.details
    member = is_member_result(result)
    counts = credential_counts(result) if member and result.status is Status.FAIL else {}
    ou_path = details.get("ou_path") or []
    values: list[Any] = [
        run_at,
        organization,
        result.check_id,
        title_of(result.check_id),
        result.status.value,
        result.reason.value if result.reason else "",
        severity_of(result),
        result.resource.kind.value,
        result.resource.id,
        result.resource.name,
        result.resource.arn,
        details.get("joined_method", "") if member else "",
        (details.get("joined_timestamp") or "") if member else "",
        "/".join(str(p) for p in ou_path) if isinstance(ou_path, list) else str(ou_path),
        "; ".join(str(k) for k in details.get("kinds") or []) if counts else "",
        *(counts.get(key, "") if counts else "" for key, _ in CREDENTIAL_KINDS),
        result.message,
        finding_id_of(result),
        json.dumps(details, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=str),
    ]
    return [neutralize(str(v)) for v in values]


def write_csv(path: Path, results: Iterable[Result], meta: dict[str, Any]) -> Path:
    run_at = str(meta.get("run_at") or "")
    organization = str(meta.get("organization") or "")
    with open_atomic(path) as handle:
        handle.write(BOM)
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for result in results:
            writer.writerow(row_of(result, run_at, organization))
    return Path(path)


def read_csv(path: Path) -> Iterator[dict[str, str]]:
    """The rows of a results.csv as dicts, with the formula guard undone."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {key: unneutralize(value) for key, value in row.items()}


def result_of(row: dict[str, str]) -> Result:
    """The Result a row was written from (the CSV carries every field of it)."""
    return Result(
        check_id=row["check_id"],
        status=Status(row["status"]),
        reason=NotEvaluatedReason(row["reason"]) if row["reason"] else None,
        resource=ResultResource(
            kind=ResourceKind(row["resource_kind"]),
            id=row["resource_id"],
            arn=row["resource_arn"],
            name=row["resource_name"],
        ),
        message=row["message"],
        details=json.loads(row["details"]),
    )
