"""The registry: six rules found by check id, evaluate() order and errors, RuleConfig validation."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from rules_support import make_facts

from rootguard.rules import CHECK_IDS, MEMBER_CHECK_ID, RULES, RuleConfig, evaluate, select


def test_check_ids_are_the_six_in_order() -> None:
    assert CHECK_IDS == (
        "organizations_iam_trusted_access_enabled",
        "iam_org_root_credentials_management_enabled",
        "iam_org_root_sessions_enabled",
        "iam_member_root_credentials_absent",
        "organizations_scps_allow_root_sessions",
        "organizations_iam_delegated_admin_allowed",
    )
    assert tuple(RULES) == CHECK_IDS
    assert MEMBER_CHECK_ID == "iam_member_root_credentials_absent"
    assert all(RULES[c].check_id == c for c in CHECK_IDS)
    assert [c for c in CHECK_IDS if RULES[c].level == "account"] == [MEMBER_CHECK_ID]


def test_unknown_id_is_a_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match="unknown check id 'iam_nope'"):
        evaluate(make_facts(), None, ["organizations_iam_trusted_access_enabled", "iam_nope"])


def test_unknown_id_fails_before_any_rule_runs() -> None:
    with pytest.raises(ValueError):
        select(["iam_org_root_sessions_enabled", "nope"])


def test_evaluate_follows_the_requested_order_and_drops_duplicates() -> None:
    wanted = ["organizations_iam_delegated_admin_allowed", "iam_org_root_sessions_enabled"]
    results = evaluate(make_facts(), None, [*wanted, wanted[0]])
    assert [r.check_id for r in results] == wanted


def test_a_single_id_string_is_one_id_not_its_characters() -> None:
    (result,) = evaluate(make_facts(), None, "iam_org_root_sessions_enabled")
    assert result.check_id == "iam_org_root_sessions_enabled"


def test_default_runs_every_rule_in_check_id_order() -> None:
    results = evaluate(make_facts())
    # No accounts: the member rule says so once, on the organization.
    assert [r.check_id for r in results] == list(CHECK_IDS)


def test_rule_config_validates_account_ids() -> None:
    cfg = RuleConfig(allowed_delegated_admins=["222222222222"], excluded_accounts="333333333333")
    assert cfg.allowed_delegated_admins == frozenset({"222222222222"})
    assert cfg.excluded_accounts == frozenset({"333333333333"})
    with pytest.raises(ValidationError, match="not a 12-digit account id"):
        RuleConfig(allowed_delegated_admins=["12345"])
    with pytest.raises(ValidationError):
        RuleConfig(unknown_setting=True)
