"""The checks, found by discovery: every module of this package that defines ``SPEC`` and ``evaluate``.

A check is one module named after its check id (``rootguard/rules/<check_id>.py``). Nothing lists them by
hand: adding the module adds the check to the scan, to Prowler (after ``make regenerate``) and to the
findings. Modules without a ``SPEC`` (common, spec, features, ...) are helpers.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from functools import cache

from rootguard.models import Fact, OrgFacts, ResourceKind, Result, Status
from rootguard.rules.common import Rule, incomplete_listing, unreadable_fact
from rootguard.rules.spec import CheckSpec
from rootguard.settings import RuleConfig


class RegistryError(RuntimeError):
    """A check module that breaks the conventions (a bug in rootguard, caught by the test suite)."""


@cache
def _discovered() -> tuple[Rule, ...]:
    import rootguard.rules as package

    rules: list[Rule] = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        spec = getattr(module, "SPEC", None)
        if not isinstance(spec, CheckSpec):
            continue
        func = getattr(module, "evaluate", None)
        if not callable(func):
            raise RegistryError(f"{module.__name__} defines SPEC but no evaluate(facts, config)")
        if info.name != spec.check_id:
            raise RegistryError(
                f"{module.__name__}: the module must be named after its check id {spec.check_id}"
            )
        rules.append(Rule(spec=spec, func=func))
    rules.sort(key=lambda rule: (rule.spec.position, rule.check_id))
    positions = [rule.spec.position for rule in rules]
    if len(set(positions)) != len(positions):
        raise RegistryError(f"two checks share a position: {positions}")
    return tuple(rules)


def all_rules() -> tuple[Rule, ...]:
    """Every check's rule, in report order (their specs' positions)."""
    return _discovered()


def rules_by_id() -> dict[str, Rule]:
    return {rule.check_id: rule for rule in _discovered()}


def check_ids() -> tuple[str, ...]:
    return tuple(rule.check_id for rule in _discovered())


def spec_for(check_id: str) -> CheckSpec:
    try:
        return rules_by_id()[check_id].spec
    except KeyError:
        raise KeyError(f"no check {check_id!r}; known: {', '.join(check_ids())}") from None


def select(check_ids_: Iterable[str] | None) -> list[Rule]:
    """The rules for these ids in the order given (duplicates dropped); all of them for None."""
    if check_ids_ is None:
        return list(_discovered())
    if isinstance(check_ids_, str):
        check_ids_ = [check_ids_]
    known = rules_by_id()
    wanted = list(dict.fromkeys(check_ids_))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ValueError(f"unknown check id {unknown[0]!r}; known: {', '.join(check_ids())}")
    return [known[c] for c in wanted]


def needs_of(check_ids_: Iterable[str] | None) -> frozenset[Fact]:
    """The fact groups these checks judge or use (their union): what a run collects for them."""
    out: set[Fact] = set()
    for rule in select(check_ids_):
        out |= rule.spec.needs | rule.spec.uses
    return frozenset(out)


def evaluate(
    facts: OrgFacts, config: RuleConfig | None = None, check_ids_: Iterable[str] | None = None
) -> list[Result]:
    """Every selected rule's results over the same facts. Never calls AWS."""
    config = config or RuleConfig()
    results: list[Result] = []
    for rule in select(check_ids_):
        results.extend(guard(rule.spec, facts, rule(facts, config)))
    return results


def guard(spec: CheckSpec, facts: OrgFacts, results: list[Result]) -> list[Result]:
    """Hold a rule to what its facts can prove.

    - A check never passes on a fact group it needs that was read only in part or not at all: such a PASS
      becomes NOT_EVALUATED on the same resource, naming the group and the error.
    - An account-level check's per-account results do stand when the account list is incomplete (each is
      about its own account), but the check then says so once, on the organization, so that nobody reads its
      results as the whole organization (and the publisher does not archive findings of accounts it did not
      see).
    """
    missing = {fact: error for fact, error in facts.unreadable.items() if fact in spec.needs}
    listing_error = missing.pop(Fact.ACCOUNTS, None) if spec.level == "account" else None
    if missing:
        fact, error = min(missing.items())
        results = [unreadable_fact(r, fact, error) if r.status is Status.PASS else r for r in results]
    if listing_error is not None and not any(r.resource.kind is ResourceKind.ORGANIZATION for r in results):
        results = [*results, incomplete_listing(spec.check_id, facts, listing_error, listed=len(results))]
    return results
