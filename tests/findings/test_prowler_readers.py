from __future__ import annotations

import json
from pathlib import Path

import pytest
from findings_samples import MGMT, RUN_AT, sample_results

from rootguard.findings import Placement, build_findings
from rootguard.models import NotEvaluatedReason, Status
from rootguard.prowler.readers import (
    ProwlerOutputError,
    findings_from_prowler,
    read_prowler_asff,
    read_prowler_ocsf,
    read_prowler_output,
)

DATA = Path(__file__).resolve().parent / "data"
OCSF = DATA / "prowler-ocsf.ocsf.json"
ASFF = DATA / "prowler-asff.asff.json"
PLACEMENT = Placement(account_id=MGMT, region="eu-west-1")


def test_ocsf_round_trip_gives_the_same_results() -> None:
    imported = read_prowler_ocsf(OCSF)
    assert imported.ignored == 1  # the built-in iam_root_mfa_enabled finding
    assert imported.dropped == 0
    assert (imported.account_id, imported.region, imported.partition) == (MGMT, "eu-west-1", "aws")
    assert imported.results == sample_results()


def test_ocsf_and_engine_give_identical_asff() -> None:
    engine = build_findings(sample_results(), PLACEMENT, RUN_AT)
    prowler, _imported = findings_from_prowler(OCSF, RUN_AT)  # placement taken from the file
    assert prowler == engine


def test_asff_path_keeps_ids_status_and_severity() -> None:
    imported = read_prowler_asff(ASFF)
    assert imported.ignored == 1
    # Prowler drops MANUAL findings from json-asff: the NOT_EVALUATED result does not survive.
    assert all(r.status is not Status.NOT_EVALUATED for r in imported.results)
    engine = {f["Id"]: f for f in build_findings(sample_results(), PLACEMENT, RUN_AT)}
    refiled, _ = findings_from_prowler(ASFF, RUN_AT)
    assert len(refiled) == 4
    for f in refiled:
        same = engine[f["Id"]]
        for key in ("ProductArn", "GeneratorId", "AwsAccountId", "Types", "Severity", "Title", "Description"):
            assert f[key] == same[key], key
        assert f["Compliance"]["Status"] == same["Compliance"]["Status"]
        assert f["Compliance"]["RelatedRequirements"] == same["Compliance"]["RelatedRequirements"]
        assert f["ProductArn"].endswith(f"product/{MGMT}/default")  # not Prowler's product
    member = next(f for f in refiled if f["Resources"][0]["Id"] == "AWS::::Account:222233334444")
    assert member["Severity"]["Label"] == "CRITICAL"


def test_not_evaluated_reason_from_the_message_prefix(tmp_path) -> None:
    data = json.loads(OCSF.read_text())
    item = next(d for d in data if d["status_code"] == "MANUAL")
    del item["resources"][0]["data"]["metadata"]["rootguard"]
    path = tmp_path / "x.ocsf.json"
    path.write_text(json.dumps([item]))
    (result,) = read_prowler_ocsf(path).results
    assert result.status is Status.NOT_EVALUATED
    assert result.reason is NotEvaluatedReason.SCP_DENIED
    assert result.message == "Root session denied by SCP p-deny1234 on ou-root-sandbox."
    assert result.resource.id == "444455556666"


def test_format_is_detected() -> None:
    assert read_prowler_output(OCSF).results == read_prowler_ocsf(OCSF).results
    assert read_prowler_output(ASFF).results == read_prowler_asff(ASFF).results


def test_empty_file_has_no_findings(tmp_path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("")
    findings, imported = findings_from_prowler(path, RUN_AT)
    assert findings == [] and imported.results == []


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[{", "not valid JSON (line 1 column 3"),
        ('{"a": 1}', "expected a JSON array of findings, got dict"),
        ("[1]", "finding [0] is int, not an object"),
        ('[{"x": 1}]', "neither Prowler json-ocsf nor json-asff"),
    ],
)
def test_malformed_files_are_one_line_errors(tmp_path, content, problem) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ProwlerOutputError) as err:
        read_prowler_output(path)
    assert str(err.value).startswith(str(path))
    assert problem in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(ProwlerOutputError, match="no such file"):
        read_prowler_ocsf(tmp_path / "nope.json")


def test_broken_rootguard_finding_is_counted_not_fatal(tmp_path) -> None:
    data = json.loads(OCSF.read_text())
    data[0]["resources"] = []
    data[1]["status_code"] = "WEIRD"
    path = tmp_path / "x.ocsf.json"
    path.write_text(json.dumps(data))
    imported = read_prowler_ocsf(path)
    assert imported.dropped == 2
    assert imported.problems[0] == "finding [0] (iam_org_root_sessions_enabled): no resources"
    assert len(imported.results) == 3
