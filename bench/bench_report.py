"""The HTML report of a 10,000-account organization: render time against the 2-second bound, page size, and
how long a browser takes to make it usable.

    .venv/bin/python bench/bench_report.py [--accounts 10000] [--repeat 3] [--seed 7] [--no-browser]
    .venv/bin/python -m bench report --accounts 10000

Two results files of `--accounts` member accounts (plus the five organization-level results): the findings
benchmark's mix (about 82% clean, 12% with root credentials, 6% not evaluated) and the worst case, every member
with root credentials, so every account is a row of the accounts-to-fix table. For each, what `rootguard report
FILE --output-formats html` does in-process, `--repeat` times: read and validate results.json
(rootguard.reports.runs.read_runs), then write report.html (rootguard.reports.html.write_html); the median
against the bound (target <= 1.0), the page's size, and, with Chromium installed, the seconds from opening the
file to the report's script having paged the tables (tools/headless.py). Figures vary with load; the ratio to
the bound is what to compare.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_findings import make_results

from rootguard.files import write_atomic
from rootguard.models import ResourceKind, Result, Status
from rootguard.outputs import dump_json, results_document
from rootguard.reports.html import write_html
from rootguard.reports.runs import expand, read_runs

BOUND_S = 2.0
ROOT = Path(__file__).resolve().parents[1]
META = {
    "version": "0.1.0",
    "run_at": "2025-06-01T12:00:00+00:00",
    "caller": "arn:aws:iam::111122223333:role/rootguard-scanner",
    "organization": "o-abc123def4",
    "checks": [
        "organizations_iam_trusted_access_enabled",
        "iam_org_root_credentials_management_enabled",
        "iam_org_root_sessions_enabled",
        "iam_member_root_credentials_absent",
        "organizations_scps_allow_root_sessions",
        "organizations_iam_delegated_admin_allowed",
    ],
}


def all_failing(results: list[Result]) -> list[Result]:
    out = []
    for r in results:
        if r.resource.kind is ResourceKind.ACCOUNT and r.status is not Status.FAIL:
            details = {**r.details, "kinds": ["password", "active access keys"]}
            r = r.model_copy(update={"status": Status.FAIL, "reason": None, "details": details})
        out.append(r)
    return out


def render(path: Path, out: Path) -> tuple[float, float, int]:
    """Seconds to read the results file, seconds to write the page, and the page's bytes."""
    started = time.perf_counter()
    latest, points = read_runs(expand([str(path)]))
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    write_html(out, latest.results, latest.meta, history=points, source=str(path))
    return read_s, time.perf_counter() - started, out.stat().st_size


def browser_ready(page: Path) -> float | None:
    """Seconds from opening the page to its script having run (None without Chromium)."""
    sys.path.insert(0, str(ROOT / "tools"))
    from headless import Browser, find_chromium

    if find_chromium() is None:
        return None
    with Browser.start() as browser:
        started = time.perf_counter()
        tab = browser.open(page.resolve().as_uri(), timeout=120)
        while tab.evaluate("document.documentElement.dataset.ready") != "true":
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        errors = tab.console_errors()
        if errors:
            raise RuntimeError(f"the page logged errors: {errors[:3]}")
        return elapsed


def measure(name: str, results: list[Result], work: Path, repeat: int, browser: bool) -> dict[str, Any]:
    source = work / name / "results.json"
    source.parent.mkdir(parents=True)
    write_atomic(source, dump_json(results_document(results, META)))
    runs = [render(source, work / name / "report.html") for _ in range(repeat)]
    total = [r + w for r, w, _ in runs]
    median = statistics.median(total)
    failing = sum(1 for r in results if r.resource.kind is ResourceKind.ACCOUNT and r.status is Status.FAIL)
    print(
        f"{name}: {len(results):,} results, {failing:,} accounts to fix; results.json "
        f"{source.stat().st_size / 1e6:.1f} MB"
    )
    print(
        f"  read + render: median {median:.2f} s (runs: {' '.join(f'{t:.2f}' for t in total)}); "
        f"of which read {statistics.median(r for r, _, _ in runs):.2f} s, "
        f"render {statistics.median(w for _, w, _ in runs):.2f} s"
    )
    print(f"  page: {runs[-1][2] / 1e6:.2f} MB")
    print(f"  ratio to the {BOUND_S:.0f} s bound: {median / BOUND_S:.2f} (target <= 1.0)")
    ready = browser_ready(work / name / "report.html") if browser else None
    if browser:
        print(
            "  browser: Chromium not installed"
            if ready is None
            else f"  browser: usable (script ran) in {ready:.2f} s"
        )
    return {"median": median}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000, help="member accounts")
    parser.add_argument("--repeat", type=int, default=3, help="renders per file; the median is compared")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium measurement")
    args = parser.parse_args(argv)
    if args.accounts < 1 or args.repeat < 1:
        parser.error("--accounts and --repeat must be at least 1")
    typical = make_results(args.accounts + 5, args.seed)
    print(
        f"report benchmark: {args.accounts:,} member accounts, {args.repeat} runs each; Python {sys.version.split()[0]}"
    )
    with tempfile.TemporaryDirectory(prefix="rootguard-bench-report-") as tmp:
        work = Path(tmp)
        figures = [
            measure("typical mix", typical, work, args.repeat, not args.no_browser),
            measure("every member failing", all_failing(typical), work, args.repeat, not args.no_browser),
        ]
    return 0 if all(f["median"] <= BOUND_S for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
