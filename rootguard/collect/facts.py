"""collect_facts: the facts of one run, read from the management account or the IAM delegated administrator.

Facts come in groups (``rootguard.models.Fact``); each check's spec names the groups it judges and a run reads
the union, each group once. ``collect_facts(..., base=facts)`` reads only the groups `facts` lacks and keeps
the rest, which is how the Prowler bridge serves checks in any order with one read of each group.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import boto3

from rootguard.aws import ClientFactory, ensure_regional_sts, home_region, identify
from rootguard.collect.listing import ListingPolicy
from rootguard.collect.management_root import read_management_root
from rootguard.collect.members import (
    TOTAL_KNOWN,
    AccountStream,
    MemberPlan,
    TotalKnown,
    audit_members,
    with_blocking,
)
from rootguard.collect.organization import (
    OrgTree,
    read_all_accounts,
    read_delegated_admins,
    read_features,
    read_organization,
    read_roots,
    read_trusted_access_iam,
)
from rootguard.collect.policies import ScpFacts, blocking_policies, read_scp_blocks
from rootguard.collect.progress import LogProgress, ProgressCallback
from rootguard.errors import CollectError, UsageError
from rootguard.models import (
    NOT_IN_USE,
    ROOT_SESSIONS,
    Account,
    AwsError,
    Fact,
    FeaturesState,
    MemberAudit,
    OrgFacts,
    with_prerequisites,
)
from rootguard.settings import CollectConfig

log = logging.getLogger("rootguard.collect")

ALL_FACTS: frozenset[Fact] = frozenset(Fact)
# iam:ListOrganizationsFeatures answers that are a lack of access, not an answer about the organization.
FEATURES_UNREAD = frozenset(
    {FeaturesState.ERROR, FeaturesState.ACCESS_DENIED, FeaturesState.NOT_MANAGEMENT_OR_DELEGATED_ADMIN}
)


def root_sessions_unavailable(state: FeaturesState, enabled: frozenset[str], error: AwsError | None) -> str:
    """Why root sessions cannot be opened, or "" when they can."""
    if state is not FeaturesState.OK:
        detail = f" ({error})" if error else ""
        return f"centralized root access features unreadable: {state.value}{detail}"
    if ROOT_SESSIONS not in enabled:
        return "the RootSessions feature of centralized root access is not enabled"
    return ""


class _Run:
    """One collection: the clients, and the facts read so far as keyword arguments of OrgFacts."""

    def __init__(
        self,
        session: boto3.Session,
        config: CollectConfig,
        base: OrgFacts | None,
        progress: ProgressCallback | None,
        audit_due: bool,
        listing: ListingPolicy | None,
    ) -> None:
        try:
            region = home_region(session, config.region)
        except UsageError as exc:
            raise CollectError(str(exc)) from None
        self.config = config
        self.progress = progress
        self.listing = listing or ListingPolicy(budget_s=config.retry_budget_s)
        self.factory = ClientFactory(session, region, config.max_attempts)
        self.values: dict[str, Any] = {}
        if base is not None:
            skip = {"collected", "collected_at"}
            self.values = {name: getattr(base, name) for name in OrgFacts.model_fields if name not in skip}
        self.collected: set[Fact] = set(base.collected) if base else set()
        self._org_client: Any = None
        self.audit_with_accounts = False
        self._tree: OrgTree | None = None
        self._scps: ScpFacts | None = None
        if base is None:
            # A member audit needs a Regional STS endpoint: factory.sts() says so before anything is read.
            sts = self.factory.sts() if audit_due else self.factory.client("sts")
            self.values["caller"] = identify(session, region, sts=sts)

    @property
    def org(self) -> Any:
        if self._org_client is None:
            self._org_client = self.factory.client("organizations")
        return self._org_client

    @property
    def organization(self) -> Any:
        return self.values.get("organization")

    # ------------------------------------------------------------------------------------------- groups

    def read(self, fact: Fact) -> None:
        if fact in self.collected:
            return
        getattr(self, f"_read_{fact.value}")()
        self.collected.add(fact)

    def _read_organization(self) -> None:
        organization, error = read_organization(self.org)
        self.values["organization"] = organization
        self.values["organization_error"] = error
        if organization is None:
            log.info("no organization: %s", error)
            if error is not None and error.code != NOT_IN_USE:  # not in one is an answer; the rest is not
                self._unreadable(Fact.ORGANIZATION, error)

    def _read_trusted_access(self) -> None:
        if self.organization is not None:
            trusted, error = read_trusted_access_iam(self.org, self.listing)
            self.values["trusted_access_iam"] = trusted
            if error is not None:
                self._unreadable(Fact.TRUSTED_ACCESS, error)

    def _read_delegated_admins(self) -> None:
        if self.organization is not None:
            admins, error = read_delegated_admins(self.org, self.listing)
            self.values["delegated_admins"] = admins
            if error is not None:
                self._unreadable(Fact.DELEGATED_ADMINS, error)

    def _read_features(self) -> None:
        state, enabled, error = read_features(self.factory.client("iam"))
        self.values.update(features_state=state, enabled_features=enabled, features_error=error)
        if state in FEATURES_UNREAD and error is not None:
            self._unreadable(Fact.FEATURES, error)

    def _read_accounts(self) -> None:
        if self.organization is None:
            return
        if self.audit_with_accounts and self.config.member_audit:
            self._read_accounts_and_audit()
            return
        tree, accounts, error = read_all_accounts(self.org, self.listing)
        self._set_accounts(tree, accounts, error)

    def _set_accounts(self, tree: OrgTree, accounts: tuple[Account, ...], error: AwsError | None) -> None:
        self._tree = tree
        self.values["accounts"] = accounts
        if error is not None:
            self._unreadable(Fact.ACCOUNTS, error)

    def _read_accounts_and_audit(self) -> None:
        """The account list, the SCPs and the member audit, overlapped: the roots and the SCPs first (a few
        calls), then the walk and ListAccounts feed the audit as their pages arrive. Which SCP explains a
        denied root session needs each account's OU path, so it is settled once the read is complete."""
        assert self.organization is not None
        roots = read_roots(self.org, self.listing)
        self._tree = OrgTree(roots=roots[0], error=roots[1], roots_error=roots[1])
        self.read(Fact.SCPS)
        management = self.organization.management_account_id
        plan = self._member_plan({})
        feed = AccountFeed(exclude=management)
        outcome: list[tuple[OrgTree, tuple[Account, ...], AwsError | None]] = []

        def read() -> None:
            try:
                outcome.append(
                    read_all_accounts(
                        self.org, self.listing, roots=roots, on_accounts=feed.put, on_complete=feed.complete
                    )
                )
            except FeedCancelled:
                feed.close()
                return
            except BaseException as exc:  # the audit must not wait for accounts that will never come
                feed.close(exc)
                raise
            feed.close()

        reader = threading.Thread(target=read, name="rootguard-org-read", daemon=True)
        reader.start()
        try:
            audits = self._audit(feed, plan)
        except BaseException:
            feed.cancel()  # no Organizations calls go on behind an audit that failed or was interrupted
            raise
        reader.join()
        feed.raise_failure()
        tree, accounts, error = outcome[0]
        self._set_accounts(tree, accounts, error)
        members = [a for a in accounts if a.id != management]
        if members and audits is not None:
            scps = self._scps or ScpFacts()
            blocking = blocking_policies(members, scps, self.values["caller"].partition)
            self.values["member_audits"] = with_blocking(audits, blocking)
        self.collected.add(Fact.MEMBER_AUDIT)

    def _read_scps(self) -> None:
        if self.organization is None or self.organization.feature_set != "ALL":
            self._scps = ScpFacts()
        else:
            # The accounts may have been read by an earlier collection: then only the roots are read again.
            tree = self._tree
            if tree is None:
                roots, error = read_roots(self.org, self.listing)
                tree = OrgTree(roots=roots, error=error, roots_error=error)
            self._scps = read_scp_blocks(self.org, tree, self.values["caller"].partition, self.listing)
        self.values["scp_blocks"] = self._scps.blocks
        self.values["scps_readable"] = self._scps.readable
        if self._scps.error is not None:
            self._unreadable(Fact.SCPS, self._scps.error)

    def _read_member_audit(self) -> None:
        if self.organization is None or not self.config.member_audit:
            return
        # The management account is not a member: centralized root access does not cover its root user.
        management = self.organization.management_account_id
        accounts = [a for a in self.values.get("accounts") or () if a.id != management]
        if not accounts:
            return
        caller = self.values["caller"]
        scps = self._scps or ScpFacts(blocks=tuple(self.values.get("scp_blocks") or ()))
        plan = self._member_plan(blocking_policies(accounts, scps, caller.partition))
        self.values["member_audits"] = self._audit(accounts, plan)

    def _member_plan(self, blocking: Mapping[str, tuple[str, ...]]) -> MemberPlan:
        assert self.organization is not None
        state = self.values.get("features_state", FeaturesState.ERROR)
        enabled = self.values.get("enabled_features", frozenset())
        unavailable = root_sessions_unavailable(state, enabled, self.values.get("features_error"))
        return MemberPlan(
            management_account_id=self.organization.management_account_id,
            partition=self.values["caller"].partition,
            root_sessions=not unavailable,
            unavailable_reason=unavailable,
            fallback_role=self.config.assume_role_name,
            excluded=self.config.excluded_accounts,
            blocking=blocking,
            session_duration=self.config.session_duration,
        )

    def _audit(self, accounts: AccountStream, plan: MemberPlan) -> dict[str, MemberAudit] | None:
        """The member audit of `accounts` (a list, or a feed the organization read fills); None when the
        feed brought no member account."""
        if isinstance(accounts, AccountFeed) and not accounts.wait_for_first():
            return None
        ensure_regional_sts(self.factory.client("sts"))
        return audit_members(
            accounts,
            plan,
            self.factory,
            max_workers=self.config.max_workers,
            progress=self.progress if self.progress is not None else LogProgress(),
        )

    def _read_management_root(self) -> None:
        caller = self.values["caller"]
        if self.organization is None or caller.account_id != self.organization.management_account_id:
            return  # not the management account: the rule says why it cannot judge
        root, error = read_management_root(self.factory.client("iam"), caller)
        self.values["management_root"] = root
        if error is not None:
            self._unreadable(Fact.MANAGEMENT_ROOT, error)

    def _unreadable(self, fact: Fact, error: AwsError) -> None:
        log.warning("%s not readable: %s", fact.value.replace("_", " "), error)
        unreadable = dict(self.values.get("unreadable") or {})
        unreadable[fact] = error
        self.values["unreadable"] = unreadable

    def facts(self) -> OrgFacts:
        values = dict(self.values)
        values["collected"] = frozenset(self.collected)
        return OrgFacts(**values, collected_at=datetime.now(UTC))


