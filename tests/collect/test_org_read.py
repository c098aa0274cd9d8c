"""The organization read, concurrent and overlapped with the member audit, on the sandbox with faults.

The walk lists parents on a small pool and ListAccounts runs beside it; the audit starts on the first page of
accounts. Whatever the pages do (throttled, failed, retried), every account still gets exactly one audit and
one result, in the same order; the tree is the one a breadth-first walk finds; a list that neither listing
finished marks the member check incomplete and publishing archives nothing on it; SCP-denied root sessions are
still explained once the paths are known; the breaker still ends the audit of a dead endpoint.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest
from scp_documents import DENY_ROOT

from rootguard.collect import CollectConfig, collect_facts
from rootguard.collect import facts as facts_module
from rootguard.collect.listing import ListingPolicy
from rootguard.collect.organization import read_roots, walk_tree
from rootguard.models import AuditOutcome, Fact, NotEvaluatedReason, OrgFacts, ResourceKind, Status
from rootguard.rules import CHECK_IDS
from rootguard.rules import evaluate as evaluate_rules
from rootguard.sandbox import generate_scenario
from rootguard.scan import completed_checks

MEMBER = "iam_member_root_credentials_absent"
MGMT = "111111111111"
BASE: dict[str, Any] = {
    "name": "org-read",
    "seed": 5,
    "organization": {
        "id": "o-orgread0001",
        "management_account": {"id": MGMT},
        "trusted_access": ["iam.amazonaws.com"],
        "root_access_features": ["RootCredentialsManagement", "RootSessions"],
        "ous": ["Prod/Web", "Prod/Data", "Dev", "Locked"],
        "scps": [{"name": "DenyRootOld", "document": DENY_ROOT, "targets": ["Locked"]}],
    },
}
SPEC = "accounts=150 password=0.1 active_keys=0.05 mfa=0.05 suspended=0.03 seed=5"
# No waiting between a listing's retries: faults here are counted, not timed.
QUICK = ListingPolicy(rounds=4, base_delay_s=0.0, max_delay_s=0.0, sleep=lambda s: None)


def collect(sb: Any, listing: ListingPolicy = QUICK, **config: Any) -> OrgFacts:
    config.setdefault("max_workers", 8)
    config.setdefault("max_attempts", 1)  # botocore does not retry: the listing's own retries are under test
    return collect_facts(sb.session(), CollectConfig(**config), progress=lambda d, t: None, listing=listing)


def signature(facts: OrgFacts) -> tuple[Any, ...]:
    """What the read and the audit concluded, account by account (not the run's timestamps)."""
    accounts = tuple((a.id, a.status, a.parent_path) for a in facts.accounts)
    audits = tuple(
        (k, v.outcome, v.reason, v.blocking_policies, v.credentials.kinds if v.credentials else None)
        for k, v in facts.member_audits.items()
    )
    return accounts, audits


def assert_one_audit_per_member(facts: OrgFacts) -> None:
    members = [a.id for a in facts.accounts if a.id != MGMT]
    assert list(facts.member_audits) == sorted(members)
    results = [r for r in evaluate_rules(facts, None, [MEMBER]) if r.resource.kind is ResourceKind.ACCOUNT]
    assert [r.resource.id for r in results] == [a.id for a in facts.accounts if a.id != MGMT]


@pytest.fixture
def organization(sandbox_factory: Any) -> Any:
    return sandbox_factory(generate_scenario(SPEC, BASE))


@pytest.fixture
def reference(organization: Any) -> tuple[Any, ...]:
    """The read and audit of the same organization without faults."""
    return signature(collect(organization))


def test_the_overlapped_read_finds_every_account_with_its_path_and_audits_each_once(
    organization: Any,
) -> None:
    facts = collect(organization)
    assert Fact.ACCOUNTS not in facts.unreadable
    assert len(facts.accounts) == 151 and all(a.parent_path[0].startswith("r-") for a in facts.accounts)
    assert_one_audit_per_member(facts)
    org = organization.session().client("organizations")
    root = org.list_roots()["Roots"][0]["Id"]
    ous = org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    locked_ou = next(ou["Id"] for ou in ous if ou["Name"] == "Locked")
    locked = {a.id for a in facts.accounts if locked_ou in a.parent_path and a.status == "ACTIVE"}
    scp_denied = [v for v in facts.member_audits.values() if v.reason is NotEvaluatedReason.SCP_DENIED]
    assert locked and {v.account_id for v in scp_denied} == locked  # settled once the paths are known
    assert all(v.blocking_policies for v in scp_denied)
    suspended = [a for a in facts.accounts if a.status == "SUSPENDED"]
    assert suspended and all(
        facts.member_audits[a.id].reason is NotEvaluatedReason.SUSPENDED for a in suspended
    )


def test_the_walk_matches_a_one_parent_at_a_time_walk(organization: Any) -> None:
    org = organization.session().client("organizations")
    roots = read_roots(org)
    one = walk_tree(org, roots=roots, workers=1)
    many = walk_tree(org, roots=roots, workers=6)
    assert list(one.accounts.items()) != [] and one.error is None
    assert dict(many.accounts) == dict(one.accounts) and many.error is None


def test_the_audit_starts_before_the_read_is_over(organization: Any) -> None:
    """The first AssumeRoot goes out while the organization's pages are still being read."""
    organization.set_latency(service="organizations", fixed_ms=15)
    session = organization.session()
    order: list[str] = []
    lock = threading.Lock()

    def note(model: Any, **_: Any) -> None:
        with lock:
            order.append(model.name)

    session.events.register("before-call", note)
    facts = collect_facts(session, CollectConfig(max_workers=8), progress=lambda d, t: None, listing=QUICK)
    assert_one_audit_per_member(facts)
    first_audit = order.index("AssumeRoot")
    last_page = max(i for i, name in enumerate(order) if name in ("ListAccounts", "ListAccountsForParent"))
    assert first_audit < last_page


def test_throttled_pages_are_retried_and_change_nothing(
    organization: Any, reference: tuple[Any, ...]
) -> None:
    actions = ("ListAccountsForParent", "ListAccounts", "ListOrganizationalUnitsForParent")
    for action in actions:
        organization.inject(service="organizations", action=action, code="TooManyRequestsException", count=1)
    organization.clear_recorded_calls()
    facts = collect(organization)
    assert Fact.ACCOUNTS not in facts.unreadable
    assert signature(facts) == reference
    refused = Counter(
        call.action
        for call, n in organization.recorded_calls().items()
        for _ in range(n)
        if call.outcome == "TooManyRequestsException"
    )
    assert refused == {f"organizations:{action}": 1 for action in actions}


def test_failed_pages_on_both_listings_are_retried_and_change_nothing(
    organization: Any, reference: tuple[Any, ...]
) -> None:
    for action in ("ListAccountsForParent", "ListAccounts"):
        organization.inject(
            service="organizations", action=action, code="ServiceException", status=500, count=3
        )
    facts = collect(organization, listing=ListingPolicy(rounds=12, base_delay_s=0, sleep=lambda s: None))
    assert Fact.ACCOUNTS not in facts.unreadable
    assert signature(facts) == reference


def test_a_failed_walk_is_covered_by_list_accounts(organization: Any, reference: tuple[Any, ...]) -> None:
    """The root's accounts cannot be listed (not retried): ListAccounts finished, so the list is complete;
    the accounts the walk missed have no path, as before."""
    organization.inject(
        service="organizations", action="ListAccountsForParent", code="AccessDeniedException", count=1
    )
    facts = collect(organization)
    assert Fact.ACCOUNTS not in facts.unreadable
    assert_one_audit_per_member(facts)
    assert [a.id for a in facts.accounts] == [row[0] for row in reference[0]]
    assert {a.id for a in facts.accounts if not a.parent_path} == {MGMT}  # the root holds only it


def test_list_accounts_failing_is_covered_by_the_walk(organization: Any, reference: tuple[Any, ...]) -> None:
    organization.inject(service="organizations", action="ListAccounts", code="AccessDeniedException")
    facts = collect(organization)
    assert Fact.ACCOUNTS not in facts.unreadable
    assert signature(facts) == reference


def test_both_listings_failing_mark_the_member_check_incomplete_and_nothing_is_archived(
    organization: Any,
) -> None:
    organization.inject(service="organizations", action="ListAccounts", code="AccessDeniedException")
    organization.inject(
        service="organizations",
        action="ListOrganizationalUnitsForParent",
        code="AccessDeniedException",
        count=1,
    )
    facts = collect(organization, listing=ListingPolicy(rounds=2, base_delay_s=0, sleep=lambda s: None))
    assert Fact.ACCOUNTS in facts.unreadable
    assert_one_audit_per_member(facts)  # every account it did see has exactly one result
    assert [a.id for a in facts.accounts] == [MGMT]  # only the root's own: the OUs below it were not listed
    results = evaluate_rules(facts, None, CHECK_IDS)
    marker = [r for r in results if r.check_id == MEMBER and r.resource.kind is ResourceKind.ORGANIZATION]
    assert len(marker) == 1 and marker[0].status is Status.NOT_EVALUATED
    assert "listed" in marker[0].message
    assert MEMBER not in completed_checks(results, list(CHECK_IDS))


def test_a_partial_list_still_audits_what_it_found(organization: Any) -> None:
    """ListAccounts fails after its first page, one OU's accounts cannot be listed: incomplete, and every
    account either listing did find is audited once."""
    organization.inject(
        service="organizations", action="ListAccounts", code="AccessDeniedException", rate=1.0, count=1000
    )
    organization.inject(
        service="organizations", action="ListAccountsForParent", code="AccessDeniedException", count=2
    )
    facts = collect(organization)
    assert Fact.ACCOUNTS in facts.unreadable
    assert_one_audit_per_member(facts)
    assert 0 < len(facts.accounts) < 151


@pytest.mark.slow
def test_the_breaker_still_ends_the_audit_of_a_dead_endpoint_during_the_read(sandbox_factory: Any) -> None:
    sb = sandbox_factory(generate_scenario("accounts=120 ous=4 seed=13", BASE))
    sb.inject(service="sts", action="AssumeRoot", code="ServiceUnavailable")
    sb.inject(service="organizations", action="ListAccounts", code="TooManyRequestsException", count=3)
    sb.clear_recorded_calls()
    facts = collect(sb, max_attempts=2)
    assert_one_audit_per_member(facts)
    audits = facts.member_audits.values()
    assert {a.reason for a in audits} <= {NotEvaluatedReason.ERROR, NotEvaluatedReason.SUSPENDED}
    assert sum(a.error.startswith("not attempted") for a in audits) >= 30
    calls: Counter[str] = Counter()
    for call, count in sb.recorded_calls().items():
        calls[call.action] += count
    assert calls["sts:AssumeRoot"] < 120


def test_results_keep_their_order_whatever_order_pages_arrive_in(organization: Any) -> None:
    organization.set_latency(service="organizations", action="ListAccounts", fixed_ms=5, jitter_ms=20)
    organization.set_latency(
        service="organizations", action="ListAccountsForParent", fixed_ms=1, jitter_ms=20
    )
    first = evaluate_rules(collect(organization), None, CHECK_IDS)
    second = evaluate_rules(collect(organization), None, CHECK_IDS)
    assert [(r.check_id, r.resource.id, r.status) for r in first] == [
        (r.check_id, r.resource.id, r.status) for r in second
    ]
    members = [r.resource.id for r in first if r.check_id == MEMBER]
    assert members == sorted(members)


def test_without_the_member_audit_the_read_is_the_same(organization: Any, reference: tuple[Any, ...]) -> None:
    facts = collect(organization, member_audit=False)
    assert tuple((a.id, a.status, a.parent_path) for a in facts.accounts) == reference[0]
    assert facts.member_audits == {}


def test_progress_counts_every_audited_account_against_the_total(organization: Any) -> None:
    seen: list[tuple[int, int]] = []
    facts = collect_facts(
        organization.session(),
        CollectConfig(max_workers=8),
        progress=lambda d, t: seen.append((d, t)),
        listing=QUICK,
    )
    audited = sum(1 for a in facts.member_audits.values() if a.outcome is not AuditOutcome.SKIPPED)
    assert seen == [(i, audited) for i in range(audited + 1)]


def test_an_interrupted_audit_stops_the_organization_read(
    organization: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (or any error) in the audit: collect_facts raises it, and the read it overlapped stops at its
    next page rather than calling Organizations on, unseen, in the background."""
    organization.set_latency(service="organizations", fixed_ms=40)
    session = organization.session()
    pages: list[float] = []
    session.events.register("before-call.organizations", lambda **_: pages.append(time.monotonic()))

    def interrupted(accounts: Any, *args: Any, **kwargs: Any) -> Any:
        next(iter(accounts))  # the first account has arrived: the read is under way
        raise KeyboardInterrupt

    monkeypatch.setattr(facts_module, "audit_members", interrupted)
    with pytest.raises(KeyboardInterrupt):
        collect_facts(session, CollectConfig(max_workers=4), progress=lambda d, t: None, listing=QUICK)
    raised = time.monotonic()
    for thread in threading.enumerate():
        if thread.name.startswith("rootguard-org-"):
            thread.join(timeout=5)
            assert not thread.is_alive(), thread.name
    late = [t for t in pages if t > raised + 0.2]  # a page already on the wire when the audit stopped is fine
    assert not late, f"{len(late)} of {len(pages)} Organizations calls after the audit stopped"
