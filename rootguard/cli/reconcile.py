"""`rootguard securityhub reconcile`: the standard root-user controls against a fresh proof.

Collects and judges what the proof needs (the member check and both centralized root access features), plans
in the Security Hub administrator's hub, shows the plan and the scores, and changes the findings only with
--apply (after a confirmation, unless --yes). Every change, planned or made, goes to the audit log.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import boto3

from rootguard.cli.exitcodes import EXIT_OK, EXIT_PARTIAL
from rootguard.errors import UsageError
from rootguard.settings import Config


def _confirm(question: str, args: argparse.Namespace, out: TextIO) -> bool:
    """Ask before changing findings; --yes answers for pipelines. Without a terminal and without --yes,
    refuse (exit 2). False: the person said no."""
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError("--apply changes Security Hub CSPM findings: confirm at a terminal or pass --yes")
    out.write(f"{question} [y/N] ")
    out.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def run(
    args: argparse.Namespace, session: boto3.Session, cfg: Config, output_dir: Path, out: TextIO | None = None
) -> int:
    from rootguard.publishing import audit_log_path, prepare_reconciliation
    from rootguard.remediate import AuditLog
    from rootguard.scan import collect_and_evaluate
    from rootguard.securityhub.proof import NEEDED_CHECKS

    out = out or sys.stdout
    facts, results = collect_and_evaluate(session, cfg, list(NEEDED_CHECKS))
    run_at = datetime.now(UTC)
    reconciler, prepared = prepare_reconciliation(session, cfg, results, caller=facts.caller, run_at=run_at)
    log_path = audit_log_path(output_dir, args.audit_log)
    audit = AuditLog(log_path)
    apply = bool(args.apply)
    changes = prepared.plan.changes
    if apply and changes and not args.yes:
        preview = reconciler.execute(prepared, apply=False, audit=None)
        out.writelines(f"{line}\n" for line in preview.lines(detail=True))
        if not _confirm(f"Change {len(changes)} Security Hub CSPM finding(s)?", args, out):
            raise UsageError("not confirmed; nothing was changed")
    report = reconciler.execute(prepared, apply=apply, audit=audit)
    out.writelines(f"{line}\n" for line in report.lines(detail=True))
    if changes:
        out.write(f"Audit log: {log_path}\n")
    return EXIT_PARTIAL if report.failed or report.errors else EXIT_OK
