"""`rootguard demo`: the whole job on the embedded sandbox organization.

Serves the demo scenario, runs the standalone scan and publishes to the sandbox's Security Hub, runs the real
`prowler aws --checks-folder checks/` against the same sandbox and shows that both agree, then prints what a
person would see in Security Hub.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TextIO

from rootguard.models import Status
from rootguard.rules import MEMBER_CHECK_ID
from rootguard.settings import Config


def _prowler(env: dict[str, str], out_dir: Path, check_ids: list[str]) -> Path | None:
    from rootguard.prowler import checks_path

    exe = shutil.which("prowler", path=str(Path(sys.executable).parent)) or shutil.which("prowler")
    if exe is None:
        return None
    # Prowler appends to an output file of the same name: a second demo would read two runs glued together.
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [exe, "aws", "--checks-folder", str(checks_path()), "--checks", *check_ids]
    cmd += ["--output-formats", "json-ocsf", "-o", str(out_dir), "-F", "prowler", "--no-banner"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode not in (0, 3):  # 3: Prowler found FAILs
        raise RuntimeError(f"prowler exited {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}")
    return out_dir / "prowler.ocsf.json"


def run(*, scenario: str | None, output_dir: Path, with_prowler: bool, out: TextIO) -> int:
    from rootguard.cli.printing import print_outcome
    from rootguard.prowler.readers import read_prowler_ocsf
    from rootguard.rules import CHECK_IDS
    from rootguard.sandbox import DEMO_SCENARIO, Sandbox
    from rootguard.scan import run_scan

    source = scenario or DEMO_SCENARIO
    out.write(f"rootguard demo: serving the sandbox organization from {Path(source).name}\n")
    with Sandbox(source).serve() as sb:
        session = sb.session()
        started = time.monotonic()
        outcome = run_scan(session, Config(), output_dir=output_dir, publish=True, member_audit=True)
        scan_s = time.monotonic() - started
        out.write(f"\n== Standalone scan ({scan_s:.1f} s) ==\n")
        print_outcome(outcome, "table", out)

        if with_prowler:
            out.write("\n== Prowler: prowler aws --checks-folder checks/ (about half a minute) ==\n")
            started = time.monotonic()
            env = {**os.environ, **sb.env()}
            ocsf = _prowler(env, output_dir / "prowler", list(CHECK_IDS))
            if ocsf is None:
                out.write("  skipped: Prowler is not installed (pip install 'rootguard[prowler]')\n")
            else:
                prowler = {(r.check_id, r.resource.id): r.status for r in read_prowler_ocsf(ocsf).results}
                ours = {(r.check_id, r.resource.id): r.status for r in outcome.results}
                same = sum(prowler.get(k) == v for k, v in ours.items())
                verdict = "agree" if same == len(ours) == len(prowler) else "DISAGREE"
                out.write(
                    f"  {time.monotonic() - started:.1f} s; Prowler and the standalone scan {verdict} on "
                    f"{same} of {len(ours)} results\n  Prowler output: {ocsf}\n"
                )
                if verdict != "agree":
                    return 1

        out.write("\n== What Security Hub shows ==\n")
        hub = session.client("securityhub")
        pages = hub.get_paginator("get_findings").paginate(
            Filters={
                "GeneratorId": [{"Value": "rootguard/", "Comparison": "PREFIX"}],
                "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
            }
        )
        stored = [f for page in pages for f in page["Findings"]]
        by_status = Counter(f.get("Compliance", {}).get("Status", "?") for f in stored)
        out.write(
            f"  {len(stored)} active rootguard findings: "
            + ", ".join(f"{k} {v}" for k, v in sorted(by_status.items()))
            + "\n"
        )
        out.write("  Accounts to fix:\n")
        for r in outcome.results:
            if r.check_id == MEMBER_CHECK_ID and r.status is Status.FAIL:
                out.write(
                    f"    {r.resource.id} ({r.resource.name}): {', '.join(r.details.get('kinds', []))}\n"
                )
        out.write("  Files:\n")
        for name, path in outcome.files.items():
            out.write(f"    {name}: {path}\n")
    return 0
