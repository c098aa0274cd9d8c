"""The member-audit pool and triage, with the AWS call layer replaced by a plain function.

The same paths run against the sandbox in test_collect_sandbox.py; these tests pin what the sandbox cannot
show directly: concurrency bounds, results keyed to the right account, and an auditor that raises.
"""

from __future__ import annotations

import threading
import time

import boto3
import pytest

from rootguard.aws import ClientFactory
from rootguard.collect.members import MemberPlan, audit_members, triage
from rootguard.models import Account, AuditOutcome, MemberAudit, NotEvaluatedReason, RootCredentials

MGMT = "111111111111"


def accounts(n: int, **kw: str) -> list[Account]:
    return [Account(id=f"{200000000000 + i}", **kw) for i in range(n)]


def plan(**kw: object) -> MemberPlan:
    base: dict[str, object] = {"management_account_id": MGMT, "partition": "aws", "root_sessions": True}
    base.update(kw)
    return MemberPlan(**base)  # type: ignore[arg-type]


def factory() -> ClientFactory:
    # Never used by these tests' injected auditors; no credentials are needed to build it.
    return ClientFactory(boto3.Session(region_name="us-east-1"), "us-east-1", 3)


def audited(account_id: str) -> MemberAudit:
    return MemberAudit(account_id=account_id, outcome=AuditOutcome.AUDITED, credentials=RootCredentials())


@pytest.mark.parametrize(
    ("account", "reason"),
    [
        (Account(id=MGMT), NotEvaluatedReason.MANAGEMENT_ACCOUNT),
        (Account(id="222222222222", status="SUSPENDED"), NotEvaluatedReason.SUSPENDED),
        (Account(id="222222222222", status="CLOSED"), NotEvaluatedReason.SUSPENDED),
        (Account(id="222222222222", status="PENDING_CLOSURE"), NotEvaluatedReason.PENDING_CLOSURE),
        (Account(id="222222222222", status="PENDING_ACTIVATION"), NotEvaluatedReason.ERROR),
        (Account(id="333333333333"), NotEvaluatedReason.EXCLUDED),
    ],
)
def test_triage_skips_with_reason(account: Account, reason: NotEvaluatedReason) -> None:
    result = triage(account, plan(excluded=frozenset({"333333333333"})))
    assert result is not None
    assert result.outcome is AuditOutcome.SKIPPED and result.reason is reason and result.error


def test_triage_root_sessions_unavailable_without_fallback() -> None:
    why = "the RootSessions feature of centralized root access is not enabled"
    result = triage(Account(id="222222222222"), plan(root_sessions=False, unavailable_reason=why))
    assert result is not None and result.reason is NotEvaluatedReason.ROOT_SESSIONS_UNAVAILABLE
    assert result.error == why
    assert triage(Account(id="222222222222"), plan(root_sessions=False, fallback_role="Audit")) is None
    assert triage(Account(id="222222222222"), plan()) is None


def test_every_account_gets_exactly_one_result_and_concurrency_is_bounded() -> None:
    lock = threading.Lock()
    running = 0
    peak = 0
    calls: list[str] = []

    def auditor(account_id: str) -> MemberAudit:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            calls.append(account_id)
        time.sleep(0.002)
        with lock:
            running -= 1
        return audited(account_id)

    accts = [Account(id=MGMT), *accounts(300), Account(id="299999999999", status="SUSPENDED")]
    progress: list[tuple[int, int]] = []
    results = audit_members(
        accts,
        plan(),
        factory(),
        max_workers=8,
        auditor=auditor,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert set(results) == {a.id for a in accts}
    assert sorted(calls) == sorted(a.id for a in accts[1:-1])  # neither management nor suspended called
    assert len(calls) == len(set(calls))
    assert 1 < peak <= 8
    assert results[MGMT].reason is NotEvaluatedReason.MANAGEMENT_ACCOUNT
    assert results["299999999999"].reason is NotEvaluatedReason.SUSPENDED
    assert progress[0] == (0, 300) and progress[-1] == (300, 300) and len(progress) == 301


def test_an_auditor_that_raises_costs_only_its_account() -> None:
    def auditor(account_id: str) -> MemberAudit:
        if account_id.endswith("7"):
            raise RuntimeError("boom")
        return audited(account_id)

    accts = accounts(50)
    results = audit_members(accts, plan(), factory(), max_workers=4, auditor=auditor)
    assert set(results) == {a.id for a in accts}
    broken = {k for k, v in results.items() if v.outcome is AuditOutcome.FAILED}
    assert broken == {a.id for a in accts if a.id.endswith("7")}
    assert all(results[k].reason is NotEvaluatedReason.ERROR for k in broken)


def test_an_answer_for_the_wrong_account_is_not_trusted() -> None:
    results = audit_members(accounts(3), plan(), factory(), max_workers=2, auditor=lambda _: audited(MGMT))
    assert {v.reason for v in results.values()} == {NotEvaluatedReason.ERROR}
    assert MGMT not in results


def test_nothing_to_audit_starts_no_pool() -> None:
    def auditor(account_id: str) -> MemberAudit:
        raise AssertionError("must not be called")

    unavailable = plan(root_sessions=False, unavailable_reason="x")
    results = audit_members(accounts(3), unavailable, factory(), max_workers=4, auditor=auditor)
    assert {v.reason for v in results.values()} == {NotEvaluatedReason.ROOT_SESSIONS_UNAVAILABLE}
