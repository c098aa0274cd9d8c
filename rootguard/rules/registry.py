"""The rules, each found by its check id, and :func:`evaluate` that runs them over one run's facts."""

from __future__ import annotations

from collections.abc import Iterable

from rootguard.models import OrgFacts, Result
from rootguard.rules import delegated_admin, features, member_credentials, scps, trusted_access
from rootguard.rules.common import Rule
from rootguard.rules.config import RuleConfig

_ALL: tuple[Rule, ...] = (
    trusted_access.RULE,
    features.ROOT_CREDENTIALS_RULE,
    features.ROOT_SESSIONS_RULE,
    member_credentials.RULE,
    scps.RULE,
    delegated_admin.RULE,
)
# The check ids in report order (tests/rules/test_registry.py pins them).
CHECK_IDS: tuple[str, ...] = tuple(rule.check_id for rule in _ALL)
RULES: dict[str, Rule] = {rule.check_id: rule for rule in _ALL}


def select(check_ids: Iterable[str] | None) -> list[Rule]:
    """The rules for these ids in the order given (duplicates dropped); all of them for None."""
    if check_ids is None:
        return list(_ALL)
    if isinstance(check_ids, str):
        check_ids = [check_ids]
    wanted = list(dict.fromkeys(check_ids))
    unknown = [c for c in wanted if c not in RULES]
    if unknown:
        raise ValueError(f"unknown check id {unknown[0]!r}; known: {', '.join(CHECK_IDS)}")
    return [RULES[c] for c in wanted]


def evaluate(
    facts: OrgFacts, config: RuleConfig | None = None, check_ids: Iterable[str] | None = None
) -> list[Result]:
    """Every selected rule's results over the same facts. Never calls AWS."""
    config = config or RuleConfig()
    results: list[Result] = []
    for rule in select(check_ids):
        results.extend(rule(facts, config))
    return results
