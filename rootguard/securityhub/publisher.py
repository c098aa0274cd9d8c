"""Publish ASFF findings to AWS Security Hub without losing any.

    from rootguard.securityhub import Publisher, PublishSettings

    report = Publisher(session, PublishSettings()).publish(
        findings, checks_ran=["iam_member_root_credentials_absent"], run_at=run_at
    )
    if report.spooled:  # replay later with Publisher(session).resume(spool_path)
        ...

Per hub (account and Region): read rootguard's existing findings (GetFindings on our ProductArn and the
GeneratorIds involved) to keep CreatedAt/FirstObservedAt; add an ARCHIVED copy of every ACTIVE finding of a
completed check that this run no longer produced; send in batches of <= 100 findings and <= 6 MB, paced by a
token bucket per account and Region (10/s, burst 30 by default) with a few calls in flight; retry retriable
FailedFindings and whole-call errors with backoff; spool whatever still fails. Logs carry finding ids, never
bodies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

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
    is_throttling,
)
from rootguard.aws.session import identify
from rootguard.errors import AwsSetupError
from rootguard.findings.build import iso_timestamp
from rootguard.findings.ids import generator_id
from rootguard.findings.summary import MEMBER_CHECK_ID, SUMMARY_CHECK_ID, organization_summary
from rootguard.findings.timestamps import timestamp_ns
from rootguard.models import Caller
from rootguard.securityhub.batching import batches
from rootguard.securityhub.dryrun import write_asff
from rootguard.securityhub.pacing import Clock, RateLimiter, Sleep, TokenBucket
from rootguard.securityhub.retry import Backoff
from rootguard.securityhub.spool import SpoolEntry, add_to_spool, read_spool, settle_spool
from rootguard.securityhub.targets import HubClients, Target, TargetError, client_config, target_of
from rootguard.settings import PublishSettings

log = logging.getLogger(__name__)

IMPORT_ACTION = "BatchImportFindings"
READ_ACTION = "GetFindings"
GENERATOR_PREFIX = "rootguard/"
MAX_FILTER_VALUES = 20  # values per StringFilter list that GetFindings accepts
# Set by Security Hub or by customers (BatchUpdateFindings), never sent back by a provider.
_SERVICE_FIELDS = frozenset(
    {"ProcessedAt", "Workflow", "WorkflowState", "Note", "UserDefinedFields", "VerificationState",
     "ProductName", "CompanyName", "Region", "Sample"}
)  # fmt: skip
Kind = Literal["finding", "archive"]


class SecurityHubNotEnabledError(AwsSetupError):
    """The scanning account's hub is off in the target Region; carries the report of what was done."""

    def __init__(self, message: str, report: PublishReport | None = None) -> None:
        super().__init__(message)
        self.report = report


def hub_not_enabled_message(target: Target) -> str:
    return (
        f"Security Hub is not enabled for account {target.account_id} in {target.region}: run "
        f"`aws securityhub enable-security-hub --region {target.region}` in that account, then publish again"
    )


class PublishReport(BaseModel):
    """What one publish (or resume) did. The CLI exits non-zero when `spooled > 0`."""

    model_config = ConfigDict(extra="forbid")

    imported: int = 0  # new findings Security Hub took
    updated: int = 0  # findings already in Security Hub, updated in place
    archived: int = 0  # resolved findings re-imported as ARCHIVED
    failed_retried: int = 0  # findings that failed with a retriable error and were sent again
    spooled: int = 0  # findings written to the spool (not in Security Hub yet)
    skipped: int = 0  # not sent: refused (foreign account), duplicate id, or superseded by a newer version
    rejected: int = 0  # of the spooled: failed with a non-retriable code (e.g. InvalidInput)
    calls: int = 0  # BatchImportFindings requests made
    throttled: int = 0  # requests that still failed with a throttling error after botocore's retries
    targets: int = 0  # hubs (account and Region) published to
    errors: list[str] = Field(default_factory=list)  # one line each
    spool_path: str | None = None
    dry_run: bool = False
    written: int = 0  # dry run: findings written to output_path
    output_path: str | None = None
    duration_s: float = 0.0

    def summary(self) -> str:
        if self.dry_run:
            return f"dry run: {self.written} findings written to {self.output_path}; nothing sent"
        line = (
            f"Security Hub: {self.imported} imported, {self.updated} updated, {self.archived} archived, "
            f"{self.skipped} skipped, {self.failed_retried} retried, {self.spooled} spooled"
        )
        if self.spooled and self.spool_path:
            line += f" (replay with `rootguard publish --resume {self.spool_path}`)"
        return line


