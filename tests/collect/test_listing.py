"""Organizations listings under throttling and failure: complete, or explicitly incomplete, never silently short.

The defect these guard against: a listing that kept whatever pages it had read made the member check look
complete over a fraction of the organization, and publishing then archived the findings of every account it
had not seen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from rootguard.collect import CollectConfig, collect_facts
from rootguard.collect.listing import ListingPolicy
from rootguard.models import ErrorKind, Fact
from rootguard.sandbox import Sandbox, generate_scenario
from rootguard.sandbox.scenarios.generator import default_base

Factory = Callable[[Any], Sandbox]
NO_WAIT = dict(sleep=lambda _s: None)


def org(accounts: int, seed: int, hub: bool = False) -> Any:
    base = default_base(seed)
    if hub:
        base["securityhub"] = {"enabled": {"*": ["us-east-1"]}}
    return generate_scenario(f"accounts={accounts} seed={seed}", base)


def calls(sb: Sandbox, prefix: str) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    for call, n in sb.recorded_calls().items():
        if call.action.startswith(prefix):
            out[(call.action, call.outcome)] += n
    return out


def test_a_throttled_listing_is_retried_to_the_last_page(sandbox_factory: Factory) -> None:
    """314 accounts under Organizations' rate limit (a token bucket of 4 requests/s, burst 2): every account."""
    sb = sandbox_factory(org(314, seed=4))
    sb.set_quota(service="organizations", action="List*", rate=4, burst=2)
    facts = collect_facts(
        sb.session(), CollectConfig(), needs=[Fact.ACCOUNTS], listing=ListingPolicy(rounds=50, **NO_WAIT)
    )
    assert len(facts.accounts) == 315 and Fact.ACCOUNTS not in facts.unreadable
    seen = calls(sb, "organizations:List")
    assert any(outcome == "TooManyRequestsException" for _, outcome in seen), "the quota never bit"


def test_randomly_throttled_pages_are_retried_from_their_token(sandbox_factory: Factory) -> None:
    """Half the List calls throttled, botocore's own retries off: the listing's rounds alone finish it."""
    sb = sandbox_factory(org(120, seed=6))
    sb.inject(service="organizations", action="ListAccounts*", code="TooManyRequestsException", rate=0.5)
    facts = collect_facts(
        sb.session(),
        CollectConfig(max_attempts=1),
        needs=[Fact.ACCOUNTS],
        listing=ListingPolicy(rounds=40, **NO_WAIT),
    )
    assert len(facts.accounts) == 121 and Fact.ACCOUNTS not in facts.unreadable
    assert calls(sb, "organizations:ListAccounts")[("organizations:ListAccounts", "TooManyRequestsException")]


def test_a_listing_that_cannot_finish_is_incomplete_not_short(sandbox_factory: Factory) -> None:
    """ListRoots denied (no tree walk) and ListAccounts failing part-way: the accounts read so far, and the
    error that stopped the listing, recorded as the accounts being unreadable."""
    sb = sandbox_factory(org(314, seed=4))
    sb.inject(service="organizations", action="ListRoots", code="AccessDeniedException")
    sb.inject(service="organizations", action="ListAccounts", code="ServiceUnavailable", status=503, rate=0.2)
    facts = collect_facts(
        sb.session(),
        CollectConfig(max_attempts=1),
        needs=[Fact.ACCOUNTS, Fact.SCPS],
        listing=ListingPolicy(rounds=0, **NO_WAIT),
    )
    assert 0 < len(facts.accounts) < 315
    assert facts.unreadable[Fact.ACCOUNTS].code == "ServiceUnavailable"
    assert facts.unreadable[Fact.SCPS].code == "AccessDeniedException"


def test_a_dead_endpoint_ends_the_walk_after_one_listing(sandbox_factory: Factory) -> None:
    """A budget shared by the run: once one listing has given up on an unreachable endpoint, the walk does
    not spend it again on every other OU."""
    sb = sandbox_factory(generate_scenario("accounts=200 ous=20 seed=8", default_base(8)))
    sb.inject(service="organizations", action="ListAccountsForParent", code="ConnectionRefused")
    sb.inject(service="organizations", action="ListAccounts", code="ConnectionRefused")
    policy = ListingPolicy(rounds=3, **NO_WAIT)
    facts = collect_facts(sb.session(), CollectConfig(max_attempts=1), needs=[Fact.ACCOUNTS], listing=policy)
    assert Fact.ACCOUNTS in facts.unreadable and policy.exhausted
    seen = calls(sb, "organizations:ListAccountsForParent")
    # one parent's listing (its first try and 3 rounds), not one for each of the 22 parents
    assert sum(seen.values()) == 4, seen


def test_the_shared_budget_runs_out_for_the_run_not_each_listing() -> None:
    now = [100.0]
    policy = ListingPolicy(budget_s=3, clock=lambda: now[0], **NO_WAIT)
    assert policy.remaining() == 3  # the first listing starts the run's budget
    now[0] += 2
    assert not policy.gives_up(ErrorKind.THROTTLING, 0)  # a later listing's first failure: 1 s left
    now[0] += 1
    assert policy.gives_up(ErrorKind.THROTTLING, 0) and policy.exhausted  # still its first round: budget gone
    denied = ListingPolicy()
    assert denied.gives_up(ErrorKind.ACCESS_DENIED, 0) and not denied.exhausted  # never retried, not "dead"
    assert ListingPolicy(rounds=2).gives_up(ErrorKind.TRANSIENT, 2)


def test_max_attempts_counts_the_first_attempt(sandbox_factory: Factory) -> None:
    """botocore's own `max_attempts` counts retries only; rootguard's setting counts every attempt."""
    from rootguard.aws.clients import retry_config

    sb = sandbox_factory(org(3, seed=1))
    sb.inject(service="organizations", action="DescribeOrganization", code="ServiceUnavailable", status=503)
    for attempts in (1, 3):
        sb.clear_recorded_calls()
        client = sb.session().client("organizations", config=retry_config("us-east-1", attempts))
        with pytest.raises(ClientError):
            client.describe_organization()
        assert sum(calls(sb, "organizations:DescribeOrganization").values()) == attempts
