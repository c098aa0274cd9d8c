"""What a run leaves for people and tools beyond results.json: the CSV, OCSF and HTML reports, the trend over
several runs, and the posture metrics (CloudWatch Embedded Metric Format).

    from rootguard.reports import write_reports
    files = write_reports(output_dir, results, meta, formats=["csv", "json-ocsf", "html"])

A small registry, one writer per format, each found by its name in Prowler's spelling (`--output-formats`):
`csv`, `json-ocsf`, `html`; `json-asff` is the ASFF file rootguard.outputs writes. Every writer streams its
rows to a temporary file renamed over the target (rootguard.files.open_atomic). Reports read results and
write files: they never call AWS (an import contract in setup.cfg says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rootguard.models import Result
from rootguard.reports.csv_report import CSV_FILE, write_csv
from rootguard.reports.html import HTML_FILE, write_html
from rootguard.reports.ocsf import OCSF_FILE, write_ocsf
from rootguard.reports.runs import RunPoint
from rootguard.settings import DEFAULT_REPORT_FORMATS, OUTPUT_FORMATS, REPORT_FORMATS

CSV = "csv"
OCSF = "json-ocsf"
ASFF = "json-asff"
HTML = "html"
# OUTPUT_FORMATS (rootguard.settings): every format `--output-formats` takes, in Prowler's spelling; a scan
# writes all of them by default.
# REPORT_FORMATS, DEFAULT_REPORT_FORMATS (rootguard.settings): what `rootguard report` renders again.
# The key each file has in a scan's `files` (printed after a run) and its file name.
FILES: dict[str, tuple[str, str]] = {
    CSV: ("csv", CSV_FILE),
    OCSF: ("ocsf", OCSF_FILE),
    HTML: ("html", HTML_FILE),
}


def write_reports(
    output_dir: Path,
    results: Sequence[Result],
    meta: dict[str, Any],
    formats: Sequence[str],
    *,
    history: Sequence[RunPoint] | None = None,
    source: str | None = None,
) -> dict[str, Path]:
    """Write the report formats among `formats` (json-asff is not one: rootguard.outputs writes it) into
    `output_dir`; returns {files key: path}, in report order."""
    out: dict[str, Path] = {}
    for fmt in (CSV, OCSF, HTML):
        if fmt not in formats:
            continue
        key, name = FILES[fmt]
        path = output_dir / name
        if fmt == CSV:
            out[key] = write_csv(path, results, meta)
        elif fmt == OCSF:
            out[key] = write_ocsf(path, results, meta)
        else:
            out[key] = write_html(path, results, meta, history=history, source=source)
    return out


__all__ = [
    "ASFF",
    "CSV",
    "DEFAULT_REPORT_FORMATS",
    "HTML",
    "OCSF",
    "OUTPUT_FORMATS",
    "REPORT_FORMATS",
    "write_reports",
]