class FeedCancelled(Exception):
    """Raised in the organization read when the audit it feeds has stopped."""


class AccountFeed:
    """Accounts as the organization read finds them, each once and never the management account, for the
    member audit to take as they come; TOTAL_KNOWN once the account list is complete. Thread-safe: the
    walk's threads and ListAccounts' put pages in; one consumer iterates."""

    _END = object()

    def __init__(self, exclude: str) -> None:
        self._exclude = exclude
        self._cancelled = False
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._completed = False
        self._failure: BaseException | None = None
        self._held: list[Account | TotalKnown] = []  # taken while waiting for the first account

    def put(self, accounts: list[Account]) -> None:
        """Hand accounts to the audit; FeedCancelled once the audit has stopped (the read then stops too)."""
        with self._lock:
            if self._cancelled:
                raise FeedCancelled
            for account in accounts:
                if account.id != self._exclude and account.id not in self._seen:
                    self._seen.add(account.id)
                    self._queue.put(account)

    def complete(self) -> None:
        """The account list is complete (one listing finished without error)."""
        with self._lock:
            if not self._completed:
                self._completed = True
                self._queue.put(TOTAL_KNOWN)

    def close(self, failure: BaseException | None = None) -> None:
        """The read is over (it failed with `failure`, when given): the stream ends."""
        self._failure = failure
        self._queue.put(self._END)

    def cancel(self) -> None:
        """The audit stopped (it raised): the read stops at its next page instead of reading on unseen."""
        with self._lock:
            self._cancelled = True

    def raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def wait_for_first(self) -> bool:
        """Wait for the first member account; False when the read ends with none."""
        while not any(isinstance(item, Account) for item in self._held):
            item = self._queue.get()
            if item is self._END:
                self._queue.put(item)  # the stream still ends where it ended
                return False
            self._held.append(item)
        return True

    def __iter__(self) -> Iterator[Account | TotalKnown]:
        held, self._held = self._held, []
        yield from held
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            yield item


