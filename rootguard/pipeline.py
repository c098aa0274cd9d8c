"""One scan, end to end: collect -> rules -> results file -> ASFF -> (optionally) Security Hub.

The CLI, the demo and a scheduled job all go through :func:`run_scan`, so they produce the same files and ids.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import boto3

from rootguard import __version__
from rootguard.config import Config
from rootguard.errors import AwsSetupError, UsageError
from rootguard.models import Caller, OrgFacts, Result, Status
from rootguard.output import dump_json, print_table, results_document, write_atomic
from rootguard.session import caller_identity

log = logging.getLogger("rootguard.pipeline")

RESULTS_FILE = "results.json"
ASFF_FILE = "findings.asff.json"
SPOOL_FILE = "securityhub-spool.jsonl"


@dataclass
class ScanOutcome:
    facts: OrgFacts
    results: list[Result]
    findings: list[dict[str, Any]]
    files: dict[str, Path] = field(default_factory=dict)
    publish_report: Any = None

    @property
    def failed(self) -> int:
        return sum(r.status == Status.FAIL for r in self.results)

    @property
    def not_evaluated(self) -> int:
        return sum(r.status == Status.NOT_EVALUATED for r in self.results)

    @property
    def spooled(self) -> int:
        return int(getattr(self.publish_report, "spooled", 0) or 0)


def _progress_printer(stream: TextIO) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        stream.write(f"\rauditing member accounts: {done}/{total}")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


def placement_for(cfg: Config, caller_account: str, region: str, partition: str):
    """Central placement files everything under the scanning account; per-member files member results in
    the member account they describe (organization results stay with the scanning account)."""
    from rootguard.findings.build import Placement

    central = Placement(account_id=caller_account, region=region, partition=partition)
    if cfg.securityhub.placement == "central":
        return central

    def per_member(result: Result) -> Placement:
        if result.resource.kind.value == "ACCOUNT" and result.resource.id != caller_account:
            return Placement(account_id=result.resource.id, region=region, partition=partition)
        return central

    return per_member


def collect_and_evaluate(
    session: boto3.Session,
    cfg: Config,
    check_ids: list[str],
    *,
    member_audit: bool = True,
    progress: bool = False,
) -> tuple[OrgFacts, list[Result]]:
    """Collect what `check_ids` need and evaluate them. Bad settings are a UsageError; a collection that
    cannot start (no identity, global STS endpoint) an AwsSetupError."""
    import sys

    from rootguard.collect import CollectConfig, CollectError, collect_facts
    from rootguard.rules import MEMBER_CHECK_ID, RuleConfig, evaluate

    try:
        collect_cfg = CollectConfig(
            region=session.region_name or "us-east-1",
            max_workers=cfg.max_workers,
            member_audit=member_audit and MEMBER_CHECK_ID in check_ids,
            assume_role_name=cfg.fallback_role_name,
            excluded_accounts=frozenset(cfg.excluded_accounts),
        )
    except ValueError as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    try:
        facts = collect_facts(
            session, collect_cfg, progress=_progress_printer(sys.stderr) if progress else None
        )
    except CollectError as exc:
        raise AwsSetupError(str(exc)) from None
    rules = RuleConfig(
        allowed_delegated_admins=frozenset(cfg.allowed_delegated_admins),
        excluded_accounts=frozenset(cfg.excluded_accounts),
    )
    return facts, evaluate(facts, rules, check_ids)


def run_scan(
    session: boto3.Session,
    cfg: Config,
    *,
    output_dir: Path,
    publish: bool = False,
    dry_run: bool = False,
    member_audit: bool = True,
    progress: bool = False,
    run_at: datetime | None = None,
) -> ScanOutcome:
    from rootguard.findings.build import build_findings
    from rootguard.rules import CHECK_IDS, select

    check_ids = list(cfg.checks or CHECK_IDS)
    try:
        select(check_ids)  # unknown ids are a usage error before any AWS call
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    ident = caller_identity(session)
    region = session.region_name or "us-east-1"
    facts, results = collect_and_evaluate(
        session, cfg, check_ids, member_audit=member_audit, progress=progress
    )
    run_at = run_at or datetime.now(UTC)
    partition = facts.caller.partition
    findings = build_findings(results, placement_for(cfg, ident["Account"], region, partition), run_at)

    outcome = ScanOutcome(facts=facts, results=results, findings=findings)
    meta = {
        "version": __version__,
        "run_at": run_at.isoformat(),
        "caller": facts.caller.arn,
        "organization": facts.organization.id if facts.organization else None,
        "checks": check_ids,
    }
    outcome.files["results"] = write_atomic(
        output_dir / RESULTS_FILE, dump_json(results_document(results, meta))
    )
    outcome.files["asff"] = write_atomic(output_dir / ASFF_FILE, dump_json(findings))
    if publish and not dry_run:
        outcome.publish_report = publish_findings(
            session,
            cfg,
            findings,
            output_dir=output_dir,
            checks_ran=check_ids,
            completed_checks=_completed_checks(results, check_ids),
            run_at=run_at,
            caller=facts.caller,
        )
    return outcome


def _completed_checks(results: list[Result], check_ids: list[str]) -> list[str]:
    """Checks whose results are complete enough to archive what they no longer produce.

    An organization-level check that could not evaluate (for example the organization could not be read) must
    not archive its earlier findings: they are still the last known truth.
    """
    incomplete = {
        r.check_id
        for r in results
        if (r.status == Status.NOT_EVALUATED and r.resource.kind.value == "ORGANIZATION")
        or (r.status == Status.NOT_EVALUATED and r.reason and r.reason.value == "PREREQUISITE_MISSING")
    }
    return [c for c in check_ids if c not in incomplete]


def _settings(cfg: Config, output_dir: Path):
    from pydantic import ValidationError

    from rootguard.files import validation_message
    from rootguard.settings import Config as Settings

    try:
        return Settings(securityhub=cfg.securityhub.model_dump()).publish_settings(output_dir / SPOOL_FILE)
    except ValidationError as exc:
        raise UsageError(validation_message(exc)) from None


def publish_findings(
    session: boto3.Session,
    cfg: Config,
    findings: list[dict[str, Any]],
    *,
    output_dir: Path,
    checks_ran: list[str],
    completed_checks: list[str],
    run_at: datetime,
    caller: Caller | None = None,
) -> Any:
    """`caller`: who the session is, when already known."""
    from rootguard.securityhub import Publisher

    return Publisher(session, _settings(cfg, output_dir), caller=caller).publish(
        findings, checks_ran=checks_ran, completed_checks=completed_checks, run_at=run_at
    )


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
    """`rootguard publish`: a results/ASFF file, a Prowler output file, or a spool to replay."""
    import json

    from rootguard.collect.organization import partition_of
    from rootguard.findings.build import Placement, build_findings
    from rootguard.findings.prowler_readers import ProwlerOutputError, findings_from_prowler
    from rootguard.findings.validate import FindingValidationError, validate_findings
    from rootguard.securityhub import Publisher

    settings = _settings(cfg, output_dir)
    if resume:
        if not Path(resume).is_file():
            raise UsageError(f"{resume}: no such spool file")
        return Publisher(session, settings).resume(resume)
    ident = caller_identity(session)
    region = session.region_name or "us-east-1"
    partition = partition_of(ident["Arn"])
    caller = Caller(account_id=ident["Account"], arn=ident["Arn"], partition=partition, region=region)
    publisher = Publisher(session, settings, caller=caller)
    run_at = datetime.now(UTC)
    placement = placement_for(cfg, ident["Account"], region, partition)
    if from_prowler:
        try:
            findings, imported = findings_from_prowler(
                from_prowler, run_at, placement if isinstance(placement, Placement) else None
            )
        except ProwlerOutputError as exc:
            raise UsageError(str(exc)) from None
        checks = sorted({r.check_id for r in imported.results})
        if imported.ignored:
            log.info("%s: %d findings of other checks ignored", from_prowler, imported.ignored)
    else:
        path = Path(file or "")
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None
        try:
            if isinstance(doc, dict) and "results" in doc:  # a rootguard results.json
                results = [Result.model_validate(r) for r in doc["results"]]
                findings = build_findings(results, placement, run_at)
            elif isinstance(doc, list):  # an ASFF array
                findings = list(doc)
                validate_findings(findings)
            else:
                raise UsageError(f"{path}: neither a rootguard results file nor an ASFF JSON array")
        except (ValueError, FindingValidationError) as exc:
            raise UsageError(f"{path}: {str(exc).splitlines()[0]}") from None
        checks = sorted({str(f.get("GeneratorId", "")).removeprefix("rootguard/") for f in findings})
    if dry_run:
        return publisher.publish(
            findings, checks_ran=checks, run_at=run_at, dry_run_path=output_dir / ASFF_FILE
        )
    # A file may hold a partial run: never archive on its evidence alone.
    return publisher.publish(findings, checks_ran=checks, run_at=run_at, completed_checks=[])


def securityhub_setup(session: boto3.Session) -> list[str]:
    from rootguard.securityhub.insights import setup_insights

    return [change.line() for change in setup_insights(session, session.region_name)]


def print_outcome(outcome: ScanOutcome, fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write(dump_json(results_document(outcome.results, {})))
        return
    if fmt == "asff":
        out.write(dump_json(outcome.findings))
        return
    print_table(outcome.results, out, show_pass=False)
    out.write("\nFiles:\n")
    for name, path in outcome.files.items():
        out.write(f"  {name}: {path}\n")
    if outcome.publish_report is not None:
        out.write(f"{outcome.publish_report.summary()}\n")
