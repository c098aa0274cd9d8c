"""One scan, end to end: collect -> rules -> results file -> ASFF -> (optionally) Security Hub.

The CLI, the demo and a scheduled job all go through :func:`run_scan`, so they produce the same files and ids.
It returns what happened and prints nothing; the caller chooses how to show progress (a callback) and the
outcome (rootguard.cli.printing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from rootguard import __version__
from rootguard.aws import home_region
from rootguard.collect import collect_facts
from rootguard.collect.progress import ProgressCallback
from rootguard.errors import AwsSetupError, UsageError
from rootguard.files import writable_dir_problem
from rootguard.findings.build import build_findings
from rootguard.models import Fact, OrgFacts, ResourceKind, Result, Status
from rootguard.outputs import ASFF_FILE, RESULTS_FILE, write_findings, write_results
from rootguard.publishing import placement_for, publish_findings, reconcile_controls, spool_problem
from rootguard.reports import ASFF, write_reports
from rootguard.reports.posture import is_out_of_scope
from rootguard.rules import CHECK_IDS, needs_of, select
from rootguard.rules import evaluate as evaluate_rules
from rootguard.settings import Config

log = logging.getLogger("rootguard.scan")


@dataclass
class ScanOutcome:
    facts: OrgFacts
    results: list[Result]
    findings: list[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    publish_report: Any = None
    # Publishing could not even start (Security Hub CSPM not enabled, credentials refused): the results and
    # files above still stand; the CLI prints them, then this, and exits 4.
    publish_error: AwsSetupError | None = None
    dry_run: bool = False
    reconcile_report: Any = None  # securityhub.reconcile_controls: the root-user controls after publishing

    @property
    def failed(self) -> int:
        return sum(r.status is Status.FAIL for r in self.results)

    @property
    def not_evaluated(self) -> int:
        """Results that should have been evaluated and were not: what makes a run partial."""
        return sum(r.status is Status.NOT_EVALUATED and not is_out_of_scope(r) for r in self.results)

    @property
    def spooled(self) -> int:
        """Findings not in Security Hub because of this run: spooled, or unreadable spool lines set aside."""
        report = self.publish_report
        return int(getattr(report, "spooled", 0) or 0) + int(getattr(report, "quarantined", 0) or 0)

    @property
    def reconcile_incomplete(self) -> bool:
        """Reconciliation was asked for and did not finish: a change failed, or the hub could not be read."""
        report = self.reconcile_report
        return report is not None and bool(report.failed or report.errors)


def check_ids_of(cfg: Config) -> list[str]:
    """The checks a run evaluates (config or all), validated before any AWS call."""
    check_ids = list(cfg.checks or CHECK_IDS)
    try:
        select(check_ids)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return check_ids


def collect_and_evaluate(
    session: boto3.Session,
    cfg: Config,
    check_ids: list[str],
    *,
    member_audit: bool = True,
    progress: ProgressCallback | None = None,
) -> tuple[OrgFacts, list[Result]]:
    """Collect the facts `check_ids` need and evaluate them. A collection that cannot start (no identity,
    global STS endpoint) is an AwsSetupError."""
    needs = set(needs_of(check_ids))
    if not member_audit:
        needs.discard(Fact.MEMBER_AUDIT)
    collect_cfg = cfg.collect_config(region=home_region(session, cfg.home_region), member_audit=member_audit)
    facts = collect_facts(session, collect_cfg, progress=progress, needs=needs)
    return facts, evaluate_rules(facts, cfg.rule_config(), check_ids)


def completed_checks(
    results: list[Result], check_ids: list[str], *, organization_read: bool = True
) -> list[str]:
    """Checks whose results are complete enough to archive what they no longer produce.

    An organization-level check that could not evaluate must not archive its earlier findings: they are still
    the last known truth. When the organization itself could not be read (DescribeOrganization throttled,
    denied, unreachable), no check is complete: the run does not even know which organization's findings it
    would be resolving, and its findings carry the account instead of the organization in their ids.
    """
    if not organization_read:
        return []
    incomplete = {
        r.check_id
        for r in results
        if r.status is Status.NOT_EVALUATED
        and (
            r.resource.kind is ResourceKind.ORGANIZATION
            or (r.reason is not None and r.reason.value == "PREREQUISITE_MISSING")
        )
    }
    return [c for c in check_ids if c not in incomplete]


def run_scan(
    session: boto3.Session,
    cfg: Config,
    *,
    output_dir: Path,
    publish: bool = False,
    dry_run: bool = False,
    member_audit: bool = True,
    progress: ProgressCallback | None = None,
    run_at: datetime | None = None,
) -> ScanOutcome:
    """Collect, evaluate, write results.json and the formats `cfg.output_formats` names (the ASFF file and
    the reports), and publish when asked."""
    check_ids = check_ids_of(cfg)
    problem = writable_dir_problem(output_dir) or (
        spool_problem(output_dir) if publish and not dry_run else None
    )
    if problem:
        raise UsageError(f"--output-dir {problem}")
    facts, results = collect_and_evaluate(
        session, cfg, check_ids, member_audit=member_audit, progress=progress
    )
    run_at = run_at or datetime.now(UTC)
    findings = build_findings(results, placement_for(cfg, facts.caller), run_at, strict=cfg.strict)
    meta = {
        "version": __version__,
        "run_at": run_at.isoformat(),
        "caller": facts.caller.arn,
        "organization": facts.organization.id if facts.organization else None,
        "checks": check_ids,
    }
    outcome = ScanOutcome(facts=facts, results=results, findings=findings, meta=meta, dry_run=dry_run)
    outcome.files["results"] = write_results(output_dir / RESULTS_FILE, results, meta)
    if ASFF in cfg.output_formats or (publish and dry_run):  # a dry run shows what it would send there
        outcome.files["asff"] = write_findings(output_dir / ASFF_FILE, findings)
    outcome.files.update(write_reports(output_dir, results, meta, cfg.output_formats))
    if publish and not dry_run:
        try:
            outcome.publish_report = publish_findings(
                session,
                cfg,
                findings,
                caller=facts.caller,
                output_dir=output_dir,
                checks_ran=check_ids,
                completed_checks=completed_checks(
                    results, check_ids, organization_read=facts.organization_error is None
                ),
                run_at=run_at,
            )
        except AwsSetupError as exc:
            outcome.publish_error = exc
            outcome.publish_report = getattr(exc, "report", None)
        if cfg.securityhub.reconcile_controls and outcome.publish_error is None:
            outcome.reconcile_report = _reconcile(session, cfg, outcome, output_dir, run_at)
    return outcome


def _reconcile(
    session: boto3.Session, cfg: Config, outcome: ScanOutcome, output_dir: Path, run_at: datetime
) -> Any:
    """The opt-in reconciliation after publishing; a hub that cannot be read makes the run partial, it does
    not undo what was written and published."""
    from rootguard.securityhub.reconciler import ReconcileReport

    try:
        return reconcile_controls(
            session,
            cfg,
            outcome.results,
            caller=outcome.facts.caller,
            output_dir=output_dir,
            run_at=run_at,
            apply=True,
        )
    except AwsSetupError as exc:
        log.error("reconciliation of the root-user controls: %s", exc)
        caller = outcome.facts.caller
        return ReconcileReport(
            dry_run=False,
            account_id=caller.account_id,
            region=caller.region,
            skipped="the Security Hub CSPM administrator's findings could not be read",
            errors=[str(exc)],
        )
