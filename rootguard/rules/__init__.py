"""Rules: pure functions from facts to Results, one per check id. Rules never call AWS.

A small registry: every rule registers under its check id; :func:`evaluate` runs the requested ones.
"""

from __future__ import annotations

from collections.abc import Iterable

from rootguard.models import OrgFacts, Result
from rootguard.rules import member, organization  # noqa: F401  (registers the rules)
from rootguard.rules.registry import RULES, Rule, RuleConfig

CHECK_IDS: tuple[str, ...] = (
    "organizations_iam_trusted_access_enabled",
    "iam_org_root_credentials_management_enabled",
    "iam_org_root_sessions_enabled",
    "iam_member_root_credentials_absent",
    "organizations_scps_allow_root_sessions",
    "organizations_iam_delegated_admin_allowed",
)
MEMBER_CHECK_ID = "iam_member_root_credentials_absent"

assert set(CHECK_IDS) == set(RULES), "every check id needs exactly one rule"


def evaluate(
    facts: OrgFacts, config: RuleConfig | None = None, check_ids: Iterable[str] | None = None
) -> list[Result]:
    """Run the rules for `check_ids` (default: all, in CHECK_IDS order) on one set of facts."""
    config = config or RuleConfig()
    wanted = list(CHECK_IDS if check_ids is None else check_ids)
    for check_id in wanted:
        if check_id not in RULES:
            raise ValueError(f"unknown check id {check_id!r}; known: {', '.join(CHECK_IDS)}")
    results: list[Result] = []
    for check_id in wanted:
        results.extend(RULES[check_id].evaluate(facts, config))
    return results


__all__ = ["CHECK_IDS", "MEMBER_CHECK_ID", "RULES", "Rule", "RuleConfig", "evaluate"]
