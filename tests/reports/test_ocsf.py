"""findings.ocsf.json: OCSF 1.5.0 Compliance Findings that validate against the class's schema and against
py-ocsf-models (the models Prowler uses), one per result, correlated with the ASFF findings by id."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest
from reports_helpers import RUN_AT, hostile_results, member, org_result

from rootguard.models import NotEvaluatedReason, Status
from rootguard.reports.ocsf import (
    OCSF_VERSION,
    OcsfValidationError,
    event_of,
    ocsf_schema,
    validate_event,
    write_ocsf,
)

ROOT = Path(__file__).resolve().parents[2]
META = {"run_at": RUN_AT.isoformat(), "organization": "o-hostile0001", "version": "0.1.0"}


def _mixed():
    """Every status, every member-level reason, an organization-level gap and an unknown check."""
    out = hostile_results()
    for i, reason in enumerate(NotEvaluatedReason):
        out.append(member(f"{400000000000 + i:012d}", f"ne-{i}", Status.NOT_EVALUATED, reason=reason))
    out.append(
        org_result(
            "iam_member_root_credentials_absent",
            Status.NOT_EVALUATED,
            "The account list could not be read completely.",
            NotEvaluatedReason.ACCESS_DENIED,
        )
    )
    out.append(org_result("a_check_of_another_version", Status.FAIL, "From a newer rootguard."))
    return out


def test_every_demo_event_validates_and_matches_its_asff_finding(demo_scan) -> None:
    events = json.loads((demo_scan.output_dir / "findings.ocsf.json").read_text(encoding="utf-8"))
    asff = json.loads((demo_scan.output_dir / "findings.asff.json").read_text(encoding="utf-8"))
    assert len(events) == len(demo_scan.results) == len(asff)
    for event, finding, result in zip(events, asff, demo_scan.results, strict=True):
        validate_event(event)
        assert event["finding_info"]["uid"] == event["metadata"]["uid"] == finding["Id"]
        assert event["metadata"]["event_code"] == result.check_id
        assert event["severity"].upper() == finding["Severity"]["Label"]
        expected = {"PASSED": 1, "FAILED": 3, "NOT_AVAILABLE": 2}[finding["Compliance"]["Status"]]
        assert event["compliance"]["status_id"] == expected
        assert event["compliance"].get("requirements", []) == finding["Compliance"].get(
            "RelatedRequirements", []
        )
        assert event["resources"][0]["data"]["rootguard"] == result.model_dump(mode="json")
        assert event["time"] == int(RUN_AT.timestamp() * 1000)


def test_every_kind_of_result_validates_against_the_schema_and_the_models(tmp_path: Path) -> None:
    models = pytest.importorskip("py_ocsf_models", reason="py-ocsf-models comes with the prowler extra")
    from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
    from py_ocsf_models.objects.cloud import Cloud

    assert models.OCSF_VERSION == OCSF_VERSION
    path = write_ocsf(tmp_path / "f.ocsf.json", _mixed(), META, validate="all")
    events = json.loads(path.read_text(encoding="utf-8"))
    assert len(events) == len(_mixed())
    for event in events:
        model = ComplianceFinding.model_validate(event)
        assert model.class_uid == 2003 and model.type_uid == 200301
        Cloud.model_validate(event["cloud"])
    unknown = events[-1]
    assert unknown["severity_id"] == 0 and unknown["finding_info"]["title"] == "a_check_of_another_version"


def test_the_committed_schema_is_the_one_the_models_generate() -> None:
    pytest.importorskip("py_ocsf_models", reason="py-ocsf-models comes with the prowler extra")
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import ocsf_schema as generator
    finally:
        sys.path.pop(0)
    assert json.loads(generator.render()) == ocsf_schema()
    assert ocsf_schema()["properties"]["class_uid"] == {"enum": [2003], "type": "integer"}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda e: e.update(class_uid=2004), "2003"),
        (lambda e: e.pop("cloud"), "'cloud' is a required property"),
        (lambda e: e["finding_info"].update(title=None), "None is not of type 'string'"),
        (lambda e: e.update(colour="red"), "Additional properties are not allowed"),
        (lambda e: e.update(time_dt="yesterday"), "does not match"),
        (lambda e: e["compliance"].update(status_id=7), "is not one of"),
        (lambda e: e["cloud"]["account"].pop("name"), "'name' is a required property"),
    ],
)
def test_the_schema_rejects_what_ocsf_does_not_allow(change, words: str) -> None:
    event = copy.deepcopy(event_of(hostile_results()[2], META))
    validate_event(event)
    change(event)
    with pytest.raises(OcsfValidationError, match=words.replace("(", r"\(").replace("'", ".")):
        validate_event(event)


def test_the_file_is_a_json_array_written_element_by_element(tmp_path: Path) -> None:
    path = write_ocsf(tmp_path / "f.json", [], META)
    assert json.loads(path.read_text(encoding="utf-8")) == []
    path = write_ocsf(tmp_path / "f.json", hostile_results(), META)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("[\n{") and text.endswith("}\n]\n")
    assert text.count("\n") == len(hostile_results()) + 2, "the brackets and one event per line"
    names = [e["resources"][0]["name"] for e in json.loads(text)]
    assert "<script>alert('name')</script>" in names, "JSON carries the name as it is, escaped by JSON only"


def test_schema_file_names_its_sources() -> None:
    comment = ocsf_schema()["$comment"]
    assert (
        "py-ocsf-models" in comment and "https://schema.ocsf.io/1.5.0/classes/compliance_finding" in comment
    )
