from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema

from rootguard.findings.validate import asff_schema

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import asff_schema as schema_gen


def test_regenerating_changes_nothing() -> None:
    committed = schema_gen.SCHEMA_PATH.read_text(encoding="utf-8")
    assert schema_gen.render(schema_gen.generate()) == committed, "run make regenerate"


def test_check_flag(tmp_path) -> None:
    stale = tmp_path / "asff.schema.json"
    stale.write_text("{}")
    assert schema_gen.main(["--check", "--output", str(stale)]) == 1
    assert schema_gen.main(["--output", str(stale)]) == 0
    assert schema_gen.main(["--check", "--output", str(stale)]) == 0


def test_schema_is_valid_and_tightened() -> None:
    schema = asff_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    finding = schema["$defs"]["AwsSecurityFinding"]
    assert set(finding["required"]) == set(schema_gen.REQUIRED) and len(finding["required"]) == 12
    props = finding["properties"]
    assert props["Id"]["maxLength"] == 512
    assert props["Title"]["maxLength"] == 256
    assert props["Description"]["maxLength"] == 1024
    assert props["Types"]["maxItems"] == 50
    assert props["Resources"]["maxItems"] == 32
    assert props["ProductFields"]["maxProperties"] == 50
    assert schema["$defs"]["Compliance"]["properties"]["RelatedRequirements"]["maxItems"] == 32
    assert schema["$defs"]["Recommendation"]["properties"]["Text"]["maxLength"] == 512
    assert schema["$defs"]["SeverityLabel"]["enum"] == ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
    assert schema["$defs"]["ComplianceStatus"]["enum"] == ["PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"]
    # Only shapes reachable from a finding, one $defs entry each, and a file of reasonable size.
    assert "BatchImportFindingsRequest" not in schema["$defs"]
    assert len(json.dumps(schema)) < 400_000


def test_unknown_tightening_fails_loudly(monkeypatch) -> None:
    monkeypatch.setitem(schema_gen.TIGHTEN, ("Resource", "NoSuchMember"), {"maxLength": 1})
    try:
        schema_gen.generate()
    except ValueError as exc:
        assert "Resource.NoSuchMember" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected ValueError")
