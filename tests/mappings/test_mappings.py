from __future__ import annotations

import copy

import pytest
import yaml

from rootguard.mappings import MappingError, load_mappings, parse_mappings
from rootguard.mappings.loader import DEFAULT_FILE
from rootguard.rules import CHECK_IDS

MEMBER = "iam_member_root_credentials_absent"


def _raw() -> dict:
    from importlib import resources

    return yaml.safe_load(resources.files("rootguard.mappings").joinpath(DEFAULT_FILE).read_text())


def test_every_check_has_a_mapping_and_every_mapping_a_check() -> None:
    assert set(load_mappings()) == set(CHECK_IDS)


def test_the_mappings_package_imports_no_rules() -> None:
    """Data does not depend on logic: the mapping file names check ids, the rules never import it."""
    import ast
    from pathlib import Path

    import rootguard.mappings as package

    for source in Path(package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("rootguard"), f"{source.name} imports {node.module}"


def test_limits_and_sources() -> None:
    for check_id, mapping in load_mappings().items():
        assert 1 <= len(mapping.requirements) <= 32, check_id
        for req in mapping.requirements:
            assert req.source.startswith("https://"), req.key
        assert len(set(mapping.related_requirements)) == len(mapping.related_requirements)


def test_cis_numbers_follow_the_benchmark_versions() -> None:
    member = set(load_mappings()[MEMBER].related_requirements)
    for expected in (
        "CIS AWS Foundations Benchmark v7.0.0/2.1.1",
        "CIS AWS Foundations Benchmark v7.0.0/2.4",
        "CIS AWS Foundations Benchmark v6.0.0/2.3",
        "CIS AWS Foundations Benchmark v5.0.0/1.3",
        "CIS AWS Foundations Benchmark v4.0.1/1.4",
        "CIS AWS Foundations Benchmark v3.0.0/1.4",
        "AWS Foundational Security Best Practices v1.0.0/IAM.4",
    ):
        assert expected in member
    for check_id in ("iam_org_root_credentials_management_enabled", "iam_org_root_sessions_enabled"):
        assert "CIS AWS Foundations Benchmark v7.0.0/2.1.1" in load_mappings()[check_id].related_requirements


def test_cached() -> None:
    assert load_mappings()[MEMBER] is load_mappings()[MEMBER]


def test_schema_error_names_file_and_json_path() -> None:
    raw = _raw()
    raw["checks"][MEMBER]["types"] = ["Nonsense/Type"]
    with pytest.raises(MappingError) as err:
        parse_mappings(raw, "x.yaml")
    msg = str(err.value)
    assert msg.startswith("x.yaml: $.checks.iam_member_root_credentials_absent.types[0]:")
    assert "\n" not in msg


def test_unknown_requirement_key_is_an_error() -> None:
    raw = _raw()
    raw["checks"][MEMBER]["requirements"] = ["nope-1"]
    with pytest.raises(MappingError, match=r"requirements\[0\]: unknown requirement 'nope-1'"):
        parse_mappings(raw, "x.yaml")


def test_more_than_32_requirements_is_rejected() -> None:
    raw = _raw()
    raw["requirements"]["extra-1"] = {"id": "X/1", "title": "x", "source": "https://example.org"}
    raw["checks"][MEMBER]["requirements"] = [*list(raw["checks"][MEMBER]["requirements"]), "extra-1"]
    with pytest.raises(MappingError, match="requirements"):
        parse_mappings(raw, "x.yaml")


def test_source_must_be_a_url(tmp_path) -> None:
    raw = copy.deepcopy(_raw())
    raw["requirements"]["cis7-2.4"]["source"] = "the benchmark"
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(MappingError, match=r"m.yaml: \$.requirements.cis7-2.4.source"):
        load_mappings(path)


def test_bad_yaml_is_one_line(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("checks: [\n")
    with pytest.raises(MappingError, match=r"bad\.yaml: line 2: not valid YAML"):
        load_mappings(path)
