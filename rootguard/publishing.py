"""Publishing to Security Hub CSPM from a scan, a file, Prowler output or a spool; its one-time set-up; and the
reconciliation of the standard root-user controls with a run's proof.

What `rootguard publish` can read is decided here, with one-line InputError for a file that is not one of
them; the sending itself is rootguard's Security Hub publisher.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from pydantic import ValidationError

from rootguard.aws import identify
from rootguard.errors import InputError
from rootguard.files import read_json, validation_message
from rootguard.findings.build import Placement, build_findings
from rootguard.findings.validate import FindingValidationError, validate_findings
from rootguard.models import Caller, ResourceKind, Result
from rootguard.securityhub import Publisher, setup_insights
from rootguard.securityhub.proof import proofs_from_results
from rootguard.securityhub.reconciler import Prepared, Reconciler, ReconcileReport
from rootguard.securityhub.spool import SpoolError, inspect_spool
from rootguard.settings import AUDIT_LOG_FILE, SPOOL_FILE, Config

DRY_RUN_FILE = "publish-dry-run.asff.json"

log = logging.getLogger("rootguard.publishing")


PlacementFor = Placement | Callable[[Result], Placement]


def placement_for(cfg: Config, caller: Caller) -> PlacementFor:
    """Central placement files everything under the scanning account; per-member files member results in
    the member account they describe (organization results stay with the scanning account)."""
    central = Placement(account_id=caller.account_id, region=caller.region, partition=caller.partition)
    if cfg.securityhub.placement == "central":
        return central

    def per_member(result: Result) -> Placement:
        if result.resource.kind is ResourceKind.ACCOUNT and result.resource.id != caller.account_id:
            return Placement(account_id=result.resource.id, region=caller.region, partition=caller.partition)
        return central

    return per_member


def _publisher(session: boto3.Session, cfg: Config, output_dir: Path, caller: Caller | None) -> Publisher:
    return Publisher(session, cfg.publish_settings(output_dir / SPOOL_FILE), caller=caller)


def spool_problem(output_dir: Path) -> str | None:
    """Why the spool of `output_dir` cannot be used (a folder in its place, unreadable), or None. Checked
    before a run starts, so a publish never fails half way on it."""
    spool = output_dir / SPOOL_FILE
    if spool.is_dir():
        return f"{spool}: is a folder, not a spool file; move it away"
    if spool.exists() and not os.access(spool, os.R_OK | os.W_OK):
        return f"{spool}: the spool cannot be read and rewritten; fix its permissions"
    return None


def _check_spool(output_dir: Path) -> None:
    problem = spool_problem(output_dir)
    if problem:
        raise InputError(problem)


def _resume_input(path: str) -> None:
    """A spool given to `publish --resume` must hold at least one usable entry: otherwise one line naming the
    file and its first bad line, exit 2, and the file is left as it is."""
    try:
        summary = inspect_spool(path)
    except SpoolError as exc:
        raise InputError(str(exc)) from None
    if summary.entries:
        return
    if not Path(path).exists():
        raise InputError(f"{path}: no such spool file")
    if not summary.bad:
        raise InputError(f"{path}: the spool is empty: nothing to replay")
    first = summary.bad[0]
    raise InputError(f"{path}: no usable spool entry (line {first.number}: {first.problem})")


def publish_findings(
    session: boto3.Session,
    cfg: Config,
    findings: list[dict[str, Any]],
    *,
    caller: Caller,
    output_dir: Path,
    checks_ran: list[str],
    completed_checks: list[str],
    run_at: datetime,
) -> Any:
    """Replay the spool of `output_dir` (what an earlier run could not import), then import a scan's findings
    and archive what its completed checks no longer produce."""
    _check_spool(output_dir)
    return _publisher(session, cfg, output_dir, caller).publish(
        findings,
        checks_ran=checks_ran,
        completed_checks=completed_checks,
        run_at=run_at,
        replay_spool=True,
    )


class PublishInput:
    """A file handed to `rootguard publish`, read and checked before any AWS call: rootguard results (the
    findings are built once the placement is known) or ASFF findings (already validated)."""

    def __init__(
        self, path: Path, results: list[Result] | None = None, asff: list[dict[str, Any]] | None = None
    ):
        self.path = path
        self.results = results
        self.asff = asff

    def findings(
        self, placement: Any, run_at: datetime, *, strict: bool = False
    ) -> tuple[list[dict[str, Any]], list[str]]:
        if self.asff is not None:
            findings = self.asff
        else:
            try:
                findings = build_findings(self.results or [], placement, run_at, strict=strict)
            except (ValueError, FindingValidationError) as exc:
                raise InputError(f"{self.path}: {str(exc).splitlines()[0]}") from None
        checks = sorted({str(f.get("GeneratorId", "")).removeprefix("rootguard/") for f in findings})
        return findings, checks


def read_publish_input(path: Path) -> PublishInput:
    """Read and check a results.json or an ASFF array; InputError (one line naming the file) otherwise."""
    doc = read_json(path, InputError)
    if isinstance(doc, dict) and "results" in doc:  # a rootguard results.json
        records = doc["results"]
        if not isinstance(records, list):
            raise InputError(f"{path}: 'results' must be a list of results, not {type(records).__name__}")
        results: list[Result] = []
        for i, record in enumerate(records):
            try:
                results.append(Result.model_validate(record))
            except ValidationError as exc:
                raise InputError(f"{path}: results[{i}].{validation_message(exc)}") from None
        if not results:
            raise InputError(f"{path}: holds no results: nothing to publish")
        return PublishInput(path, results=results)
    if isinstance(doc, list):  # an ASFF array
        if not doc:
            raise InputError(f"{path}: holds no findings: nothing to publish")
        findings = list(doc)
        try:
            validate_findings(findings)
        except FindingValidationError as exc:
            raise InputError(f"{path}: {str(exc).splitlines()[0]}") from None
        return PublishInput(path, asff=findings)
    raise InputError(f"{path}: neither a rootguard results file nor an ASFF JSON array")


def publish_source(
    session: boto3.Session,
    cfg: Config,
    *,
    file: str | None,
    from_prowler: str | None,
    resume: str | None,
    output_dir: Path,
    dry_run: bool,
) -> Any:
    """`rootguard publish`: a results/ASFF file, a Prowler output file, or a spool to replay. The input is
    read and checked before any AWS call: a bad file is exit 2 whether or not AWS can be reached."""
    from rootguard.prowler.readers import ProwlerOutputError, build_findings_from, read_prowler_output

    if resume:
        _resume_input(resume)
        return _publisher(session, cfg, output_dir, None).resume(resume)
    if from_prowler:
        if Path(from_prowler).suffix.lower() == ".csv":
            raise InputError(
                f"{from_prowler}: Prowler's CSV is not read (it lacks what a finding needs); run Prowler with "
                "--output-formats json-ocsf and publish that file"
            )
        try:
            imported = read_prowler_output(from_prowler)
        except ProwlerOutputError as exc:
            raise InputError(str(exc)) from None
        if not imported.results:
            raise InputError(
                f"{from_prowler}: no rootguard findings ({imported.ignored} of other checks, {imported.dropped} "
                "unreadable): run Prowler with rootguard's checks (--checks ...) and --output-formats json-ocsf"
            )
        if imported.ignored:
            log.info("%s: %d findings of other checks ignored", from_prowler, imported.ignored)
    else:
        source = read_publish_input(Path(file or ""))
    caller = identify(session, cfg.home_region)
    publisher = _publisher(session, cfg, output_dir, caller)
    run_at = datetime.now(UTC)
    placement = placement_for(cfg, caller)
    if from_prowler:
        try:
            findings = build_findings_from(
                imported, run_at, placement if isinstance(placement, Placement) else None, strict=cfg.strict
            )
        except ProwlerOutputError as exc:
            raise InputError(str(exc)) from None
        checks = sorted({r.check_id for r in imported.results})
    else:
        findings, checks = source.findings(placement, run_at, strict=cfg.strict)
    if dry_run:  # its own file: the scan's findings.asff.json stays as the scan wrote it
        return publisher.publish(
            findings, checks_ran=checks, run_at=run_at, dry_run_path=output_dir / DRY_RUN_FILE
        )
    # A file may hold a partial run: never archive on its evidence alone. The spool of the output folder is
    # replayed first, as a scan does.
    _check_spool(output_dir)
    return publisher.publish(
        findings, checks_ran=checks, run_at=run_at, completed_checks=[], replay_spool=True
    )


def securityhub_setup(session: boto3.Session, region: str | None = None) -> list[str]:
    """Create or update rootguard's insights in the caller's hub (idempotent); one line per insight."""
    return [change.line() for change in setup_insights(session, region)]


# ------------------------------------------------------------------------------------- root-user controls


def audit_log_path(output_dir: Path, audit_log: str | None = None) -> Path:
    """Where changes to AWS are recorded: `--audit-log`, else <output-dir>/remediation-audit.jsonl (the one
    log of remediation and reconciliation alike)."""
    return Path(audit_log) if audit_log else output_dir / AUDIT_LOG_FILE


def prepare_reconciliation(
    session: boto3.Session, cfg: Config, results: list[Result], *, caller: Caller, run_at: datetime
) -> tuple[Reconciler, Prepared]:
    """Read the administrator's hub and plan the reconciliation of the root-user controls with `results`
    (which must hold the member check and both feature checks); nothing is changed."""
    reconciler = Reconciler(session, cfg.reconcile_settings(), caller=caller)
    proofs = proofs_from_results(results, partition=caller.partition)
    return reconciler, reconciler.prepare(proofs, run_at=run_at)


def reconcile_controls(
    session: boto3.Session,
    cfg: Config,
    results: list[Result],
    *,
    caller: Caller,
    output_dir: Path,
    run_at: datetime,
    apply: bool,
    audit_log: str | None = None,
) -> ReconcileReport:
    """Reconcile IAM.4, IAM.6 and IAM.9 with what `results` proved, writing every change to the audit log."""
    from rootguard.remediate import AuditLog

    reconciler, prepared = prepare_reconciliation(session, cfg, results, caller=caller, run_at=run_at)
    audit = AuditLog(audit_log_path(output_dir, audit_log))
    return reconciler.execute(prepared, apply=apply, audit=audit)
