"""Rules: pure functions from facts to Results, one module per check, each with its spec.

    from rootguard.rules import CHECK_IDS, evaluate, RuleConfig
    results = evaluate(facts, RuleConfig(allowed_delegated_admins={"111122223333"}))

A check is ``rootguard/rules/<check_id>.py`` with ``SPEC = CheckSpec(...)`` and ``evaluate(facts, config)``;
rootguard.rules.registry finds them. Rules never call AWS and know nothing of ASFF or Prowler.
"""

from rootguard.rules.common import Rule
from rootguard.rules.iam_member_root_credentials_absent import CHECK_ID as MEMBER_CHECK_ID
from rootguard.rules.registry import all_rules, check_ids, evaluate, needs_of, rules_by_id, select, spec_for
from rootguard.rules.spec import CheckSpec, credentials_present
from rootguard.settings import RuleConfig

# The check ids in report order (tests/rules/test_registry.py pins them).
CHECK_IDS: tuple[str, ...] = check_ids()

__all__ = [
    "CHECK_IDS",
    "MEMBER_CHECK_ID",
    "CheckSpec",
    "Rule",
    "RuleConfig",
    "all_rules",
    "credentials_present",
    "evaluate",
    "needs_of",
    "rules_by_id",
    "select",
    "spec_for",
]
