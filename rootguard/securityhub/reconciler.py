"""Reconcile the standard root-user controls with rootguard's proof, in the Security Hub administrator's hub.

    from rootguard.securityhub.proof import proofs_from_results
    from rootguard.securityhub.reconciler import Reconciler

    report = Reconciler(session, caller=caller).run(
        proofs_from_results(results, partition=caller.partition), run_at=run_at, apply=False, audit=audit_log
    )
    print("\\n".join(report.lines()))

One run, in the caller's account and home Region (the Security Hub administrator: it sees and updates its
members' findings; user guide, "BatchUpdateFindings for customers"):

1. read the enabled standards (GetEnabledStandards) and every root-user control finding of Security Hub's own
   product (GetFindings on `Compliance.SecurityControlId` IAM.4, IAM.6, IAM.9, ACTIVE and ARCHIVED);
2. read the other active control findings for the score (up to `score_max_findings`);
3. plan (reconcile.py), then, unless it is a dry run, send BatchUpdateFindings: one request per group of at most
   100 findings that get the same update, paced (10/s, burst 30) and retried like the publisher's imports;
4. write every change, done or planned, to the audit log; compute each standard's score before and after
   (score.py).

Reads take GetFindings' own bucket (3/s, burst 6). Nothing outside the root-user controls, Security Hub's
product and the accounts the proof names is ever sent in an update.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import boto3
from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field

from rootguard.aws.errors import (
    HUB_NOT_ENABLED,
    error_code,
    error_message,
    is_retriable,
    is_retriable_exception,
)
from rootguard.aws.session import identify
from rootguard.errors import AwsSetupError
from rootguard.findings.build import iso_timestamp
from rootguard.models import Caller
from rootguard.securityhub.controls import ROOT_USER_CONTROLS, aws_product_arn, standard_id
from rootguard.securityhub.pacing import (
    READ_ACTION,
    STANDARDS_ACTION,
    UPDATE_ACTION,
    Clock,
    Pacer,
    RateLimiter,
    Sleep,
)
from rootguard.securityhub.proof import Proofs
from rootguard.securityhub.reconcile import Change, Plan, applied, plan_changes
from rootguard.securityhub.report import hub_not_enabled_message
from rootguard.securityhub.retry import Backoff, RetryRounds
from rootguard.securityhub.score import StandardScore, standard_scores
from rootguard.securityhub.targets import Target, client_config
from rootguard.settings import ReconcileSettings

log = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_UPDATE = 100  # FindingIdentifiers per BatchUpdateFindings request
# UnprocessedFindings codes worth another round besides the transient ones rootguard.aws.errors knows:
# "ConcurrentUpdateError - Another request attempted to update the finding while this request was being
# processed" (API reference, BatchUpdateFindingsUnprocessedFinding).
RETRIABLE_UPDATE_CODES = frozenset({"ConcurrentUpdateError"})
AUDIT_ACTION = "securityhub:BatchUpdateFindings"


class AuditSink(Protocol):
    """Where each change is recorded (rootguard.remediate.AuditLog fits)."""

    def record(
        self,
        *,
        caller: str,
        action: str,
        account: str,
        dry_run: bool,
        outcome: str,
        target: str = "",
        error: str = "",
    ) -> Any: ...


class ReconcileReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: bool = True
    account_id: str = ""
    region: str = ""
    standards: list[str] = Field(default_factory=list)
    clean_accounts: int = 0  # member accounts this run proved clean
    root_findings: int = 0  # root-user control findings read
    suppressed: int = 0  # set to SUPPRESSED (dry run: would be)
    released: int = 0  # returned to NEW (dry run: would be)
    failed: int = 0  # changes that did not land after retries
    left_alone: dict[str, int] = Field(default_factory=dict)
    changes: list[Change] = Field(default_factory=list)  # the ones that landed (dry run: planned)
    scores: list[StandardScore] = Field(default_factory=list)
    score_note: str | None = None
    skipped: str | None = None  # why nothing was decided
    hint: str | None = None  # why nothing could be found, when that looks like a set-up problem
    errors: list[str] = Field(default_factory=list)
    calls: int = 0  # BatchUpdateFindings requests
    duration_s: float = 0.0

    def summary(self) -> str:
        where = f"account {self.account_id} in {self.region}"
        if self.skipped:
            return f"Security Hub CSPM root-user controls ({where}): not reconciled: {self.skipped}"
        verb = ("would suppress", "would return") if self.dry_run else ("suppressed", "returned")
        accounts = len({c.account_id for c in self.changes if c.action == "SUPPRESS"})
        line = (
            f"Security Hub CSPM root-user controls ({where}): {verb[0]} {self.suppressed} FAILED finding(s) in "
            f"{accounts} account(s) proved clean, {verb[1]} {self.released} to NEW"
        )
        if self.failed:
            line += f", {self.failed} failed"
        if self.dry_run:
            line += " (dry run: nothing changed)"
        return line

    def lines(self, *, detail: bool = False) -> list[str]:
        """What a person reads: the summary, what returned to NEW and why, what was left alone, the scores.
        `detail`: also one line per account whose findings were (or would be) suppressed."""
        out = [self.summary()]
        if self.skipped:
            return out + [f"  {e}" for e in self.errors]
        if detail:
            by_account: dict[str, list[str]] = {}
            for change in self.changes:
                if change.action == "SUPPRESS":
                    by_account.setdefault(change.account_id, []).append(change.control_id)
            verb = "would suppress" if self.dry_run else "suppressed"
            for account, controls in sorted(by_account.items()):
                out.append(
                    f"  {verb} {', '.join(sorted(controls))} in {account}: root user holds no credentials"
                )
        for change in self.changes:
            if change.action == "RELEASE":
                verb = "would return" if self.dry_run else "returned"
                out.append(f"  {verb} {change.control_id} in {change.account_id} to NEW: {change.reason}")
        if self.left_alone:
            out.append(
                "  left alone: " + ", ".join(f"{n} {why}" for why, n in sorted(self.left_alone.items()))
            )
        if self.hint:
            out.append(f"  {self.hint}")
        out.extend(f"  error: {e}" for e in self.errors)
        if self.scores:
            out.append(
                "Security score per enabled standard, before -> after (the documented formula on the findings "
                "as they now stand; the console recomputes it within 24 hours):"
            )
            for score in self.scores:
                out.extend(f"  {line}" for line in score.lines())
        elif self.standards == [] and not self.skipped:
            out.append(f"  no standard is enabled in account {self.account_id} in {self.region}: no score")
        if self.score_note:
            out.append(f"  {self.score_note}")
        return out


@dataclass
class Prepared:
    """What prepare() read and planned, for execute()."""

    target: Target
    caller_arn: str
    proofs: Proofs
    started: float
    standards: list[str] = field(default_factory=list)
    root: list[dict[str, Any]] = field(default_factory=list)  # root-user control findings
    others: list[dict[str, Any]] = field(default_factory=list)  # other active control findings (score)
    score_note: str | None = None
    plan: Plan = field(default_factory=Plan)


class Reconciler:
    """See the module docstring. `client` replaces the Security Hub client (tests); `clock`/`sleep` drive the
    token buckets and backoff."""

    def __init__(
        self,
        session: boto3.Session,
        settings: ReconcileSettings | None = None,
        *,
        caller: Caller | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        backoff: Backoff | None = None,
        client: BaseClient | None = None,
    ) -> None:
        self.session = session
        self.settings = s = settings or ReconcileSettings()
        self._caller = caller
        limits = {
            READ_ACTION: (s.read_rate_per_second, s.read_burst),
            UPDATE_ACTION: (s.rate_per_second, s.burst),
            STANDARDS_ACTION: (s.rate_per_second, s.burst),  # "all other operations": 10/s, burst 30
        }
        self._pacer = Pacer(
            RateLimiter(limits, clock=clock, sleep=sleep),
            actions=(READ_ACTION, UPDATE_ACTION, STANDARDS_ACTION),
        )
        self._rounds = RetryRounds(
            s.retry_rounds, backoff or Backoff(base=s.backoff_base_s, cap=s.backoff_cap_s), sleep
        )
        self._client = client

    def caller(self) -> Caller:
        if self._caller is None:
            self._caller = identify(self.session)
        return self._caller

    def _hub(self, target: Target) -> BaseClient:
        client = self._client or self.session.client(
            "securityhub",
            region_name=target.region,
            config=client_config(4, self.settings.botocore_max_attempts),
        )
        self._pacer.pace(client, target)
        return client

    # ------------------------------------------------------------------------------------------------ run

    def run(
        self, proofs: Proofs, *, run_at: datetime, apply: bool, audit: AuditSink | None = None
    ) -> ReconcileReport:
        """prepare() then execute(): read, plan, apply (unless `apply` is False), audit and score."""
        return self.execute(self.prepare(proofs, run_at=run_at), apply=apply, audit=audit)

    def prepare(self, proofs: Proofs, *, run_at: datetime) -> Prepared:
        """Read the hub and plan, changing nothing. AwsSetupError (one line) when the hub is off or its
        findings cannot be read."""
        started = time.monotonic()
        who = self.caller()
        target = Target(who.account_id, who.region, who.partition)
        prepared = Prepared(target=target, caller_arn=who.arn, proofs=proofs, started=started)
        if proofs.incomplete:
            return prepared
        hub = self._hub(target)
        product = aws_product_arn(target.partition, target.region)
        try:
            prepared.standards = self._standards(hub, target)
            prepared.root = list(
                self._read(
                    hub,
                    target,
                    {
                        "ProductArn": [{"Value": product, "Comparison": "EQUALS"}],
                        "ComplianceSecurityControlId": [
                            {"Value": c, "Comparison": "EQUALS"} for c in ROOT_USER_CONTROLS
                        ],
                    },
                )
            )
            prepared.others, prepared.score_note = self._score_findings(
                hub, target, product, bool(prepared.standards)
            )
        except ClientError as exc:
            raise self._setup_error(exc, target) from None
        except BotoCoreError as exc:
            raise AwsSetupError(f"cannot reach Security Hub CSPM in {target}: {exc}") from None
        prepared.plan = plan_changes(prepared.root, proofs, run_at=iso_timestamp(run_at))
        return prepared

    def execute(self, prepared: Prepared, *, apply: bool, audit: AuditSink | None = None) -> ReconcileReport:
        """Apply a prepared plan (a dry run records WOULD_RUN and sends nothing) and report it with the
        scores before and after."""
        target = prepared.target
        report = ReconcileReport(
            dry_run=not apply,
            account_id=target.account_id,
            region=target.region,
            clean_accounts=len(prepared.proofs.clean),
            standards=prepared.standards,
        )
        if prepared.proofs.incomplete:
            report.skipped = prepared.proofs.incomplete
            return report
        plan = prepared.plan
        report.root_findings = plan.root_findings
        report.left_alone = plan.left_alone
        hub = self._hub(target)
        done = self._apply(
            hub, target, plan.changes, report, apply=apply, audit=audit, caller=prepared.caller_arn
        )
        report.changes = done
        seen = {str(f.get("AwsAccountId")) for f in prepared.root}
        members = set(prepared.proofs.clean) - {target.account_id}
        if members and not seen & members:
            report.hint = (
                f"no IAM.4/IAM.6/IAM.9 finding of another member account is visible in account "
                f"{target.account_id}: reconcile in the Security Hub CSPM administrator account, and check that a "
                "standard holding these controls is enabled in the members"
            )
        report.suppressed = sum(c.action == "SUPPRESS" for c in done)
        report.released = sum(c.action == "RELEASE" for c in done)
        complete = prepared.score_note is None
        report.scores = standard_scores(
            report.standards,
            [*prepared.root, *prepared.others],
            [*applied(prepared.root, done), *prepared.others],
            complete=complete,
            changed_accounts={c.account_id for c in done},
        )
        report.score_note = prepared.score_note
        report.duration_s = round(time.monotonic() - prepared.started, 3)
        log.info("%s", report.summary())
        return report

    # ---------------------------------------------------------------------------------------------- reads

    def _standards(self, hub: BaseClient, target: Target) -> list[str]:
        out: list[str] = []
        token: str | None = None
        while True:
            request: dict[str, Any] = {"MaxResults": PAGE_SIZE}
            if token:
                request["NextToken"] = token
            page = self._rounds.call(
                lambda r=request: hub.get_enabled_standards(**r), f"{target} {STANDARDS_ACTION}"
            )
            for sub in page.get("StandardsSubscriptions", []):
                if sub.get("StandardsStatus") in (None, "READY", "INCOMPLETE", "PENDING"):
                    out.append(standard_id(str(sub.get("StandardsArn", ""))))
            token = page.get("NextToken")
            if not token:
                return out

    def _read(
        self, hub: BaseClient, target: Target, filters: dict[str, Any], limit: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every finding matching `filters`, page by page; stops after `limit` findings when given."""
        token: str | None = None
        seen = 0
        while True:
            request: dict[str, Any] = {"Filters": filters, "MaxResults": PAGE_SIZE}
            if token:
                request["NextToken"] = token
            page = self._rounds.call(lambda r=request: hub.get_findings(**r), f"{target} {READ_ACTION}")
            for finding in page.get("Findings", []):
                yield finding
                seen += 1
            token = page.get("NextToken")
            if not token or (limit is not None and seen >= limit):
                return

    def _score_findings(
        self, hub: BaseClient, target: Target, product: str, wanted: bool
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The other active control findings (for the score), and a note when not all of them were read."""
        cap = self.settings.score_max_findings
        if not wanted:
            return [], None
        if cap == 0:
            return [], "other controls not read (securityhub.score_max_findings: 0): root-user controls only"
        filters = {
            "ProductArn": [{"Value": product, "Comparison": "EQUALS"}],
            "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
            "ComplianceSecurityControlId": [
                {"Value": c, "Comparison": "NOT_EQUALS"} for c in ROOT_USER_CONTROLS
            ],
        }
        found = list(self._read(hub, target, filters, limit=cap + 1))
        if len(found) > cap:
            return [], (
                f"more than {cap} active control findings: only the root-user controls were scored "
                "(securityhub.score_max_findings)"
            )
        return found, None

    # ---------------------------------------------------------------------------------------------- apply

    def _apply(
        self,
        hub: BaseClient,
        target: Target,
        changes: list[Change],
        report: ReconcileReport,
        *,
        apply: bool,
        audit: AuditSink | None,
        caller: str,
    ) -> list[Change]:
        """Send the changes (unless a dry run); return those that landed (dry run: all of them)."""

        def record(change: Change, outcome: str, error: str = "") -> None:
            if audit is not None:
                audit.record(
                    caller=caller,
                    action=AUDIT_ACTION,
                    account=change.account_id,
                    dry_run=not apply,
                    outcome=outcome,
                    target=f"{change.control_id} {change.finding_id} -> {change.workflow} ({change.reason})",
                    error=error,
                )

        if not apply:
            for change in changes:
                record(change, "WOULD_RUN")
            return list(changes)
        groups: dict[str, list[Change]] = {}
        for change in changes:
            groups.setdefault(json.dumps(change.update(), sort_keys=True), []).append(change)
        landed: list[Change] = []
        for group in groups.values():
            for start in range(0, len(group), MAX_UPDATE):
                batch = group[start : start + MAX_UPDATE]
                ok, failures = self._update(hub, target, batch, report)
                for change in ok:
                    record(change, "DONE")
                landed.extend(ok)
                for change, error in failures:
                    record(change, "FAILED", error)
                    report.errors.append(f"{change.control_id} {change.finding_id}: {error}")
                report.failed += len(failures)
        return landed

    def _update(
        self, hub: BaseClient, target: Target, batch: list[Change], report: ReconcileReport
    ) -> tuple[list[Change], list[tuple[Change, str]]]:
        """One request's worth of changes sharing an update, with rounds for what failed retriably; returns
        what landed and what did not (with its last error)."""

        def key(change: Change) -> tuple[str, str]:
            return change.product_arn, change.finding_id

        update = batch[0].update()
        pending = list(batch)
        ok: list[Change] = []
        errors: dict[tuple[str, str], str] = {}
        for round_number in range(self.settings.retry_rounds + 1):
            if not pending:
                break
            self._rounds.wait(round_number)
            report.calls += 1
            identifiers = [{"Id": c.finding_id, "ProductArn": c.product_arn} for c in pending]
            try:
                response = hub.batch_update_findings(FindingIdentifiers=identifiers, **update)
            except (ClientError, BotoCoreError) as exc:
                code = error_code(exc)
                if code == HUB_NOT_ENABLED:
                    raise AwsSetupError(hub_not_enabled_message(target)) from None
                for change in pending:
                    errors[key(change)] = f"{code}: {error_message(exc)}"
                if not is_retriable_exception(exc):
                    break
                log.warning("%s: %s: %s, retrying", target, UPDATE_ACTION, code)
                continue
            unprocessed = {
                (u["FindingIdentifier"]["ProductArn"], u["FindingIdentifier"]["Id"]): u
                for u in response.get("UnprocessedFindings") or []
            }
            retry: list[Change] = []
            for change in pending:
                problem = unprocessed.get(key(change))
                if problem is None:
                    ok.append(change)
                    continue
                code = str(problem.get("ErrorCode", ""))
                errors[key(change)] = f"{code}: {problem.get('ErrorMessage', '')}"
                if code in RETRIABLE_UPDATE_CODES or is_retriable(code):
                    retry.append(change)
            pending = retry
        landed = {key(c) for c in ok}
        return ok, [(c, errors.get(key(c), "not updated")) for c in batch if key(c) not in landed]

    @staticmethod
    def _setup_error(exc: ClientError, target: Target) -> AwsSetupError:
        code = error_code(exc)
        if code == HUB_NOT_ENABLED:
            return AwsSetupError(hub_not_enabled_message(target))
        return AwsSetupError(
            f"cannot read Security Hub CSPM control findings in {target}: {code}: {error_message(exc)}"
        )
