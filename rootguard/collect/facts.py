"""collect_facts: the facts of one run, read from the management account or the IAM delegated administrator.

Facts come in groups (``rootguard.models.Fact``); each check's spec names the groups it judges and a run reads
the union, each group once. ``collect_facts(..., base=facts)`` reads only the groups `facts` lacks and keeps
the rest, which is how the Prowler bridge serves checks in any order with one read of each group.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import boto3

from rootguard.aws import ClientFactory, ensure_regional_sts, home_region, identify
from rootguard.collect.listing import ListingPolicy
from rootguard.collect.management_root import read_management_root
from rootguard.collect.members import MemberPlan, audit_members
from rootguard.collect.organization import (
    OrgTree,
    read_accounts,
    read_delegated_admins,
    read_features,
    read_organization,
    read_roots,
    read_trusted_access_iam,
    walk_tree,
)
from rootguard.collect.policies import ScpFacts, blocking_policies, read_scp_blocks
from rootguard.collect.progress import LogProgress, ProgressCallback
from rootguard.errors import CollectError, UsageError
from rootguard.models import (
    NOT_IN_USE,
    ROOT_SESSIONS,
    AwsError,
    Fact,
    FeaturesState,
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

    def _tree_of(self) -> OrgTree:
        if self._tree is None:
            self._tree = walk_tree(self.org, self.listing)
        return self._tree

    def _read_accounts(self) -> None:
        if self.organization is None:
            return
        accounts, error = read_accounts(self.org, self._tree_of(), self.listing)
        self.values["accounts"] = accounts
        if error is not None:
            self._unreadable(Fact.ACCOUNTS, error)

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
        ensure_regional_sts(self.factory.client("sts"))
        state = self.values.get("features_state", FeaturesState.ERROR)
        enabled = self.values.get("enabled_features", frozenset())
        unavailable = root_sessions_unavailable(state, enabled, self.values.get("features_error"))
        caller = self.values["caller"]
        scps = self._scps or ScpFacts(blocks=tuple(self.values.get("scp_blocks") or ()))
        plan = MemberPlan(
            management_account_id=self.organization.management_account_id,
            partition=caller.partition,
            root_sessions=not unavailable,
            unavailable_reason=unavailable,
            fallback_role=self.config.assume_role_name,
            excluded=self.config.excluded_accounts,
            blocking=blocking_policies(accounts, scps, caller.partition),
            session_duration=self.config.session_duration,
        )
        self.values["member_audits"] = audit_members(
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
