"""Audit every member account's root credentials: one MemberAudit per account, whatever happens.

Accounts that cannot or must not be audited are triaged first (management account, excluded, suspended,
root sessions unavailable). The rest go to a bounded pool of worker threads; each worker has its own STS
client and one IAM client that it re-signs with each account's short-term credentials.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from rootguard.aws import (
    BorrowedCredentialsClient,
    ClientFactory,
    describe,
    error_code,
    is_access_denied,
    is_expired,
    is_throttling,
)
from rootguard.collect.breaker import AuditBreaker, BreakerOpen
from rootguard.collect.credentials import read_root_credentials
from rootguard.collect.progress import ProgressCallback, SerializedProgress
from rootguard.errors import CollectError
from rootguard.models import Account, AuditOutcome, ErrorKind, MemberAudit, NotEvaluatedReason

log = logging.getLogger("rootguard.collect")

AUDIT_TASK_POLICY = "root-task/IAMAuditRootUserCredentials"
ROLE_SESSION_NAME = "rootguard-audit"
ROLE_SESSION_DURATION = 900  # the AssumeRole minimum
# Queued accounts per worker: a 10,000-account run never holds 10,000 futures.
_IN_FLIGHT_PER_WORKER = 4


def task_policy_arn(partition: str) -> str:
    return f"arn:{partition}:iam::aws:policy/{AUDIT_TASK_POLICY}"


@dataclass(frozen=True)
class MemberPlan:
    """What the audit needs to know about the organization, decided before any member call."""

    management_account_id: str
    partition: str
    root_sessions: bool  # centralized root sessions are usable
    unavailable_reason: str = ""  # why not, when they are not
    fallback_role: str | None = None
    excluded: frozenset[str] = frozenset()
    blocking: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # account -> deny-root SCP ids
    session_duration: int = 60


def _skipped(account_id: str, reason: NotEvaluatedReason, error: str = "") -> MemberAudit:
    return MemberAudit(account_id=account_id, outcome=AuditOutcome.SKIPPED, reason=reason, error=error)


def triage(account: Account, plan: MemberPlan) -> MemberAudit | None:
    """The audit result of an account that must not be audited, or None when it should be."""
    if account.id == plan.management_account_id:
        return _skipped(
            account.id,
            NotEvaluatedReason.MANAGEMENT_ACCOUNT,
            "the management account's root user is outside centralized root access",
        )
    if account.id in plan.excluded:
        return _skipped(account.id, NotEvaluatedReason.EXCLUDED, "excluded by configuration")
    status = account.status.upper()
    if status in ("SUSPENDED", "CLOSED"):
        return _skipped(account.id, NotEvaluatedReason.SUSPENDED, f"account is {status}")
    if status == "PENDING_CLOSURE":
        return _skipped(account.id, NotEvaluatedReason.PENDING_CLOSURE, "account is PENDING_CLOSURE")
    if status != "ACTIVE":
        return _skipped(account.id, NotEvaluatedReason.ERROR, f"account is {status}, not ACTIVE")
    if not plan.root_sessions and not plan.fallback_role:
        return _skipped(account.id, NotEvaluatedReason.ROOT_SESSIONS_UNAVAILABLE, plan.unavailable_reason)
    return None


def _failed(
    account_id: str, reason: NotEvaluatedReason, error: str, method: str, blocking: tuple[str, ...] = ()
) -> MemberAudit:
    return MemberAudit(
        account_id=account_id,
        outcome=AuditOutcome.FAILED,
        reason=reason,
        error=error,
        blocking_policies=blocking,
        method=method,
    )


class _WorkerClients(threading.local):
    sts: object | None = None
    iam: BorrowedCredentialsClient | None = None


class MemberAuditor:
    """Audits one account at a time on the calling thread; never raises for an account's failure."""

    def __init__(self, factory: ClientFactory, plan: MemberPlan, breaker: AuditBreaker | None = None) -> None:
        self._factory = factory
        self._plan = plan
        self._local = _WorkerClients()
        self.breaker = breaker or AuditBreaker()

    def _clients(self) -> tuple[object, BorrowedCredentialsClient]:
        if self._local.sts is None or self._local.iam is None:
            sts = self._factory.sts(audit=True)
            iam = self._factory.audit_client("iam")
            for client in (sts, iam):
                self.breaker.attach(client)
            self._local.sts, self._local.iam = sts, BorrowedCredentialsClient(iam)
        return self._local.sts, self._local.iam

    def _breaker_reason(self) -> NotEvaluatedReason:
        """Why accounts the open breaker stops are not evaluated: a saturated endpoint or a failing one."""
        return (
            NotEvaluatedReason.THROTTLED
            if self.breaker.kind is ErrorKind.THROTTLING
            else NotEvaluatedReason.ERROR
        )

    def audit(self, account_id: str) -> MemberAudit:
        method = "AssumeRoot" if self._plan.root_sessions else "AssumeRole"
        stage = "AssumeRoot" if self._plan.root_sessions else "AssumeRole"
        if self.breaker.open:
            return _failed(
                account_id, self._breaker_reason(), f"not attempted: {self.breaker.reason}", method
            )
        try:
            sts, iam = self._clients()
            for attempt in (1, 2):
                stage = method
                credentials = self._open_session(sts, account_id)
                iam.lend(
                    credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
                )
                del credentials
                stage = "GetAccountSummary"
                try:
                    found, note = read_root_credentials(iam.client, details=self._plan.root_sessions)
                except ClientError as exc:
                    if attempt == 1 and is_expired(error_code(exc)):
                        log.debug("%s: session expired mid-audit, opening a new one", account_id)
                        continue
                    raise
                finally:
                    iam.release()
                return MemberAudit(
                    account_id=account_id,
                    outcome=AuditOutcome.AUDITED,
                    credentials=found,
                    error=note,
                    method=method,
                )
            raise CollectError("session expired twice")  # unreachable: the loop returns or raises
        except ClientError as exc:
            return self._classify(account_id, stage, exc, method)
        except BreakerOpen as exc:
            return _failed(account_id, self._breaker_reason(), f"{stage}: stopped: {exc}", method)
        except (BotoCoreError, CollectError) as exc:
            return _failed(account_id, NotEvaluatedReason.ERROR, f"{stage}: {describe(exc)}", method)
        except Exception as exc:  # a bug or an unexpected answer must not cost the other accounts
            log.warning("%s: unexpected %s during %s", account_id, type(exc).__name__, stage)
            return _failed(account_id, NotEvaluatedReason.ERROR, f"{stage}: {type(exc).__name__}", method)

    def _open_session(self, sts: object, account_id: str) -> dict[str, str]:
        plan = self._plan
        if plan.root_sessions:
            answer = sts.assume_root(  # type: ignore[attr-defined]
                TargetPrincipal=account_id,
                TaskPolicyArn={"arn": task_policy_arn(plan.partition)},
                DurationSeconds=plan.session_duration,
            )
        else:
            answer = sts.assume_role(  # type: ignore[attr-defined]
                RoleArn=f"arn:{plan.partition}:iam::{account_id}:role/{plan.fallback_role}",
                RoleSessionName=ROLE_SESSION_NAME,
                DurationSeconds=ROLE_SESSION_DURATION,
            )
        return answer["Credentials"]

    def _classify(self, account_id: str, stage: str, exc: ClientError, method: str) -> MemberAudit:
        code = error_code(exc)
        error = f"{stage}: {describe(exc)}"
        if is_access_denied(code):
            blocking = self._plan.blocking.get(account_id, ()) if method == "AssumeRoot" else ()
            reason = NotEvaluatedReason.SCP_DENIED if blocking else NotEvaluatedReason.ACCESS_DENIED
            return _failed(account_id, reason, error, method, blocking)
        if is_throttling(code):
            return _failed(account_id, NotEvaluatedReason.THROTTLED, error, method)
        return _failed(account_id, NotEvaluatedReason.ERROR, error, method)


