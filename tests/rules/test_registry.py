"""The registry: the checks found by discovery, evaluate() order and errors, RuleConfig validation."""

from __future__ import annotations

import pkgutil
import sys

import pytest
from pydantic import ValidationError
from rules_support import make_facts

import rootguard.rules as rules_package
from rootguard.rules import CHECK_IDS, MEMBER_CHECK_ID, RuleConfig, evaluate, registry, rules_by_id, select


def test_check_ids_are_the_seven_in_order() -> None:
    assert CHECK_IDS == (
        "organizations_iam_trusted_access_enabled",
        "iam_org_root_credentials_management_enabled",
        "iam_org_root_sessions_enabled",
        "iam_member_root_credentials_absent",
        "iam_management_root_mfa_no_keys",
        "organizations_scps_allow_root_sessions",
        "organizations_iam_delegated_admin_allowed",
    )
    rules = rules_by_id()
    assert tuple(rules) == CHECK_IDS
    assert MEMBER_CHECK_ID == "iam_member_root_credentials_absent"
    assert all(rules[c].check_id == c for c in CHECK_IDS)
    assert [c for c in CHECK_IDS if rules[c].level == "account"] == [
        MEMBER_CHECK_ID,
        "iam_management_root_mfa_no_keys",
    ]


def test_every_check_module_is_named_after_its_id_and_found() -> None:
    """A module of rootguard/rules with a SPEC is a check; nothing else lists them."""
    import pkgutil

    with_spec = {
        info.name
        for info in pkgutil.iter_modules(rules_package.__path__)
        if hasattr(__import__(f"rootguard.rules.{info.name}", fromlist=["SPEC"]), "SPEC")
    }
    assert with_spec == set(CHECK_IDS)


def test_a_check_named_unlike_its_id_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    from rootguard.rules.spec import CheckSpec

    spec = rules_by_id()["iam_org_root_sessions_enabled"].spec
    fake = types.ModuleType("rootguard.rules.wrong_name")
    fake.SPEC = CheckSpec(**{**spec.model_dump(by_alias=True), "position": 999})  # type: ignore[attr-defined]
    fake.evaluate = lambda facts, config: []  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rootguard.rules.wrong_name", fake)
    real = pkgutil.iter_modules

    def with_fake(path: object = None, prefix: str = "") -> object:
        yield from real(path, prefix)  # type: ignore[arg-type]
        yield pkgutil.ModuleInfo(None, "wrong_name", False)  # type: ignore[arg-type]

    monkeypatch.setattr(pkgutil, "iter_modules", with_fake)
    registry._discovered.cache_clear()
    try:
        with pytest.raises(registry.RegistryError, match="named after its check id"):
            registry.all_rules()
    finally:
        monkeypatch.undo()
        registry._discovered.cache_clear()
    assert registry.check_ids() == CHECK_IDS


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
