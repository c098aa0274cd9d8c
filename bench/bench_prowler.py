"""The Prowler path against its peers: rootguard's six checks inside Prowler, Prowler's built-in root access
check, and the standalone `rootguard scan`, all on the same served sandbox organization, in one run.

    .venv/bin/python bench/bench_prowler.py [--accounts 100] [--repeat 1]

1. `prowler aws -x checks/ --checks <the six rootguard ids>` against
2. `prowler aws --checks iam_root_credentials_management_enabled` (Prowler's built-in; it inventories IAM):
   the ratio (1)/(2) says what rootguard's checks add to an ordinary Prowler run (target <= 1.2).
3. `rootguard scan --output-dir DIR`: the ratio (1)/(3) says how much faster the standalone scan is.

Each command runs --repeat times in turn; the median wall time of each is compared. The organization has
--accounts accounts (the management account included), some with root credentials, both centralized root
access features on. While at it, the member check's statuses in Prowler's json-ocsf output are compared with
the standalone scan's results.json, account by account: "agree" or "DISAGREE" (exit status 1).

The sandbox is served from this process; the commands are separate processes reaching it through
AWS_ENDPOINT_URL, never AWS. Figures vary with machine load; the ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rootguard.models import NotEvaluatedReason, Result, Status
from rootguard.prowler.readers import ProwlerOutputError, read_prowler_ocsf
from rootguard.rules import CHECK_IDS, MEMBER_CHECK_ID
from rootguard.sandbox import Sandbox, Scenario, generate_scenario

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BUILTIN_CHECK = "iam_root_credentials_management_enabled"
SPEC = (
    "accounts={members} password=0.1 active_keys=0.05 inactive_keys=0.02 mfa=0.1 certificates=0.02 "
    "invited=0.3 suspended=0.02 ous=4 seed=23"
)
PROWLER_OK = (0, 3)  # 3: Prowler found FAILs
SCAN_OK = (0, 1, 3)  # 1: a check FAILED (--fail-on failed), 3: some results not evaluated
TIMEOUT_S = 1800

MemberStatus = tuple[Status, NotEvaluatedReason | None]


class BenchError(RuntimeError):
    """A command could not be measured; one line naming the command and why."""


@dataclass(frozen=True)
class Command:
    label: str
    argv: list[str]
    ok_codes: tuple[int, ...]
    outdir: Path  # where this command's outputs go; emptied before every run

    def __str__(self) -> str:
        return shlex.join(self.argv)


def scenario(accounts: int) -> Scenario:
    """An organization of `accounts` accounts in all: the management account and accounts - 1 members."""
    if accounts < 2:
        raise BenchError("--accounts must be at least 2 (the management account and one member)")
    return generate_scenario(SPEC.format(members=accounts - 1))


def commands(workdir: Path) -> list[Command]:
    prowler, rootguard = str(BIN / "prowler"), str(BIN / "rootguard")

    # Both Prowler runs write the same single output format, so neither pays for the other's reports.
    def prowler_out(name: str) -> list[str]:
        return ["--output-formats", "json-ocsf", "-o", str(workdir / name), "-F", "prowler", "--no-banner"]

    return [
        Command(
            "prowler -x checks/ (rootguard, 6 checks)",
            [prowler, "aws", "-x", str(ROOT / "checks"), "--checks", *CHECK_IDS, *prowler_out("custom")],
            PROWLER_OK,
            workdir / "custom",
        ),
        Command(
            f"prowler built-in {BUILTIN_CHECK}",
            [prowler, "aws", "--checks", BUILTIN_CHECK, *prowler_out("builtin")],
            PROWLER_OK,
            workdir / "builtin",
        ),
        Command(
            "rootguard scan",
            [rootguard, "scan", "--output-dir", str(workdir / "scan"), "--format", "json"],
            SCAN_OK,
            workdir / "scan",
        ),
    ]


def run_timed(cmd: Command, env: Mapping[str, str]) -> float:
    """Wall seconds of one run of cmd; BenchError when it exits with a status it should not."""
    shutil.rmtree(cmd.outdir, ignore_errors=True)  # stale outputs must not stand in for a run's own
    cmd.outdir.mkdir(parents=True)
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd.argv, env=dict(env), capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"{cmd.label}: no exit after {TIMEOUT_S} s") from None
    elapsed = time.perf_counter() - start
    if proc.returncode not in cmd.ok_codes:
        tail = (proc.stderr.strip().splitlines() or proc.stdout.strip().splitlines() or ["no output"])[-1]
        raise BenchError(f"{cmd.label}: exit {proc.returncode}: {tail[:300]}")
    return elapsed


def ocsf_file(outdir: Path) -> Path:
    found = sorted(outdir.glob("*.ocsf.json"))
    if not found:
        raise BenchError(f"{outdir}: Prowler wrote no json-ocsf file")
    return found[0]


def event_codes(ocsf: Path) -> set[str]:
    """The check ids that have at least one finding in a json-ocsf file."""
    items = json.loads(ocsf.read_text(encoding="utf-8") or "[]")
    return {str((item.get("metadata") or {}).get("event_code")) for item in items}


def scan_members(results_json: Path) -> dict[str, MemberStatus]:
    doc = json.loads(results_json.read_text(encoding="utf-8"))
    results = [Result.model_validate(item) for item in doc["results"]]
    return {r.resource.id: (r.status, r.reason) for r in results if r.check_id == MEMBER_CHECK_ID}


def prowler_members(ocsf: Path) -> tuple[dict[str, MemberStatus], list[str]]:
    imported = read_prowler_ocsf(ocsf)
    members = {r.resource.id: (r.status, r.reason) for r in imported.results if r.check_id == MEMBER_CHECK_ID}
    return members, imported.problems


def _show(value: MemberStatus | None) -> str:
    if value is None:
        return "missing"
    status, reason = value
    return status.value if reason is None else f"{status.value}({reason.value})"


def compare(prowler: Mapping[str, MemberStatus], scan: Mapping[str, MemberStatus]) -> list[str]:
    """One line per account whose member-check status differs between the two paths (empty: they agree)."""
    return [
        f"{account}: prowler {_show(prowler.get(account))}, scan {_show(scan.get(account))}"
        for account in sorted(set(prowler) | set(scan))
        if prowler.get(account) != scan.get(account)
    ]


def _counts(members: Mapping[str, MemberStatus]) -> str:
    tally: dict[str, int] = {}
    for value in members.values():
        tally[_show(value)] = tally.get(_show(value), 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(tally.items()))


def _times(label: str, runs: Sequence[float]) -> str:
    each = " ".join(f"{t:.1f}" for t in runs)
    return f"  {label}: median {statistics.median(runs):.2f} s (runs: {each})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--accounts", type=int, default=100, help="accounts in the organization (default 100)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each command; the median counts")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    try:
        org = scenario(args.accounts)
    except BenchError as exc:
        parser.error(str(exc))

    with tempfile.TemporaryDirectory(prefix="rootguard-bench-prowler-") as tmp:
        workdir = Path(tmp)
        cmds = commands(workdir)
        sb = Sandbox(org).serve()
        # Prowler's IAM inventory calls actions moto does not implement; the server would print a traceback
        # for each (the client gets an error response and Prowler carries on).
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
        try:
            env = {**os.environ, **sb.env()}
            env.pop("ROOTGUARD_CONFIG", None)
            print(f"organization: {args.accounts} accounts, both features on, served at {sb.endpoint_url}")
            for i, cmd in enumerate(cmds, 1):
                print(f"({i}) {cmd}")
            times: list[list[float]] = [[] for _ in cmds]
            try:
                for _ in range(args.repeat):
                    for cmd, runs in zip(cmds, times, strict=True):
                        runs.append(run_timed(cmd, env))
            except BenchError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
        finally:
            sb.stop()

        print("wall time:")
        for i, (cmd, runs) in enumerate(zip(cmds, times, strict=True), 1):
            print(_times(f"({i}) {cmd.label}", runs))
        custom, builtin, scan = (statistics.median(runs) for runs in times)
        print(
            f"ratio (1)/(2) prowler rootguard checks / prowler built-in: {custom / builtin:.2f} (target <= 1.2)"
        )
        print(f"ratio (1)/(3) prowler rootguard checks / rootguard scan: {custom / scan:.1f}x (target >> 1)")

        try:
            custom_ocsf, builtin_ocsf = ocsf_file(cmds[0].outdir), ocsf_file(cmds[1].outdir)
            ran = event_codes(custom_ocsf)
            if BUILTIN_CHECK not in event_codes(builtin_ocsf):
                print(f"warning: the built-in run reported no {BUILTIN_CHECK} finding", file=sys.stderr)
            from_prowler, problems = prowler_members(custom_ocsf)
            from_scan = scan_members(cmds[2].outdir / "results.json")
        except (BenchError, ProwlerOutputError, OSError, ValueError, KeyError) as exc:
            print(f"error: cannot compare the outputs: {exc}", file=sys.stderr)
            return 2
    missing = sorted(set(CHECK_IDS) - ran)
    print(f"checks reported by Prowler: {len(CHECK_IDS) - len(missing)}/{len(CHECK_IDS)}", end="")
    print(f" (missing: {', '.join(missing)})" if missing else "")
    differences = compare(from_prowler, from_scan) + [f"unreadable Prowler finding: {p}" for p in problems]
    print(f"member check statuses, prowler: {_counts(from_prowler)}")
    print(f"member check statuses, scan:    {_counts(from_scan)}")
    if differences or missing or not from_scan:
        print(f"prowler vs scan ({MEMBER_CHECK_ID}): DISAGREE ({len(differences)} differences)")
        for line in differences[:10]:
            print(f"  {line}")
        return 1
    print(f"prowler vs scan ({MEMBER_CHECK_ID}): agree ({len(from_scan)} accounts)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