def _order(needs: Iterable[Fact]) -> list[Fact]:
    """Groups in the order they must be read (prerequisites first)."""
    order = list(Fact)
    return sorted(with_prerequisites(frozenset(needs)), key=order.index)


def collect_facts(
    session: boto3.Session,
    config: CollectConfig | None = None,
    progress: ProgressCallback | None = None,
    *,
    needs: Iterable[Fact] | None = None,
    base: OrgFacts | None = None,
    listing: ListingPolicy | None = None,
) -> OrgFacts:
    """Read the fact groups in `needs` (default: all of them) and what they need first.

    With `base`, groups `base` already holds are kept as they are and only the others are read (its caller
    is reused). Raises AwsSetupError only when nothing can be read at all: the caller cannot be
    identified (one line naming the set-up mistake), or (CollectError) the STS endpoint is the global one while
    a member audit is due. ``progress(done, total)`` follows the
    member audit; by default an INFO log line at every tenth (the CLI shows a live line on a terminal and plain
    lines otherwise: rootguard.collect.progress.default_progress).
    """
    config = config or CollectConfig()
    started = time.monotonic()
    wanted = _order(ALL_FACTS if needs is None else needs)
    audit_due = Fact.MEMBER_AUDIT in wanted and config.member_audit
    run = _Run(session, config, base, progress, audit_due, listing)
    # The member audit takes accounts as the organization read finds them, when this run reads both.
    run.audit_with_accounts = audit_due and Fact.ACCOUNTS in wanted and Fact.ACCOUNTS not in run.collected
    caller = run.values["caller"]
    if base is None:
        log.info("collecting as %s in %s (partition %s)", caller.account_id, caller.region, caller.partition)
    for fact in wanted:
        run.read(fact)
    facts = run.facts()
    if facts.organization is not None:
        log.info(
            "organization %s: %d accounts, features %s %s, %d deny-root SCP attachments",
            facts.organization.id,
            len(facts.accounts),
            facts.features_state.value,
            sorted(facts.enabled_features),
            len(facts.scp_blocks),
        )
    log.info("facts collected in %.1f s", time.monotonic() - started)
    return facts
