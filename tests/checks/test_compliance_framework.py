"""rootguard's Prowler compliance framework: generated from the mappings, accepted by Prowler's own models, and
found through the installed entry points (the end-to-end run is tests/checks/test_prowler_compliance.py)."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
from pathlib import Path

import pytest

from rootguard.mappings import load_mappings
from rootguard.prowler import framework, generate
from rootguard.rules import CHECK_IDS, all_rules

COMPLIANCE = Path(generate.__file__).resolve().parent / "compliance"
LEGACY = COMPLIANCE / "aws" / framework.FILE_NAME
UNIVERSAL = COMPLIANCE / "universal" / framework.FILE_NAME


def _expected() -> dict[str, list[str]]:
    """Requirement id -> the checks whose mapping names it, read straight from the mappings."""
    out: dict[str, list[str]] = {}
    for check_id, mapping in load_mappings().items():
        for requirement in mapping.requirements:
            out.setdefault(requirement.id, []).append(check_id)
    return {rid: sorted(checks, key=CHECK_IDS.index) for rid, checks in out.items()}


def test_legacy_form_is_a_prowler_compliance_framework() -> None:
    from prowler.lib.check.compliance_models import Compliance, Generic_Compliance_Requirement_Attribute

    fw = Compliance.parse_file(LEGACY)
    assert fw.Provider == "AWS" and fw.Name == framework.TITLE
    assert {r.Id: r.Checks for r in fw.Requirements} == _expected()
    for requirement in fw.Requirements:
        (attribute,) = requirement.Attributes
        assert isinstance(attribute, Generic_Compliance_Requirement_Attribute)
        assert attribute.Section and attribute.ItemId and attribute.Comment.startswith("https://")
        assert requirement.Id == f"{attribute.Section}/{attribute.ItemId}" or requirement.Id == (
            f"{attribute.Section} {attribute.ItemId}"
        )


def test_universal_form_has_the_same_requirements_and_a_table() -> None:
    from prowler.lib.check.compliance_models import load_compliance_framework_universal

    fw = load_compliance_framework_universal(str(UNIVERSAL))
    assert fw is not None, "Prowler refused the universal form (see its log)"
    assert fw.supports_provider("aws") and fw.outputs.table_config.group_by == framework.GROUP_BY
    assert {r.id: r.checks["aws"] for r in fw.requirements} == _expected()
    assert all(r.attributes[framework.GROUP_BY] == r.id for r in fw.requirements)


def test_cis_v7_2_1_1_names_the_centralized_root_access_checks() -> None:
    cis = _expected()["CIS AWS Foundations Benchmark v7.0.0/2.1.1"]
    assert {"iam_org_root_credentials_management_enabled", "iam_org_root_sessions_enabled"} <= set(cis)


def test_every_check_runs_under_the_framework() -> None:
    """`--compliance` runs exactly the checks its requirements list: none of rootguard's may be left out."""
    listed = {c for r in json.loads(LEGACY.read_text())["Requirements"] for c in r["Checks"]}
    assert listed == set(CHECK_IDS)


def test_the_name_follows_prowlers_convention() -> None:
    """Prowler lists a framework for a provider when its name contains the provider, and its generic table
    matches the upper-cased Framework field inside the name."""
    data = json.loads(LEGACY.read_text())
    assert framework.NAME.endswith("_aws") and LEGACY.stem == UNIVERSAL.stem == framework.NAME
    assert data["Framework"].upper() in framework.NAME.upper().replace("_", "-")


def test_entry_points_name_the_two_folders() -> None:
    groups = {
        "prowler.compliance": ("aws", LEGACY.parent),
        "prowler.compliance.universal": ("rootguard", UNIVERSAL.parent),
    }
    for group, (name, folder) in groups.items():
        (entry,) = [
            e for e in importlib.metadata.entry_points(group=group) if e.value.startswith("rootguard.")
        ]
        assert entry.name == name
        assert Path(entry.load().__path__[0]).resolve() == folder
        assert sorted(p.name for p in folder.glob("*.json")) == [framework.FILE_NAME]


def test_prowler_offers_it_as_a_compliance_choice() -> None:
    from prowler.config.config import get_available_compliance_frameworks

    assert framework.NAME in get_available_compliance_frameworks("aws")


def test_related_to_names_prowler_builtins() -> None:
    import prowler

    services = Path(prowler.__file__).parent / "providers" / "aws" / "services"
    builtins = {p.name for p in services.glob("*/*") if (p / f"{p.name}.metadata.json").exists()}
    related = {spec.check_id: spec.related_to for spec in (rule.spec for rule in all_rules())}
    assert related["iam_org_root_credentials_management_enabled"] == (
        "iam_root_credentials_management_enabled",
    )
    for check_id, names in related.items():
        assert set(names) <= builtins, check_id


def test_a_stray_framework_file_is_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A renamed framework must not leave its old file behind: Prowler would offer both."""
    copy = tmp_path / "compliance"
    shutil.copytree(COMPLIANCE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(generate, "COMPLIANCE_DIR", copy)
    assert generate.stale_paths() == []
    stray = copy / "aws" / "rootguard_old_name_aws.json"
    stray.write_text("{}")
    edited = copy / "universal" / framework.FILE_NAME
    edited.write_text(edited.read_text().replace("Requirement", "Control"))
    assert sorted(generate.stale_paths()) == sorted([stray, edited])