class TotalKnown:
    """Marks the point in a stream of accounts from which every account to audit has been given (the account
    list is complete, or as complete as it will be): progress can report its total from there."""


TOTAL_KNOWN = TotalKnown()
AccountStream = Iterable[Account | TotalKnown]


def audit_members(
    accounts: AccountStream,
    plan: MemberPlan,
    factory: ClientFactory,
    *,
    max_workers: int,
    progress: ProgressCallback | None = None,
    auditor: Callable[[str], MemberAudit] | None = None,
) -> dict[str, MemberAudit]:
    """One MemberAudit for every account given, keyed by account id.

    `accounts` is a list, or a stream the organization read is still filling (the audit starts on the first
    accounts it gets and takes each one as it comes; TOTAL_KNOWN in the stream says the rest are given, and
    progress, held until then, catches up). ``auditor`` replaces the AWS call layer (tests); by default a
    :class:`MemberAuditor` over ``factory``.
    """
    results: dict[str, MemberAudit] = {}
    audit_one = auditor or MemberAuditor(factory, plan).audit
    streamed = not isinstance(accounts, list | tuple)
    tracker = SerializedProgress(progress, 0, final=False) if progress else None

    def to_audit() -> Iterator[str]:
        for account in accounts:
            if isinstance(account, TotalKnown):
                if tracker:
                    tracker.finalize()
                continue
            decided = triage(account, plan)
            if decided is None:
                if tracker:
                    tracker.grow()
                yield account.id
            else:
                log.debug("member audit: %s %s", account.id, _said(decided))
                results[account.id] = decided
        if tracker:
            tracker.finalize()

    if streamed:
        ids: Iterator[str] = to_audit()
        log.info(
            "member audit: auditing accounts as the organization read finds them, %d workers", max_workers
        )
    else:
        listed = list(to_audit())  # a list: triage it all first, so progress starts from its total
        ids = iter(listed)
        log.info(
            "member audit: %d accounts to audit, %d skipped, %d workers",
            len(listed),
            len(results),
            min(max_workers, max(len(listed), 1)),
        )
    if tracker:
        tracker.start()
    for audit in _run_pool(ids, audit_one, max_workers, tracker):
        results[audit.account_id] = audit
    return {account_id: results[account_id] for account_id in sorted(results)}


