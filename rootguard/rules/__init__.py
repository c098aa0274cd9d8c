"""Rules: pure functions from facts to Results, one per check id.

    from rootguard.rules import CHECK_IDS, RULES, RuleConfig, evaluate
    results = evaluate(facts, RuleConfig(allowed_delegated_admins={"111122223333"}))

Rules never call AWS; each is found by its check id in RULES.
"""

from rootguard.rules.common import Rule
from rootguard.rules.config import RuleConfig
from rootguard.rules.member_credentials import CHECK_ID as MEMBER_CHECK_ID
from rootguard.rules.registry import CHECK_IDS, RULES, evaluate, select

__all__ = ["CHECK_IDS", "MEMBER_CHECK_ID", "RULES", "Rule", "RuleConfig", "evaluate", "select"]
