"""Publish ASFF findings to Security Hub CSPM without losing any: the orchestration.

    from rootguard.securityhub import Publisher, PublishSettings

    report = Publisher(session, PublishSettings()).publish(
        findings, checks_ran=["iam_member_root_credentials_absent"], run_at=run_at
    )
    if report.spooled:  # replay later with Publisher(session).resume(spool_path)
        ...

Each job is its own module; this one only strings them together. Findings are routed to their hub (account
and Region, targets.py); per hub, at most `max_targets_in_flight` at once: read rootguard's earlier findings
(existing.py) to keep their history, add ARCHIVED copies of what a completed check no longer produces
(archive.py), and send in batches (batching.py, send.py) paced per hub (pacing.py) with retry rounds
(retry.py). The outcomes are counted (report.py) and whatever failed goes to the spool (spool.py), which
`resume` replays. Logs carry finding ids, never bodies.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import boto3
from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.aws.errors import HUB_NOT_ENABLED, error_code, error_message
from rootguard.aws.session import identify
from rootguard.findings.build import iso_timestamp
from rootguard.findings.ids import generator_id
from rootguard.findings.summary import MEMBER_CHECK_ID, SUMMARY_CHECK_ID, organization_summary
from rootguard.findings.timestamps import timestamp_ns
from rootguard.models import Caller
from rootguard.securityhub import archive
from rootguard.securityhub.dryrun import write_asff
from rootguard.securityhub.existing import READ_RESTARTS, read_existing, with_history
from rootguard.securityhub.lock import PublishLockTimeout, publish_lock
from rootguard.securityhub.outcome import HubOutcome, Item, ids_preview
from rootguard.securityhub.pacing import READ_ACTION, Clock, Pacer, RateLimiter, Sleep, hub_limits
from rootguard.securityhub.report import PublishReport, SecurityHubNotEnabledError, hub_not_enabled_message
from rootguard.securityhub.retry import Backoff, RetryRounds
from rootguard.securityhub.send import send
from rootguard.securityhub.spool import (
    Marker,
    SpoolEntry,
    add_to_spool,
    inspect_spool,
    read_spool,
    settle_spool_counts,
    tidy_spool,
)
from rootguard.securityhub.targets import HubClients, Target, TargetError, client_config, route
from rootguard.settings import PublishSettings

log = logging.getLogger(__name__)
K = TypeVar("K")
MAX_SPOOLED_MESSAGE = 1024  # characters of an error message kept in a spool entry


class Publisher:
    """Sends findings to Security Hub CSPM per account and Region; see the module docstring.

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
        self._clock, self._sleep = clock, sleep
        self._pacer = Pacer(RateLimiter(hub_limits(s), clock=clock, sleep=sleep))
        self._rounds = RetryRounds(
            s.retry_rounds, backoff or Backoff(base=s.backoff_base_s, cap=s.backoff_cap_s), sleep
        )
        self._config = client_config(s.max_in_flight, s.botocore_max_attempts, validate_params=False)
        self._client_for = client_for
        self._clients: HubClients | None = None
        self._caller = caller

    def caller(self) -> Caller:
        """Who the session is: given at construction, else read once with rootguard.aws.identify (set-up
        mistakes there are one-line AwsSetupError). A dry run never asks."""
        if self._caller is None:
            self._caller = identify(self.session)
        return self._caller

    def _home(self) -> Target:
        """The publishing account's own hub, in its home Region."""
        caller = self.caller()
        return Target(caller.account_id, caller.region, caller.partition)

    def _client(self, target: Target, role_name: str | None) -> BaseClient:
        if self._client_for is not None:
            client = self._client_for(target, role_name)
        else:
            if self._clients is None:
                self._clients = HubClients(self.session, self.caller().account_id, self._config)
            client = self._clients.client(target, role_name)
        self._pacer.pace(client, target)
        return client

    # ------------------------------------------------------------------------------- publish

    def publish(
        self,
        findings: Iterable[dict[str, Any]],
        *,
        checks_ran: Iterable[str],
        run_at: datetime,
        completed_checks: Iterable[str] | None = None,
        dry_run_path: str | Path | None = None,
        replay_spool: bool = False,
    ) -> PublishReport:
        """Import `findings` (validated ASFF dicts) and archive resolved ones.

        `checks_ran`: check ids this run evaluated. `completed_checks`: those whose collection completed, the
        only ones whose absent findings may be archived (default: all of `checks_ran`; pass fewer when part of
        the collect failed, or [] for no sweep). `dry_run_path`: write the ASFF file there and send nothing.
        `replay_spool`: first replay the spool (`settings.spool_path`), leaving out entries this run
        supersedes (same hub and Id, older UpdatedAt), so a successful run leaves no stale entries behind.

        The publishing part holds the lock of the spool's folder (rootguard.securityhub.lock): another run
        publishing from there is waited for, up to `lock_timeout_s`; after that this run's findings are
        spooled, not sent, and `errors` says why.
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
        completed = ran if completed_checks is None else list(dict.fromkeys(completed_checks))
        home = self._home()

        if self.settings.summary_finding:
            summary = organization_summary(
                items, account_id=home.account_id, region=home.region, partition=home.partition, run_at=run_at
            )
            if summary is not None:
                items.append(summary)
                ran.append(SUMMARY_CHECK_ID)
                if MEMBER_CHECK_ID in completed:  # the summary is as complete as the member check
                    completed.append(SUMMARY_CHECK_ID)

        routes = route(items, placement=self.settings.placement, publishing_account=home.account_id)
        del items  # the routes hold every finding from here on
        report.errors.extend(routes.refused)
        report.skipped += routes.skipped
        if routes.duplicates:
            log.warning(
                "%d duplicate finding id(s) in the input: the last of each is sent", routes.duplicates
            )
        role = self.settings.member_role_name if self.settings.placement == "per-member" else None
        try:
            with self._locked():
                if replay_spool:
                    produced = {
                        (t.account_id, t.region, i.id) for t, group in routes.hubs.items() for i in group
                    }
                    run_ns = timestamp_ns(updated_at) or 0

                    def superseded(entry: SpoolEntry) -> bool:
                        return entry.key in produced and (timestamp_ns(entry.updated_at) or 0) < run_ns

                    replayed, _ = self._replay(Path(self.settings.spool_path), superseded)
                    report.merge(replayed)
                swept = {generator_id(c) for c in completed} if self.settings.archive_resolved else set()
                read = {generator_id(c) for c in ran}
                outcomes = self._run_hubs(
                    {
                        target: (
                            lambda t=target, group=group: self._publish_hub(
                                t, group, role, swept=swept, read=read, updated_at=updated_at
                            )
                        )
                        for target, group in routes.hubs.items()
                    }
                )
                self._count(report, outcomes.values())
                self._spool(report, outcomes, role, home)
        except PublishLockTimeout as exc:
            self._spool_unsent(report, routes.hubs, role, home, str(exc))
            outcomes = {}
        log.info("%s", report.summary())
        report.duration_s = round(time.monotonic() - started, 3)
        self._raise_if_home_disabled(report, outcomes, home)
        return report

    # ------------------------------------------------------------------------------- resume

    def resume(self, spool_path: str | Path | None = None) -> PublishReport:
        """Replay a spool file: import each entry into its account and Region (keeping CreatedAt of what is
        already there), remove what landed or was superseded, keep the rest with its latest error, and move
        lines that are not entries to `<spool>.quarantine`. Holds the publish lock, like publish."""
        started = time.monotonic()
        path = Path(spool_path or self.settings.spool_path)
        try:
            with self._locked():
                report, outcomes = self._replay(path)
        except PublishLockTimeout as exc:
            held = inspect_spool(path).entries
            log.error("%s; the %d spooled finding(s) stay in %s", exc, held, path)
            return PublishReport(spool_path=str(path), spooled=held, errors=[str(exc)])
        report.duration_s = round(time.monotonic() - started, 3)
        if outcomes:
            self._raise_if_home_disabled(report, {k[0]: o for k, o in outcomes.items()}, self._home())
        return report

    def _replay(
        self, path: Path, drop: Callable[[SpoolEntry], bool] | None = None
    ) -> tuple[PublishReport, dict[tuple[Target, str | None], HubOutcome]]:
        """Replay the spool at `path` (the caller holds the publish lock). Entries `drop` selects leave the
        spool unsent (a newer version of the same finding is being published by this run)."""
        report = PublishReport(spool_path=str(path))
        groups: dict[tuple[Target, str | None], list[Item]] = defaultdict(list)
        dropped: dict[Marker, SpoolEntry | None] = {}
        for entry in read_spool(path):
            if drop is not None and drop(entry):
                dropped[(*entry.key, entry.updated_at)] = None
                continue
            target = Target(entry.account_id, entry.region, entry.partition)
            groups[(target, entry.role_name)].append(Item(entry.finding, entry.kind, source=entry))
        outcomes = self._run_hubs(
            {
                key: (
                    lambda k=key, group=group: self._publish_hub(
                        k[0], group, k[1], swept=set(), read=set(), updated_at=None
                    )
                )
                for key, group in groups.items()
            }
        )
        del groups
        settled = {**_settled(outcomes.values()), **dropped}
        if path.exists():
            remaining, report.quarantined = settle_spool_counts(path, settled)
        else:
            remaining = 0
            tidy_spool(path)
        self._count(report, outcomes.values())
        report.spooled = sum(len(o.failures) for o in outcomes.values())
        report.replayed = sum(1 for v in settled.values() if v is None)
        report.skipped += len(dropped)
        if dropped:
            log.info("%d spooled finding(s) superseded by this run's newer version: dropped", len(dropped))
        if outcomes or report.quarantined:
            log.info("replay of %s: %s; %d entries remain", path, report.summary(), remaining)
        else:
            log.info("spool %s is empty: nothing to replay", path)
        return report, outcomes

    def _locked(self) -> AbstractContextManager[None]:
        """The publish lock of the spool's folder (the output directory)."""
        folder = Path(self.settings.spool_path).parent
        return publish_lock(folder, self.settings.lock_timeout_s, clock=self._clock, sleep=self._sleep)

    # ------------------------------------------------------------------------------- per hub

    def _run_hubs(self, jobs: Mapping[K, Callable[[], HubOutcome]]) -> dict[K, HubOutcome]:
        """Run one job per hub, up to `max_targets_in_flight` at once."""
        if len(jobs) <= 1:
            return {key: job() for key, job in jobs.items()}
        workers = min(self.settings.max_targets_in_flight, len(jobs))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rootguard-hub") as pool:
            futures = {key: pool.submit(job) for key, job in jobs.items()}
            return {key: future.result() for key, future in futures.items()}

    def _publish_hub(
        self,
        target: Target,
        items: list[Item],
        role_name: str | None,
        *,
        swept: set[str],
        read: set[str],
        updated_at: str | None,
    ) -> HubOutcome:
        """Read, merge history, add the sweep's archives, send. `swept`: GeneratorIds of completed checks;
        `read`: GeneratorIds whose stored findings matter; `updated_at`: the run's (None on replay)."""
        outcome = HubOutcome()
        try:
            client = self._client(target, role_name)
            existing = read_existing(
                lambda request: self._rounds.call(
                    lambda: client.get_findings(**request), f"{target} {READ_ACTION}"
                ),
                [i.finding for i in items],
                swept | read,
                restarts=READ_RESTARTS,
                before_restart=self._rounds.wait,
            )
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
            message = f"cannot read existing findings in {target}: {code}: {error_message(exc)}"
            return self._give_up(outcome, items, code, message)
        except BotoCoreError as exc:
            message = f"cannot reach Security Hub CSPM in {target}: {exc}"
            return self._give_up(outcome, items, type(exc).__name__, message)

        to_send: list[Item] = []
        for item in items:
            stored = existing.get(item.id)
            item.existed = stored is not None
            finding = with_history(item.finding, stored, updated_at)
            if finding is None:
                outcome.skipped.append(item)  # Security Hub would ignore it: it holds a newer version
                continue
            item.finding = finding
            to_send.append(item)
        if swept and updated_at is not None:
            produced = {item.id for item in items}
            resolved = archive.sweep(existing, produced=produced, completed=swept, updated_at=updated_at)
            to_send.extend(Item(copy, "archive", existed=True) for copy in resolved)
        if to_send:
            send(
                client,
                target,
                to_send,
                outcome,
                max_in_flight=self.settings.max_in_flight,
                rounds=self._rounds,
            )
        landed = outcome.landed_counts()
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
        self, outcome: HubOutcome, items: list[Item], code: str, message: str, *, quiet: bool = False
    ) -> HubOutcome:
        log.log(
            logging.INFO if quiet else logging.ERROR, "%s; %d finding(s) go to the spool", message, len(items)
        )
        outcome.give_up(items, code, message)
        return outcome

    # ------------------------------------------------------------------------------- after the hubs

    def _count(self, report: PublishReport, outcomes: Iterable[HubOutcome]) -> None:
        for outcome in outcomes:
            report.add(outcome)
            if outcome.failures and not outcome.error:  # a hub-wide error already said all are spooled
                log.warning("not imported (spooled): %s", ids_preview(f.item.id for f in outcome.failures))

    def _spool(
        self, report: PublishReport, outcomes: Mapping[Target, HubOutcome], role: str | None, home: Target
    ) -> None:
        """Add every failure to the spool, with what a replay needs: its hub, and the role to assume there
        when that is not the publishing account."""
        entries = [
            SpoolEntry(
                account_id=target.account_id,
                region=target.region,
                partition=target.partition,
                role_name=role if target.account_id != home.account_id else None,
                kind=failure.item.kind,
                finding=failure.item.finding,
                error_code=failure.code,
                error_message=failure.message[:MAX_SPOOLED_MESSAGE],
                attempts=failure.attempts,
            )
            for target, outcome in outcomes.items()
            for failure in outcome.failures
        ]
        if not entries:
            return
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

    def _spool_unsent(
        self,
        report: PublishReport,
        hubs: Mapping[Target, list[Item]],
        role: str | None,
        home: Target,
        reason: str,
    ) -> None:
        """Another run kept the publish lock past the timeout: spool every finding of this run (nothing was
        read or sent), so the next run imports them, and say why in one line."""
        entries = [
            SpoolEntry(
                account_id=target.account_id,
                region=target.region,
                partition=target.partition,
                role_name=role if target.account_id != home.account_id else None,
                kind=item.kind,
                finding=item.finding,
                error_code="PublishLockTimeout",
                error_message=reason[:MAX_SPOOLED_MESSAGE],
            )
            for target, group in hubs.items()
            for item in group
        ]
        held = add_to_spool(self.settings.spool_path, entries) if entries else 0
        report.spooled += len(entries)
        report.errors.append(f"{reason}; {len(entries)} finding(s) spooled to {self.settings.spool_path}")
        log.error("%s", report.errors[-1])
        log.info("%d finding(s) held in %s", held, self.settings.spool_path)

    def _raise_if_home_disabled(
        self, report: PublishReport, outcomes: Mapping[Target, HubOutcome], home: Target
    ) -> None:
        for target, outcome in outcomes.items():
            if outcome.hub_disabled and target.account_id == home.account_id:
                message = hub_not_enabled_message(target)
                if report.spooled:
                    message += f"; {report.spooled} finding(s) spooled to {report.spool_path}"
                raise SecurityHubNotEnabledError(message, report)


def _settled(outcomes: Iterable[HubOutcome]) -> dict[Marker, SpoolEntry | None]:
    """A replay's outcome per spool entry, for settle_spool: None for what landed or was superseded, the
    entry with its latest error and attempt count for what failed again."""
    settled: dict[Marker, SpoolEntry | None] = {}
    for outcome in outcomes:
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
    return settled


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
    replay_spool: bool = False,
) -> PublishReport:
    """Publisher(session, settings, caller=caller).publish(...) in one call."""
    return Publisher(session, settings, caller=caller).publish(
        findings,
        checks_ran=checks_ran,
        run_at=run_at,
        completed_checks=completed_checks,
        dry_run_path=dry_run_path,
        replay_spool=replay_spool,
    )