def with_blocking(
    audits: Mapping[str, MemberAudit], blocking: Mapping[str, tuple[str, ...]]
) -> dict[str, MemberAudit]:
    """Audits whose root session was denied, explained by the deny-root SCPs on each account's path: what the
    audit concludes itself when `MemberPlan.blocking` is known before it starts, for an audit that started
    before the organization read (and so each account's OU path) was complete."""
    out = dict(audits)
    for account_id, audit in audits.items():
        policies = blocking.get(account_id)
        if (
            policies
            and audit.outcome is AuditOutcome.FAILED
            and audit.reason is NotEvaluatedReason.ACCESS_DENIED
            and audit.method == "AssumeRoot"
        ):
            out[account_id] = audit.model_copy(
                update={"reason": NotEvaluatedReason.SCP_DENIED, "blocking_policies": policies}
            )
    return out


def _run_pool(
    account_ids: Iterator[str],
    audit_one: Callable[[str], MemberAudit],
    max_workers: int,
    tracker: SerializedProgress | None,
) -> Iterable[MemberAudit]:
    """Audit on a bounded pool, yielding each result as it completes. At most a few accounts per worker are
    queued at a time, and completions arrive through one queue, so each account costs O(1) bookkeeping
    (waiting on every pending future per completion would cost O(workers)). `account_ids` may block while
    the organization read finds more; the pool keeps working on what it has."""
    workers = max(1, max_workers)
    completed: queue.SimpleQueue[Future[MemberAudit]] = queue.SimpleQueue()
    pending: dict[Future[MemberAudit], str] = {}
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rootguard-audit")
    try:
        while True:
            for account_id in account_ids:
                future = pool.submit(audit_one, account_id)
                pending[future] = account_id
                future.add_done_callback(completed.put)
                if len(pending) >= workers * _IN_FLIGHT_PER_WORKER:
                    break
            if not pending:
                break
            future = completed.get()
            account_id = pending.pop(future)
            audit = _result_of(future, account_id)
            log.debug("member audit: %s %s", account_id, _said(audit))
            yield audit
            if tracker:
                tracker.step()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _said(audit: MemberAudit) -> str:
    """One account's audit in a few words, for the -vv log (never credentials: kinds only)."""
    if audit.outcome is AuditOutcome.AUDITED and audit.credentials is not None:
        return f"audited: {', '.join(audit.credentials.kinds) or 'clean'}"
    return (
        f"{audit.outcome.value.lower()}: {audit.reason.value if audit.reason else ''} {audit.error}".rstrip()
    )


def _result_of(future: Future[MemberAudit], account_id: str) -> MemberAudit:
    try:
        audit = future.result()
    except Exception as exc:  # the default auditor never raises; an injected one might
        return _failed(account_id, NotEvaluatedReason.ERROR, type(exc).__name__, "AssumeRoot")
    if audit.account_id != account_id:
        error = "auditor answered for another account"
        return _failed(account_id, NotEvaluatedReason.ERROR, error, "AssumeRoot")
    return audit
