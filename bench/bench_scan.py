"""A whole `rootguard scan` against a served sandbox: wall time against the latency-bound ideal, the member
audit alone, and peak memory.

    .venv/bin/python bench/bench_scan.py [--accounts 1000,10000] [--latency-ms 30] [--workers 16] [--repeat 3]

For each organization size, a sandbox is served from its own process with `--latency-ms` on every call, and:

1. `rootguard scan` runs end to end in a fresh process (the console entry point: imports, identity,
   organization read, member audit, rules, findings, results.json and findings.asff.json, the table), --repeat
   times. Its wall time is compared with the latency-bound ideal of the whole scan: every member-audit call
   (AssumeRoot and the root-session reads, counted by the sandbox) spread over the workers, plus every other
   call one after another, except the account listings (ListAccountsForParent, ListOrganizationalUnitsForParent,
   ListAccounts), which overlap the audit. Its peak RSS is the process's own high-water mark (VmHWM).
2. The member audit alone of the same accounts (rootguard.collect.members.audit_members, the accounts known
   beforehand, in this process) with the same workers: what the scan adds to its audit, organization read
   included, is scan / audit.
3. The sandbox's CPU per served call during the scans, and the machine's load average.

Target (issue 15, on 2 cores with the sandbox on the same cores): 10,000 accounts at 30 ms in at most 45 s,
the scan within 1.15x of its audit, peak RSS under 200 MB. Medians of --repeat; figures vary with load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_audit import ServedSandbox

LISTINGS = frozenset(
    {
        "organizations:ListAccountsForParent",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListAccounts",
    }
)
# `rootguard scan` as its console script runs it, reporting the process's own peak RSS when it exits.
SCAN = """
import atexit, sys
def _peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write("bench-peak-rss-kb " + line.split()[1] + "\\n")
atexit.register(_peak)
from rootguard.cli import main
sys.exit(main())
"""
MB = 1024


def scan(served: ServedSandbox, workers: int) -> dict[str, Any]:
    """One `rootguard scan` in a fresh process: wall seconds, peak RSS, the calls the sandbox served."""
    served.ask("calls")  # forget earlier calls
    cpu_before = served.ask("cpu")
    with tempfile.TemporaryDirectory() as out:
        argv = [sys.executable, "-c", SCAN, "scan", "--output-dir", out, "--max-workers", str(workers)]
        started = time.perf_counter()
        proc = subprocess.run(
            argv, env={**os.environ, **served.env}, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - started
        results = Path(out, "results.json").stat().st_size if Path(out, "results.json").exists() else 0
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(
            f"rootguard scan failed ({proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}"
        )
    peak = next(
        int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("bench-peak-rss-kb")
    )
    calls: dict[tuple[str, str], int] = served.ask("calls")
    cpu = served.ask("cpu") - cpu_before
    return {"wall": wall, "peak_kb": peak, "calls": calls, "server_cpu": cpu, "results_bytes": results}


def audit_alone(served: ServedSandbox, workers: int, latency_ms: float) -> tuple[float, int]:
    """The member audit of every member account, the accounts read beforehand: seconds and accounts."""
    from rootguard.aws import ClientFactory
    from rootguard.collect import CollectConfig, collect_facts
    from rootguard.collect.members import MemberPlan, audit_members

    session = served.session()
    served.ask("latency", 0)
    facts = collect_facts(session, CollectConfig(member_audit=False), progress=lambda d, t: None)
    served.ask("latency", latency_ms)
    assert facts.organization is not None
    management = facts.organization.management_account_id
    members = [a for a in facts.accounts if a.id != management]
    plan = MemberPlan(management_account_id=management, partition=facts.caller.partition, root_sessions=True)
    factory = ClientFactory(session, facts.caller.region, 8)
    started = time.perf_counter()
    audit_members(members, plan, factory, max_workers=workers)
    return time.perf_counter() - started, len(members)


def ideal(calls: dict[tuple[str, str], int], latency_s: float, workers: int) -> tuple[float, int, int]:
    """(seconds, member-audit calls, other calls that do not overlap the audit)."""
    audit = sum(
        n for (action, kind), n in calls.items() if action == "sts:AssumeRoot" or kind == "root-session"
    )
    other = sum(
        n
        for (action, kind), n in calls.items()
        if not (action == "sts:AssumeRoot" or kind == "root-session") and action not in LISTINGS
    )
    return latency_s * (audit / workers + other), audit, other


def bench(accounts: int, args: argparse.Namespace) -> None:
    print(
        f"== {accounts} accounts, {args.latency_ms:g} ms on every call, {args.workers} workers, load {_load()}"
    )
    served = ServedSandbox(accounts)
    try:
        served.ask("latency", args.latency_ms)
        runs = [scan(served, args.workers) for _ in range(args.repeat)]
        audits = (
            [audit_alone(served, args.workers, args.latency_ms)[0] for _ in range(args.repeat)]
            if not args.no_audit
            else []
        )
        calls_per_scan = sum(runs[-1]["calls"].values())
    finally:
        served.close()
    walls = [r["wall"] for r in runs]
    wall = statistics.median(walls)
    best, audit_calls, other = ideal(runs[-1]["calls"], args.latency_ms / 1000, args.workers)
    listing = sum(n for (action, _), n in runs[-1]["calls"].items() if action in LISTINGS)
    peak = statistics.median(r["peak_kb"] for r in runs) / MB
    server_ms = statistics.median(1000 * r["server_cpu"] / max(1, sum(r["calls"].values())) for r in runs)
    print(
        f"calls per scan: {calls_per_scan} ({audit_calls} member audit, {listing} account listing "
        f"overlapped with it, {other} others)"
    )
    print(
        f"rootguard scan: median {wall:.1f} s (runs: {' '.join(f'{w:.1f}' for w in walls)}); latency-bound "
        f"ideal of the whole scan {best:.1f} s; ideal/scan {best / wall:.2f}"
        + (f" (target: at most 45 s at 10,000 accounts and 30 ms: {'met' if wall <= 45 else 'NOT met'})"
           if accounts >= 10_000 else "")
    )  # fmt: skip
    if audits:
        audit = statistics.median(audits)
        print(
            f"member audit alone (accounts known beforehand): median {audit:.1f} s (runs: "
            f"{' '.join(f'{a:.1f}' for a in audits)}); scan/audit {wall / audit:.2f} (target <= 1.15)"
        )
    peaks = " ".join(f"{r['peak_kb'] / MB:.0f}" for r in runs)
    target = " (target < 200 MB)" if accounts >= 10_000 else ""
    print(
        f"peak RSS of the scan: median {peak:.0f} MB (runs: {peaks}){target}; "
        f"results.json {runs[-1]['results_bytes'] / 1e6:.1f} MB"
    )
    print(f"sandbox CPU per served call during the scans: median {server_ms:.2f} ms; load now {_load()}")


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default="1000,10000", help="comma-separated organization sizes")
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-audit", action="store_true", help="skip the audit-alone runs")
    args = parser.parse_args(argv)
    for accounts in (int(a) for a in args.accounts.split(",") if a):
        bench(accounts, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
