"""`rootguard remediate ...`: dry run unless --apply, a confirmation unless --yes, always an audit log."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import boto3

from rootguard.aws import home_region
from rootguard.cli.exitcodes import EXIT_PARTIAL
from rootguard.errors import AwsSetupError, UsageError
from rootguard.settings import Config

if TYPE_CHECKING:
    from rootguard.remediate import AuditLog

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


def _describe(args: argparse.Namespace) -> str:
    """The run's first audit line names the command and its targets."""
    if args.rem_command == "delete-root-credentials":
        targets = "--all-failing" if args.all_failing else " ".join(dict.fromkeys(args.account))
        return f"delete-root-credentials {targets}"
    if args.rem_command == "allow-password-recovery":
        return f"allow-password-recovery {args.account}"
    return str(args.rem_command)


def run(
    args: argparse.Namespace,
    session: boto3.Session,
    cfg: Config,
    output_dir: Path,
    out: TextIO | None = None,
) -> int:
    """Open the audit log before anything is read or changed, settle what an earlier run left unfinished,
    then run the command. A log that cannot be opened is one line, exit 2, nothing changed; a log that stops
    taking writes mid-run stops the run (exit 3 once a change was recorded: the log says which)."""
    from rootguard.remediate import AuditLog
    from rootguard.remediate.audit_log import AuditLogError

    out = out or sys.stdout  # looked up per call: the stream may be replaced after import
    log_path = Path(args.audit_log) if args.audit_log else output_dir / AUDIT_LOG
    audit = AuditLog(log_path)
    audit.open()  # AuditLogError is a UsageError: exit 2 before anything else happens
    try:
        audit.start(_describe(args), dry_run=not args.apply)
        try:
            code = _run(args, session, cfg, audit, out)
        except BaseException as exc:
            if not isinstance(exc, AuditLogError):
                audit.end(
                    "STOPPED", dry_run=not args.apply, error=str(exc).splitlines()[0] if str(exc) else ""
                )
            raise
        audit.end("FINISHED" if code == 0 else "FINISHED_WITH_PROBLEMS", dry_run=not args.apply)
    except AuditLogError as exc:
        if not exc.changes_recorded:
            raise
        print(
            f"rootguard: error: {exc}; stopped after {exc.changes_recorded} recorded change(s), nothing more was "
            "changed: see the INTENT lines of the log",
            file=sys.stderr,
        )
        return EXIT_PARTIAL
    finally:
        audit.close()
    out.write(f"Audit log: {log_path}\n")
    return code


def _run(args: argparse.Namespace, session: boto3.Session, cfg: Config, audit: AuditLog, out: TextIO) -> int:
    from rootguard.remediate import (
        RemediationError,
        allow_password_recovery,
        apply_plan,
        enable_centralized_root,
        plan_delete_root_credentials,
    )
    from rootguard.remediate.recover import settle_open_intents

    mode = "APPLY" if args.apply else "dry run (add --apply to make changes)"
    try:
        region = home_region(session, cfg.home_region)
        for unfinished in settle_open_intents(session, region, audit):
            out.write(f"{unfinished.line()}\n")
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
            return 0 if outcome.ok else EXIT_PARTIAL
        if args.rem_command == "allow-password-recovery":
            _confirm(f"Allow root password recovery in {args.account}?", args, out)
            result = allow_password_recovery(session, args.account, region, audit, apply=args.apply)
            out.write(f"Allow password recovery in {args.account}: {mode}: {result.step.status.value}\n")
            return 0
        if args.rem_command == "enable-centralized-root":
            _confirm("Enable trusted access for IAM and both centralized root access features?", args, out)
            enabled = enable_centralized_root(session, region, audit, apply=args.apply)
            out.write(f"Enable centralized root access in {enabled.organization_id}: {mode}\n")
            for step in enabled.steps:
                out.write(f"  {step.action} {step.target}: {step.status.value}\n")
            return 0
    except RemediationError as exc:
        raise AwsSetupError(str(exc)) from None
    raise UsageError(f"unknown remediation {args.rem_command!r}")
