"""`rootguard demo`: the whole job on the embedded sandbox organization.

Serves the demo scenario, runs the standalone scan and publishes to the sandbox's Security Hub CSPM, runs the
real `prowler aws --checks-folder "$(rootguard prowler checks-folder)"` against the same sandbox and shows that
both agree, prints what a person would see in Security Hub CSPM, then reconciles the standard root-user controls
(IAM.4, IAM.6, IAM.9) with the scan's proof as the Security Hub CSPM administrator and shows each standard's score
before and after. Needs the sandbox extra; without the prowler extra the Prowler step is skipped with a line
that says how to install it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from rootguard.cli.extras import install_command, require
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
    require("sandbox", "rootguard demo")
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
            out.write(
                '\n== Prowler: prowler aws --checks-folder "$(rootguard prowler checks-folder)" '
                "(about half a minute) ==\n"
            )
            started = time.monotonic()
            env = {**os.environ, **sb.env()}
            ocsf = _prowler(env, output_dir / "prowler", list(CHECK_IDS))
            if ocsf is None:
                out.write(f"  skipped: Prowler is not installed ({install_command('prowler')})\n")
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

        out.write("\n== What Security Hub CSPM shows ==\n")
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

        admin = sb.scenario.securityhub.administrator_of(sb.scenario.organization)
        if admin is not None:
            out.write(
                "\n== Security Hub CSPM score: IAM.4, IAM.6 and IAM.9 reconciled with the scan's proof, as the "
                f"Security Hub CSPM administrator {admin} ==\n"
            )
            first = _reconcile(sb, admin, outcome.results, output_dir, out, detail=True)
            last = _remediate_and_rescore(sb, admin, session, outcome, output_dir, out) or first
            moved = ", ".join(
                f"{a.name} {a.before.text()} -> {b.after.text()}"
                for a, b in zip(first.scores, last.scores, strict=True)
            )
            out.write(f"\n  Security score since the demo began (administrator's view): {moved}\n")
    _where_reports(outcome.files, output_dir, out)
    return 0


def _where_reports(files: dict[str, Path], output_dir: Path, out: TextIO) -> None:
    """Last, so it stays on the screen: where the reports are and how to render them again."""
    out.write("\n== Reports ==\n")
    for key, what in (("html", "HTML report"), ("csv", "CSV"), ("ocsf", "OCSF (Compliance Finding)")):
        if key in files:
            out.write(f"  {what}: {files[key]}\n")
    if "html" in files:
        out.write(f"  Open {files['html'].resolve().as_uri()} in a browser.\n")
    out.write(f"  Render them again, with a trend over several runs: rootguard report {output_dir}\n")


def _reconcile(sb, admin: str, results, output_dir: Path, out: TextIO, *, detail: bool):  # type: ignore[no-untyped-def]
    """The scan's proof, applied by the Security Hub administrator (the security account, also the IAM
    delegated administrator), which sees and updates every member's control findings."""
    from rootguard.aws import identify
    from rootguard.publishing import reconcile_controls

    session = sb.session(admin)
    report = reconcile_controls(
        session,
        Config(),
        results,
        caller=identify(session),
        output_dir=output_dir,
        run_at=datetime.now(UTC),
        apply=True,
    )
    out.writelines(f"  {line}\n" for line in report.lines(detail=detail))
    return report


def _remediate_and_rescore(sb, admin: str, session, outcome, output_dir: Path, out: TextIO):  # type: ignore[no-untyped-def]
    """A control's status in the administrator's view is Failed while any member fails it: delete the leftover
    root credentials that can be deleted, let Security Hub run its daily checks, scan and reconcile again."""
    from rootguard.remediate import AuditLog, apply_plan, plan_delete_root_credentials
    from rootguard.sandbox import securityhub
    from rootguard.scan import collect_and_evaluate
    from rootguard.securityhub.proof import NEEDED_CHECKS

    failing = [
        r.resource.id for r in outcome.results if r.check_id == MEMBER_CHECK_ID and r.status is Status.FAIL
    ]
    if not failing:
        return None
    out.write(
        f"\n== After `rootguard remediate delete-root-credentials --all-failing --apply` ({len(failing)} accounts) "
        "and Security Hub CSPM's next daily checks ==\n"
    )
    plan = plan_delete_root_credentials(session, failing, sb.region)
    done = apply_plan(session, plan, sb.region, AuditLog(output_dir / "remediation-audit.jsonl"), apply=True)
    for account in done.accounts:
        out.write(f"  {account.account_id}: {account.status.value}\n")
    securityhub.run_security_checks(sb.region)
    _, results = collect_and_evaluate(session, Config(), list(NEEDED_CHECKS))
    report = _reconcile(sb, admin, results, output_dir, out, detail=False)
    out.write(
        "  The accounts still failing are the ones rootguard cannot audit (here: the Sandbox OU, whose deny-root\n"
        "  SCP blocks root sessions): add the `aws:AssumedRoot` exemption to the SCP and scan again.\n"
    )
    return report
