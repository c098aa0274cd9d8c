"""Peak memory of publishing many findings, against one copy of the findings, in fresh processes.

    .venv/bin/python bench/bench_publish_memory.py [--count 52223] [--bound 1.5] [--cli]

A publish of 52,223 findings once peaked at 816 MB: the findings were held several times over (the input,
the hub's stored copies, per-batch copies, serialized strings, the spool text). This measures, in a fresh
process per case, how much the resident set grows during the publish compared with what the findings
themselves take once loaded:

    ratio = (peak RSS during the run - RSS before the findings were loaded) / (RSS the loaded findings take)

so 1.0 would be the findings and nothing else; the bound says how much working memory on top is acceptable.
Fixed costs (interpreter, boto3, botocore's Security Hub model, the client) are paid before the baseline.
Cases, each in its own process against the same served sandbox (its own process, so its memory is not ours):

1. first publish: an empty hub, every finding new;
2. second publish: the hub already holds every finding (the usual scheduled run: the existing-finding read
   returns all of them, each keeps its CreatedAt and is updated);
3. hub disabled: every finding goes to the spool;
4. resume: the hub enabled again, the spool replayed (no findings list in memory: the spool is the input, so
   the ratio is against the same one-copy size);
5. with --cli, cli-file: `rootguard publish FILE` of the same findings as one ASFF JSON array (read,
   validated against the ASFF schema, published with the default settings, so paced at Security Hub's real
   quotas: minutes for 50,000 findings), against the one-copy size measured in case 1.

Peak RSS is Linux's VmHWM, reset through /proc/self/clear_refs right before the measured call. Findings are
distinct objects (each parsed from its own JSON), about 3.5 KB each when serialized, like rootguard's own.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

MGMT = "111111111111"
ORG = "o-benchmem001"
REGION = "us-east-1"
MEMBER_CHECK = "iam_member_root_credentials_absent"
RUN_1 = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
RUN_2 = RUN_1 + timedelta(days=1)
MB = 1024 * 1024
CASES = ("first", "second", "disabled", "resume")


# ------------------------------------------------------------------------------------------ the findings


def write_findings(path: Path, count: int) -> int:
    """`count` findings as JSON Lines: a few built by rootguard, then varied per account. Returns the bytes."""
    from rootguard.findings import Placement, build_findings
    from rootguard.models import ResourceKind, Result, ResultResource, Status

    templates = build_findings(
        [
            Result(
                check_id=MEMBER_CHECK,
                status=status,
                resource=ResultResource(
                    kind=ResourceKind.ACCOUNT,
                    id="900000000000",
                    arn=f"arn:aws:organizations::{MGMT}:account/{ORG}/900000000000",
                    name="member-900000000000",
                ),
                message=f"Root user of member-900000000000 (900000000000): {status.value}.",
                details={"kinds": ["password", "active access keys"]}
                if status is Status.FAIL
                else {"kinds": []},
            )
            for status in (Status.PASS, Status.FAIL)
        ],
        Placement(account_id=MGMT, region=REGION),
        RUN_1,
    )
    texts = [json.dumps(t, separators=(",", ":")) for t in templates]
    size = 0
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            account = f"{900000000000 + i:012d}"
            line = texts[0 if i % 5 else 1].replace("900000000000", account) + "\n"
            handle.write(line)
            size += len(line)
    return size


# ------------------------------------------------------------------------------------------ the sandbox


@contextlib.contextmanager
def served_sandbox(folder: Path) -> Iterator[dict[str, str]]:
    """The sandbox in its own process, quotas lifted; yields the environment that reaches it."""
    scenario = {
        "name": "bench-publish-memory",
        "seed": 3,
        "organization": {"id": ORG, "management_account": {"id": MGMT}, "feature_set": "ALL"},
        "securityhub": {"enabled": {MGMT: [REGION]}},
        "faults": {"default_quotas": False},
    }
    (folder / "scenario.json").write_text(json.dumps(scenario))
    out = folder / "sandbox.env"
    with out.open("w") as handle:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rootguard.sandbox",
                "--scenario",
                str(folder / "scenario.json"),
                "--port",
                "0",
            ],
            stdout=handle,
            stderr=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 120
        while "# ready" not in out.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the sandbox did not start")
            time.sleep(0.2)
        env: dict[str, str] = {}
        for line in out.read_text().splitlines():
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").partition("=")
                env[name] = value.strip("'\"")
        yield env
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# ------------------------------------------------------------------------------------------ the child


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status (Linux only)")


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def child(case: str, findings_file: Path, folder: Path) -> dict[str, Any]:
    """One measured case in this fresh process; returns the figures."""
    import logging

    import boto3

    from rootguard.securityhub import Publisher, PublishSettings

    logging.getLogger("rootguard").setLevel(logging.CRITICAL)
    settings = PublishSettings(
        spool_path=folder / "securityhub-spool.jsonl",
        rate_per_second=100,  # the sandbox's quotas are lifted: pace only as much as settings allow
        burst=1000,
        read_rate_per_second=100,
        read_burst=1000,
        backoff_base_s=0,
        backoff_cap_s=0,
        retry_rounds=0,
    )
    session = boto3.Session()
    publisher = Publisher(session, settings)
    publisher.caller()  # STS, and the fixed costs of clients, before the baseline
    with contextlib.suppress(Exception):
        session.client("securityhub").get_findings(MaxResults=1)
    if case == "cli-file":
        return cli_child(findings_file, folder)
    gc.collect()
    base = _status("VmRSS")
    findings = [json.loads(line) for line in findings_file.open(encoding="utf-8")]
    gc.collect()
    one_copy = max(_status("VmRSS") - base, 4096)  # a tiny run can measure nothing: one page at least
    if case == "resume":
        del findings
        gc.collect()
    _reset_peak()
    started = time.perf_counter()
    report: Any
    try:
        if case == "resume":
            report = publisher.resume()
        else:
            run_at = RUN_2 if case == "second" else RUN_1
            report = publisher.publish(
                findings, checks_ran=[MEMBER_CHECK], run_at=run_at, completed_checks=[]
            )
    except Exception as exc:  # the disabled hub ends the publish with SecurityHubNotEnabledError
        report = getattr(exc, "report", None)
        if report is None:
            raise
    seconds = time.perf_counter() - started
    peak = _status("VmHWM")
    return {
        "base": base,
        "one_copy": one_copy,
        "peak": peak,
        "seconds": seconds,
        "imported": report.imported,
        "updated": report.updated,
        "spooled": report.spooled,
    }


def cli_child(findings_file: Path, folder: Path) -> dict[str, Any]:
    """`rootguard publish FILE` (FILE: the findings as one JSON array), in this process."""
    import io
    import logging

    from rootguard.cli import main as cli_main
    from rootguard.findings.validate import validate_findings

    array = folder / "findings.asff.json"
    with array.open("w", encoding="utf-8") as out:
        out.write("[" + ",".join(line.strip() for line in findings_file.open(encoding="utf-8")) + "]")
    validate_findings([json.loads(next(iter(findings_file.open(encoding="utf-8"))))])  # load the validator
    logging.getLogger("rootguard").setLevel(logging.CRITICAL)
    gc.collect()
    base = _status("VmRSS")
    _reset_peak()
    started = time.perf_counter()
    sys.stdout = io.StringIO()
    try:
        code = cli_main(["publish", str(array), "--output-dir", str(folder / "cli-out"), "--region", REGION])
    finally:
        printed, sys.stdout = sys.stdout.getvalue(), sys.__stdout__
    seconds = time.perf_counter() - started
    if code not in (0, 3):
        raise SystemExit(f"rootguard publish exited {code}: {printed.strip()}")
    return {
        "base": base,
        "one_copy": 0,
        "peak": _status("VmHWM"),
        "seconds": seconds,
        "summary": printed.strip(),
    }


def run_child(case: str, findings_file: Path, folder: Path, env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", case, "--file", str(findings_file), "--folder", str(folder)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"case {case} failed: {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def set_hub(env: dict[str, str], enabled: bool) -> None:
    import boto3

    with _environment(env):
        client = boto3.Session().client("securityhub")
        if enabled:
            client.enable_security_hub(EnableDefaultStandards=False)
        else:
            client.disable_security_hub()


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=52_223)
    parser.add_argument("--bound", type=float, default=1.5, help="largest acceptable ratio (default 1.5)")
    parser.add_argument(
        "--cli",
        action="store_true",
        help="also case 5, `rootguard publish FILE` (paced at the real read quota)",
    )
    parser.add_argument("--child", choices=[*CASES, "cli-file"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.file, args.folder)))
        return 0

    with tempfile.TemporaryDirectory(prefix="rootguard-bench-mem-") as tmp:
        folder = Path(tmp)
        findings_file = folder / "findings.jsonl"
        size = write_findings(findings_file, args.count)
        print(f"{args.count} findings, {size / MB:.1f} MB as JSON ({size / args.count / 1024:.1f} KB each)")
        worst = 0.0
        one_copy = 0
        with served_sandbox(folder) as env:
            for case in [*CASES, *(["cli-file"] if args.cli else [])]:
                if case == "disabled":
                    set_hub(env, enabled=False)
                if case == "resume":
                    set_hub(env, enabled=True)
                r = run_child(case, findings_file, folder, env)
                if case == "cli-file":
                    r["one_copy"] = one_copy
                    ratio = (r["peak"] - r["base"]) / one_copy
                    worst = max(worst, ratio)
                    print(
                        f"{case:>8}: one copy {one_copy / MB:6.1f} MB (case 1), peak {r['peak'] / MB:6.1f} MB "
                        f"(+{(r['peak'] - r['base']) / MB:6.1f} MB over the baseline {r['base'] / MB:.1f} MB), "
                        f"ratio {ratio:4.2f} (bound <= {args.bound:g}); {r['seconds']:.1f} s; {r['summary']}"
                    )
                    continue
                one_copy = one_copy or r["one_copy"]
                ratio = (r["peak"] - r["base"]) / r["one_copy"]
                worst = max(worst, ratio)
                print(
                    f"{case:>8}: one copy {r['one_copy'] / MB:6.1f} MB, peak {r['peak'] / MB:6.1f} MB "
                    f"(+{(r['peak'] - r['base']) / MB:6.1f} MB over the baseline {r['base'] / MB:.1f} MB), "
                    f"ratio {ratio:4.2f} (bound <= {args.bound:g}); {r['seconds']:.1f} s, imported "
                    f"{r['imported']}, updated {r['updated']}, spooled {r['spooled']}"
                )
        verdict = "within" if worst <= args.bound else "OVER"
        print(f"worst ratio {worst:.2f}: {verdict} the bound {args.bound:g}")
        return 0 if worst <= args.bound else 1


if __name__ == "__main__":
    sys.exit(main())
