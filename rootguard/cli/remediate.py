"""`rootguard remediate ...`: dry run unless --apply, a confirmation unless --yes, always an audit log."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

import boto3

from rootguard.aws import home_region
from rootguard.errors import AwsSetupError, UsageError
from rootguard.settings import Config

AUDIT_LOG = "remediation-audit.jsonl"


def _confirm(question: str, args: argparse.Namespace, out: TextIO) -> None:
    """Ask before a change; --yes answers for pipelines. Without a terminal and without --yes, refuse."""
    if not args.apply or args.yes:
        return
    if not sys.stdin.isatty():
        raise UsageError("--apply changes AWS accounts: confirm at a terminal or pass --yes")
    out.write(f"{question} [y/N] ")
    out.flush()
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise UsageError("not confirmed; nothing was changed")


def _failing_accounts(session: boto3.Session, cfg: Config) -> list[str]:
    """The member accounts the scan would report FAIL, collected and judged exactly as `rootguard scan` does."""
    from rootguard.models import Status
    from rootguard.rules import MEMBER_CHECK_ID
    from rootguard.scan import collect_and_evaluate

    _, results = collect_and_evaluate(session, cfg, [MEMBER_CHECK_ID])
    return [r.resource.id for r in results if r.status is Status.FAIL]


def run(
    args: argparse.Namespace, session: boto3.Session, cfg: Config, output_dir: Path, out: TextIO = sys.stdout
) -> int:
    from rootguard.remediate import (
        AuditLog,
        RemediationError,
        allow_password_recovery,
        apply_plan,
        enable_centralized_root,
        plan_delete_root_credentials,
    )

    region = home_region(session, cfg.home_region)
    log_path = Path(args.audit_log) if args.audit_log else output_dir / AUDIT_LOG
    audit = AuditLog(log_path)
    mode = "APPLY" if args.apply else "dry run (add --apply to make changes)"
    try:
        if args.rem_command == "delete-root-credentials":
            accounts = (
                _failing_accounts(session, cfg) if args.all_failing else list(dict.fromkeys(args.account))
            )
            if not accounts:
                out.write("No member account has root credentials: nothing to do.\n")
                return 0
            plan = plan_delete_root_credentials(session, accounts, region)
            out.write(f"Delete member root credentials: {mode}\n")
            for acct in plan.accounts:
                what = (
                    ", ".join(f"{c.kind.value} {c.masked_id}".strip() for c in acct.credentials)
                    or acct.error
                    or acct.status.value
                )
                out.write(f"  {acct.account_id} ({acct.status.value}): {what}\n")
            _confirm(f"Delete these root credentials in {len(plan.accounts)} account(s)?", args, out)
            outcome = apply_plan(session, plan, region, audit, apply=args.apply)
            for acct in outcome.accounts:
                extra = f": {acct.error}" if acct.error else ""
                clean = (
                    ""
                    if acct.clean is None
                    else (" (re-audit: clean)" if acct.clean else " (re-audit: NOT clean)")
                )
                out.write(f"  {acct.account_id}: {acct.status.value}{clean}{extra}\n")
            out.write(f"Audit log: {log_path}\n")
            return 0 if outcome.ok else 3
        if args.rem_command == "allow-password-recovery":
            _confirm(f"Allow root password recovery in {args.account}?", args, out)
            result = allow_password_recovery(session, args.account, region, audit, apply=args.apply)
            out.write(f"Allow password recovery in {args.account}: {mode}: {result.step.status.value}\n")
            out.write(f"Audit log: {log_path}\n")
            return 0
        if args.rem_command == "enable-centralized-root":
            _confirm("Enable trusted access for IAM and both centralized root access features?", args, out)
            enabled = enable_centralized_root(session, region, audit, apply=args.apply)
            out.write(f"Enable centralized root access in {enabled.organization_id}: {mode}\n")
            for step in enabled.steps:
                out.write(f"  {step.action} {step.target}: {step.status.value}\n")
            out.write(f"Audit log: {log_path}\n")
            return 0
    except RemediationError as exc:
        raise AwsSetupError(str(exc)) from None
    raise UsageError(f"unknown remediation {args.rem_command!r}")