# ------------------------------------------------------------------------------------------ internals


@dataclass
class _Item:
    finding: dict[str, Any]
    kind: Kind = "finding"
    existed: bool = False
    source: SpoolEntry | None = None  # set on replay

    @property
    def id(self) -> str:
        return str(self.finding.get("Id", ""))


@dataclass
class _Failure:
    item: _Item
    code: str
    message: str
    attempts: int
    retriable: bool = False  # how the last error was classified; False for a permanent error (rejected)


@dataclass
class _TargetOutcome:
    landed: list[_Item] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)
    skipped: list[_Item] = field(default_factory=list)  # superseded: Security Hub holds a newer UpdatedAt
    retried: int = 0
    calls: int = 0
    throttled: int = 0
    error: str | None = None
    hub_disabled: bool = False


def _ids_preview(ids: Iterable[str], limit: int = 5) -> str:
    items = list(ids)
    head = ", ".join(items[:limit])
    return head + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _archived_copy(stored: Mapping[str, Any], updated_at: str) -> dict[str, Any]:
    """A stored finding as a provider re-imports it to archive it: service and customer fields dropped, the
    provider's own severity and types, RecordState ARCHIVED, a newer UpdatedAt."""
    out = {k: v for k, v in stored.items() if k not in _SERVICE_FIELDS}
    provider = stored.get("FindingProviderFields") or {}
    if provider.get("Severity"):
        out["Severity"] = {k: v for k, v in provider["Severity"].items() if k in ("Label", "Original")}
    if provider.get("Types"):
        out["Types"] = list(provider["Types"])
    fields = {k: v for k, v in (stored.get("ProductFields") or {}).items() if not k.startswith("aws/")}
    if fields:
        out["ProductFields"] = fields
    else:
        out.pop("ProductFields", None)
    out["RecordState"] = "ARCHIVED"
    out["UpdatedAt"] = updated_at
    return out


def _token_taker(bucket: TokenBucket) -> Callable[..., None]:
    def take_token(**_: Any) -> None:  # returning None lets the request go on
        bucket.acquire()

    return take_token


class Publisher:
    """Sends findings to Security Hub per account and Region; see the module docstring.

    `clock` and `sleep` drive the token buckets and backoff (injectable for tests); `client_for` replaces
    how a Security Hub client is obtained for a target (tests, or callers with their own sessions).
    """

    def __init__(
        self,
        session: boto3.Session,
        settings: PublishSettings | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        backoff: Backoff | None = None,
        client_for: Callable[[Target, str | None], BaseClient] | None = None,
        caller: Caller | None = None,
    ) -> None:
        """`caller`: who the session is (account, partition, home Region) when the caller already knows;
        otherwise the publisher asks STS once, when it first needs to know."""
        self.session = session
        self.settings = settings or PublishSettings()
        s = self.settings
        if s.placement == "per-member" and not s.member_role_name:
            raise ValueError(
                "per-member placement needs member_role_name (the role to assume in each member)"
            )
        self._sleep = sleep
        self._limits = RateLimiter(
            {
                IMPORT_ACTION: (s.rate_per_second, s.burst),
                READ_ACTION: (s.read_rate_per_second, s.read_burst),
            },
            clock=clock,
            sleep=sleep,
        )
        self._backoff = backoff or Backoff(base=s.backoff_base_s, cap=s.backoff_cap_s)
        self._config = client_config(s.max_in_flight, s.botocore_max_attempts, validate_params=False)
        self._client_for = client_for
        self._clients: HubClients | None = None
        self._paced: set[int] = set()  # clients whose requests take tokens (see _pace)
        self._paced_lock = threading.Lock()
        self._caller = caller

    # ------------------------------------------------------------------------------- identity

    def caller(self) -> Caller:
        """Who the session is: given at construction, else read once with rootguard.aws.identify (set-up
        mistakes there are one-line AwsSetupError). A dry run never asks."""
        if self._caller is None:
            self._caller = identify(self.session)
        return self._caller

    def _client(self, target: Target, role_name: str | None) -> BaseClient:
        if self._client_for is not None:
            client = self._client_for(target, role_name)
        else:
            if self._clients is None:
                self._clients = HubClients(self.session, self.caller().account_id, self._config)
            client = self._clients.client(target, role_name)
        self._pace(client, target)
        return client

    def _pace(self, client: BaseClient, target: Target) -> None:
        """Take a token of the target's bucket right before each request leaves (retries included): after
        botocore has serialized and signed it, so requests reach Security Hub spaced as the bucket spaced
        them, not jittered by serialization time."""
        with self._paced_lock:
            if id(client) in self._paced:
                return
            self._paced.add(id(client))
        for action in (IMPORT_ACTION, READ_ACTION):
            bucket = self._limits.bucket(target.account_id, target.region, action)
            client.meta.events.register_first(f"before-send.securityhub.{action}", _token_taker(bucket))

    # ------------------------------------------------------------------------------- publish

    def publish(
        self,
        findings: Iterable[dict[str, Any]],
        *,
        checks_ran: Iterable[str],
        run_at: datetime,
        completed_checks: Iterable[str] | None = None,
        dry_run_path: str | Path | None = None,
    ) -> PublishReport:
        """Import `findings` (validated ASFF dicts) and archive resolved ones.

        `checks_ran`: check ids this run evaluated. `completed_checks`: those whose collection completed, the
        only ones whose absent findings may be archived (default: all of `checks_ran`; pass fewer when part of
        the collect failed, or [] for no sweep). `dry_run_path`: write the ASFF file there and send nothing.
        """
        started = time.monotonic()
        items = list(findings)
        if dry_run_path is not None:
            written = write_asff(items, dry_run_path)
            log.info("dry run: wrote %d findings to %s", written, dry_run_path)
            return PublishReport(dry_run=True, written=written, output_path=str(dry_run_path))
        report = PublishReport(spool_path=str(self.settings.spool_path))
        updated_at = iso_timestamp(run_at)
        ran = list(dict.fromkeys(checks_ran))
        completed = ran if completed_checks is None else [c for c in dict.fromkeys(completed_checks)]
        caller = self.caller()
        home = Target(caller.account_id, caller.region, caller.partition)

        if self.settings.summary_finding:
            summary = organization_summary(
                items, account_id=home.account_id, region=home.region, partition=home.partition, run_at=run_at
            )
            if summary is not None:
                items.append(summary)
                ran.append(SUMMARY_CHECK_ID)
                if MEMBER_CHECK_ID in completed:  # the summary is as complete as the member check
                    completed.append(SUMMARY_CHECK_ID)

        by_target = self._route(items, home.account_id, report)
        sweep = {generator_id(c) for c in completed} if self.settings.archive_resolved else set()
        role = self.settings.member_role_name if self.settings.placement == "per-member" else None
        jobs = {
            target: (
                lambda t=target, group=group: self._publish_target(
                    t,
                    group,
                    role,
                    sweep=sweep,
                    read_generators={generator_id(c) for c in ran},
                    updated_at=updated_at,
                )
            )
            for target, group in by_target.items()
        }
        outcomes = self._run_targets(jobs)
        self._finish(report, outcomes, role, home)
        report.duration_s = round(time.monotonic() - started, 3)
        self._raise_if_home_disabled(report, outcomes, home)
        return report

    def _route(
        self, items: list[dict[str, Any]], account: str, report: PublishReport
    ) -> dict[Target, list[_Item]]:
        by_target: dict[Target, dict[str, _Item]] = defaultdict(dict)
        foreign: Counter[str] = Counter()
        unroutable: list[str] = []
        duplicates = 0
        for finding in items:
            target = target_of(finding)
            if target is None:
                unroutable.append(str(finding.get("Id", "?")))
                continue
            if self.settings.placement == "central" and target.account_id != account:
                foreign[target.account_id] += 1
                continue
            group = by_target[target]
            fid = str(finding["Id"])
            if fid in group:
                duplicates += 1
            group[fid] = _Item(finding)
        for other, count in sorted(foreign.items()):
            report.errors.append(
                f"refused {count} finding(s) with AwsAccountId {other}: central placement imports only into "
                f"the publishing account {account}; build them with that account or use per-member placement"
            )
        if unroutable:
            report.errors.append(
                f"refused {len(unroutable)} finding(s) without a valid AwsAccountId and ProductArn: "
                f"{_ids_preview(unroutable)}"
            )
        if duplicates:
            log.warning("%d duplicate finding id(s) in the input: the last of each is sent", duplicates)
        report.skipped += sum(foreign.values()) + len(unroutable) + duplicates
        return {t: list(group.values()) for t, group in sorted(by_target.items())}

    # ------------------------------------------------------------------------------- resume

    def resume(self, spool_path: str | Path | None = None) -> PublishReport:
        """Replay a spool file: import each entry into its account and Region (keeping CreatedAt of what is
        already there), remove what landed or was superseded, keep the rest with its latest error."""
        started = time.monotonic()
        path = Path(spool_path or self.settings.spool_path)
        entries = read_spool(path)
        report = PublishReport(spool_path=str(path))
        if not entries:
            log.info("spool %s is empty: nothing to replay", path)
            return report
        caller = self.caller()
        home = Target(caller.account_id, caller.region, caller.partition)
        groups: dict[tuple[Target, str | None], list[_Item]] = defaultdict(list)
        for entry in entries:
            target = Target(entry.account_id, entry.region, entry.partition)
            groups[(target, entry.role_name)].append(_Item(dict(entry.finding), entry.kind, source=entry))
        jobs = {
            key: (
                lambda k=key, group=group: self._publish_target(
                    k[0],
                    group,
                    k[1],
                    sweep=set(),
                    read_generators=set(),
                    updated_at=None,
                )
            )
            for key, group in groups.items()
        }
        outcomes = self._run_targets(jobs)
        settled: dict[tuple[str, str, str, str], SpoolEntry | None] = {}
        for outcome in outcomes.values():
            for item in [*outcome.landed, *outcome.skipped]:
                assert item.source is not None
                settled[(*item.source.key, item.source.updated_at)] = None
            for failure in outcome.failures:
                src = failure.item.source
                assert src is not None
                settled[(*src.key, src.updated_at)] = src.model_copy(
                    update={
                        "error_code": failure.code,
                        "error_message": failure.message,
                        "attempts": src.attempts + failure.attempts,
                    }
                )
        remaining = settle_spool(path, settled)
        self._count(report, outcomes)
        report.spooled = sum(len(o.failures) for o in outcomes.values())
        report.duration_s = round(time.monotonic() - started, 3)
        log.info("resume of %s: %s; %d entries remain", path, report.summary(), remaining)
        self._raise_if_home_disabled(report, {k[0]: o for k, o in outcomes.items()}, home)
        return report

    # ------------------------------------------------------------------------------- per target

    def _run_targets(self, jobs: Mapping[Any, Callable[[], _TargetOutcome]]) -> dict[Any, _TargetOutcome]:
        if len(jobs) <= 1:
            return {key: job() for key, job in jobs.items()}
        workers = min(self.settings.max_targets_in_flight, len(jobs))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rootguard-hub") as pool:
            futures = {key: pool.submit(job) for key, job in jobs.items()}
            return {key: future.result() for key, future in futures.items()}

    def _publish_target(
        self,
        target: Target,
        items: list[_Item],
        role_name: str | None,
        *,
        sweep: set[str],
        read_generators: set[str],
        updated_at: str | None,
    ) -> _TargetOutcome:
        outcome = _TargetOutcome()
        try:
            client = self._client(target, role_name)
            existing = self._read_existing(client, target, items, sweep | read_generators)
        except TargetError as exc:
            return self._give_up(outcome, items, "TargetUnreachable", str(exc))
        except ClientError as exc:
            code = error_code(exc)
            if code == HUB_NOT_ENABLED:
                outcome.hub_disabled = True
                # In the caller's own account this ends the publish with SecurityHubNotEnabledError, which
                # carries the message: logging it too would say the same thing twice.
                quiet = role_name is None
                return self._give_up(outcome, items, code, hub_not_enabled_message(target), quiet=quiet)
            return self._give_up(
                outcome,
                items,
                code,
                f"cannot read existing findings in {target}: {code}: {error_message(exc)}",
            )
        except BotoCoreError as exc:
            return self._give_up(
                outcome, items, type(exc).__name__, f"cannot reach Security Hub in {target}: {exc}"
            )

        to_send: list[_Item] = []
        for item in items:
            finding = dict(item.finding)
            if updated_at is not None:
                finding["UpdatedAt"] = updated_at
            prev = existing.get(item.id)
            if prev is not None:
                item.existed = True
                finding["CreatedAt"] = prev.get("CreatedAt", finding["CreatedAt"])
                finding["FirstObservedAt"] = prev.get("FirstObservedAt", finding["CreatedAt"])
                if (timestamp_ns(prev.get("UpdatedAt", "")) or 0) >= (
                    timestamp_ns(finding["UpdatedAt"]) or 0
                ):
                    outcome.skipped.append(item)  # Security Hub would ignore it: it holds a newer version
                    continue
            item.finding = finding
            to_send.append(item)
        if sweep and updated_at is not None:
            produced = {item.id for item in items}
            now_ns = timestamp_ns(updated_at) or 0
            for fid, prev in existing.items():
                if (
                    fid not in produced
                    and prev.get("RecordState", "ACTIVE") == "ACTIVE"
                    and prev.get("GeneratorId") in sweep
                    and (timestamp_ns(prev.get("UpdatedAt", "")) or 0) < now_ns
                ):
                    to_send.append(_Item(_archived_copy(prev, updated_at), "archive", existed=True))
        if to_send:
            self._send(client, target, to_send, outcome)
        landed = Counter(
            i.kind if i.kind == "archive" else ("updated" if i.existed else "new") for i in outcome.landed
        )
        log.info(
            "%s: %d new, %d updated, %d archived, %d superseded, %d failed",
            target,
            landed["new"],
            landed["updated"],
            landed["archive"],
            len(outcome.skipped),
            len(outcome.failures),
        )
        return outcome

    def _give_up(
        self, outcome: _TargetOutcome, items: list[_Item], code: str, message: str, *, quiet: bool = False
    ) -> _TargetOutcome:
        log.log(
            logging.INFO if quiet else logging.ERROR, "%s; %d finding(s) go to the spool", message, len(items)
        )
        outcome.error = message
        outcome.failures.extend(_Failure(item, code, message, 0) for item in items)
        return outcome

    def _read_existing(
        self, client: BaseClient, target: Target, items: list[_Item], generators: set[str]
    ) -> dict[str, dict[str, Any]]:
        """rootguard's findings already in this hub (ACTIVE and ARCHIVED) for the products and generators
        involved, by Id."""
        products = sorted({str(i.finding["ProductArn"]) for i in items})
        generators = generators | {str(i.finding.get("GeneratorId")) for i in items}
        if not products or not generators:
            return {}
        if len(generators) <= MAX_FILTER_VALUES:
            gen_filter = [{"Value": g, "Comparison": "EQUALS"} for g in sorted(generators)]
        else:
            gen_filter = [{"Value": GENERATOR_PREFIX, "Comparison": "PREFIX"}]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(products), MAX_FILTER_VALUES):
            filters = {
                "ProductArn": [{"Value": p, "Comparison": "EQUALS"} for p in products[start : start + 20]],
                "GeneratorId": gen_filter,
            }
            token: str | None = None
            while True:
                request: dict[str, Any] = {"Filters": filters, "MaxResults": 100}
                if token:
                    request["NextToken"] = token
                page = self._call_with_retries(
                    target, READ_ACTION, lambda r=request: client.get_findings(**r)
                )
                for stored in page.get("Findings", []):
                    if stored.get("GeneratorId") in generators:
                        found[stored["Id"]] = stored
                token = page.get("NextToken")
                if not token:
                    break
        return found

    def _call_with_retries(self, target: Target, action: str, call: Callable[[], Any]) -> Any:
        """One paced call; retriable errors are retried for the configured rounds, then re-raised."""
        for attempt in range(self.settings.retry_rounds + 1):
            if attempt:
                self._sleep(self._backoff.delay(attempt))
            try:
                return call()
            except (ClientError, BotoCoreError) as exc:
                if attempt == self.settings.retry_rounds or not is_retriable_exception(exc):
                    raise
                log.warning("%s %s: %s, retrying", target, action, error_code(exc))
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, client: BaseClient, target: Target, items: list[_Item], outcome: _TargetOutcome) -> None:
        pending = items
        attempts: Counter[str] = Counter()
        last_error: dict[str, tuple[str, str]] = {}
        retried: set[str] = set()
        round_number = 0
        while pending:
            if round_number:
                self._sleep(self._backoff.delay(round_number))
            groups = list(batches(i.finding for i in pending))
            by_id = {i.id: i for i in pending}
            workers = min(self.settings.max_in_flight, len(groups))
            if workers <= 1:
                results = [self._import_batch(client, target, g) for g in groups]
            else:
                with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rootguard-import") as pool:
                    results = list(pool.map(lambda g: self._import_batch(client, target, g), groups))
            retry: list[_Item] = []
            for group, (response, exc) in zip(groups, results, strict=True):
                outcome.calls += 1
                batch_items = [by_id[str(f["Id"])] for f in group]
                for item in batch_items:
                    attempts[item.id] += 1
                if exc is not None:
                    code, message = error_code(exc), error_message(exc)
                    if code == HUB_NOT_ENABLED:
                        outcome.hub_disabled = True
                        outcome.error = hub_not_enabled_message(target)
                    if is_throttling(code):
                        outcome.throttled += 1
                    retriable = is_retriable_exception(exc)
                    for item in batch_items:
                        last_error[item.id] = (code, message)
                        if retriable and not outcome.hub_disabled:
                            retry.append(item)
                        else:
                            outcome.failures.append(
                                _Failure(item, code, message, attempts[item.id], retriable)
                            )
                    continue
                failed = {f.get("Id"): f for f in response.get("FailedFindings") or []}
                for item in batch_items:
                    problem = failed.get(item.id)
                    if problem is None:
                        outcome.landed.append(item)
                        continue
                    code, message = str(problem.get("ErrorCode", "")), str(problem.get("ErrorMessage", ""))
                    last_error[item.id] = (code, message)
                    retriable = is_retriable(code)
                    if retriable and not outcome.hub_disabled:
                        retry.append(item)
                    else:
                        outcome.failures.append(_Failure(item, code, message, attempts[item.id], retriable))
            round_number += 1
            if retry and (round_number > self.settings.retry_rounds or outcome.hub_disabled):
                for item in retry:
                    code, message = last_error[item.id]
                    outcome.failures.append(_Failure(item, code, message, attempts[item.id], True))
                retry = []
            if retry:
                retried.update(i.id for i in retry)
                log.warning(
                    "%s: retrying %d finding(s): %s", target, len(retry), _ids_preview(i.id for i in retry)
                )
            pending = retry
        outcome.retried = len(retried)

    def _import_batch(
        self, client: BaseClient, target: Target, group: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], BaseException | None]:
        try:
            return client.batch_import_findings(Findings=group), None
        except (ClientError, BotoCoreError) as exc:
            return {}, exc

    # ------------------------------------------------------------------------------- reporting

    def _count(self, report: PublishReport, outcomes: Mapping[Any, _TargetOutcome]) -> None:
        for outcome in outcomes.values():
            report.targets += 1
            for item in outcome.landed:
                if item.kind == "archive":
                    report.archived += 1
                elif item.existed:
                    report.updated += 1
                else:
                    report.imported += 1
            report.skipped += len(outcome.skipped)
            report.failed_retried += outcome.retried
            report.calls += outcome.calls
            report.throttled += outcome.throttled
            report.rejected += sum(1 for f in outcome.failures if not f.retriable and f.attempts)
            if outcome.error:
                report.errors.append(outcome.error)
            if outcome.failures and not outcome.error:  # a target-wide error already said all are spooled
                log.warning("not imported (spooled): %s", _ids_preview(f.item.id for f in outcome.failures))

    def _finish(
        self, report: PublishReport, outcomes: Mapping[Target, _TargetOutcome], role: str | None, home: Target
    ) -> None:
        self._count(report, outcomes)
        entries = [
            SpoolEntry(
                account_id=target.account_id,
                region=target.region,
                partition=target.partition,
                role_name=role if target.account_id != home.account_id else None,
                kind=failure.item.kind,
                finding=failure.item.finding,
                error_code=failure.code,
                error_message=failure.message[:1024],
                attempts=failure.attempts,
            )
            for target, outcome in outcomes.items()
            for failure in outcome.failures
        ]
        if entries:
            held = add_to_spool(self.settings.spool_path, entries)
            report.spooled = len(entries)
            ends_with_error = any(
                o.hub_disabled and t.account_id == home.account_id for t, o in outcomes.items()
            )  # _raise_if_home_disabled names the spool
            log.log(
                logging.INFO if ends_with_error else logging.WARNING,
                "%d finding(s) spooled to %s (%d held there)",
                len(entries),
                self.settings.spool_path,
                held,
            )
        log.info("%s", report.summary())

    def _raise_if_home_disabled(
        self, report: PublishReport, outcomes: Mapping[Target, _TargetOutcome], home: Target
    ) -> None:
        for target, outcome in outcomes.items():
            if outcome.hub_disabled and target.account_id == home.account_id:
                message = hub_not_enabled_message(target)
                if report.spooled:
                    message += f"; {report.spooled} finding(s) spooled to {report.spool_path}"
                raise SecurityHubNotEnabledError(message, report)


def publish(
    session: boto3.Session,
    findings: Iterable[dict[str, Any]],
    *,
    checks_ran: Iterable[str],
    run_at: datetime,
    completed_checks: Iterable[str] | None = None,
    settings: PublishSettings | None = None,
    dry_run_path: str | Path | None = None,
    caller: Caller | None = None,
) -> PublishReport:
    """Publisher(session, settings, caller=caller).publish(...) in one call."""
    return Publisher(session, settings, caller=caller).publish(
        findings,
        checks_ran=checks_ran,
        run_at=run_at,
        completed_checks=completed_checks,
        dry_run_path=dry_run_path,
    )


__all__ = [
    "PublishReport",
    "Publisher",
    "SecurityHubNotEnabledError",
    "Target",
    "hub_not_enabled_message",
    "publish",
]
