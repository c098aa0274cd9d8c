"""`--metrics emf`: the posture as CloudWatch Embedded Metric Format lines, valid by AWS's published schema and
its rules, on stderr so that stdout stays exactly what --format promises; the numbers are the run's counts,
and a count that is unknown is left out rather than sent as 0."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from reports_helpers import RUN_AT, expected_counts, member, org_result

from rootguard.cli import main
from rootguard.models import NotEvaluatedReason, Status
from rootguard.reports.metrics import METRICS, emf_document, emf_line
from rootguard.sandbox import Sandbox

EMF_SCHEMA = json.loads((Path(__file__).parent / "data" / "emf.schema.json").read_text(encoding="utf-8"))
MGMT = "111111111111"
MEMBERS = ["200000000001", "200000000002", "200000000003", "200000000004"]


def assert_valid_emf(doc: dict[str, Any]) -> None:
    """AWS's JSON schema, plus the rules the specification states in prose."""
    jsonschema.Draft7Validator(EMF_SCHEMA).validate(doc)  # its `$id`s are draft-07 fragments
    assert isinstance(doc["_aws"]["Timestamp"], int)
    for directive in doc["_aws"]["CloudWatchMetrics"]:
        assert 1 <= len(directive["Namespace"]) <= 255
        assert len(directive["Metrics"]) <= 100
        for dimension_set in directive["Dimensions"]:
            assert len(dimension_set) <= 30
            for key in dimension_set:  # a dimension target: a string member of the root, <= 1024 characters
                assert isinstance(doc[key], str) and len(doc[key]) <= 1024, key
        for metric in directive["Metrics"]:  # a metric target: a number member of the root, not nested
            value = doc[metric["Name"]]
            assert isinstance(value, int | float) and not isinstance(value, bool), metric["Name"]


def values(doc: dict[str, Any]) -> dict[str, int]:
    names = [m["Name"] for d in doc["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
    return {n: doc[n] for n in names}


def test_the_demo_posture_as_emf(demo_scan) -> None:
    doc = emf_document(
        demo_scan.results,
        organization="o-rootguard01",
        run_at=RUN_AT,
        checks=demo_scan.meta["checks"],
        namespace="rootguard/test",
        version="0.1.0",
    )
    assert_valid_emf(doc)
    want = expected_counts(demo_scan.doc)
    assert values(doc) == {
        "MembersClean": want["members-clean"],
        "MembersWithRootCredentials": want["members-with-root-credentials"],
        "MembersNotEvaluated": want["members-not-evaluated"],
        "MembersOutOfScope": want["members-out-of-scope"],
        "MembersWithRootPassword": 1,  # acquired-retail
        "MembersWithRootAccessKeys": 2,  # acquired-retail (active), legacy-billing (inactive)
        "OrganizationChecksFailed": want["org-checks-failed"],
        "OrganizationChecksNotEvaluated": 0,
    }
    (directive,) = doc["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "rootguard/test"
    assert directive["Dimensions"] == [["Organization"], []], "per organization, and over all of them"
    assert doc["Organization"] == "o-rootguard01"
    assert doc["_aws"]["Timestamp"] == int(RUN_AT.timestamp() * 1000)
    assert {m["Unit"] for m in directive["Metrics"]} == {"Count"}
    line = emf_line(doc)
    assert line.endswith("\n") and "\n" not in line[:-1] and json.loads(line) == doc


def test_unknown_counts_are_left_out_not_sent_as_zero() -> None:
    org_only = [org_result("iam_org_root_sessions_enabled", Status.FAIL, "RootSessions is not enabled.")]
    doc = emf_document(org_only, organization="o-x", run_at=RUN_AT, checks=["iam_org_root_sessions_enabled"])
    assert_valid_emf(doc)
    assert values(doc) == {"OrganizationChecksFailed": 1, "OrganizationChecksNotEvaluated": 0}

    incomplete = [
        member("200000000001", "a", Status.PASS),
        member("200000000002", "b", Status.FAIL, kinds=("password",)),
        org_result(
            "iam_member_root_credentials_absent",
            Status.NOT_EVALUATED,
            "Accounts under ou-x could not be listed.",
            NotEvaluatedReason.ACCESS_DENIED,
        ),
    ]
    doc = emf_document(incomplete, organization=None, run_at=RUN_AT)
    assert_valid_emf(doc)
    assert "MembersClean" not in doc, "no clean count when the account list is incomplete"
    assert doc["MembersWithRootCredentials"] == 1 and doc["OrganizationChecksNotEvaluated"] == 1
    assert doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]] and "Organization" not in doc


def test_every_metric_is_documented_and_within_the_limit() -> None:
    assert len(METRICS) <= 100 and all(n.isidentifier() and len(n) <= 255 for n in METRICS)


def test_the_checks_reject_what_the_specification_forbids() -> None:
    good = emf_document([member("200000000001", "a", Status.PASS)], organization="o-x", run_at=RUN_AT)
    assert_valid_emf(good)
    no_timestamp = json.loads(json.dumps(good))
    del no_timestamp["_aws"]["Timestamp"]
    with pytest.raises(jsonschema.ValidationError):
        assert_valid_emf(no_timestamp)
    nested = {**good, "MembersClean": {"value": 1}}
    with pytest.raises(AssertionError, match="MembersClean"):
        assert_valid_emf(nested)


# ------------------------------------------------------------------------------------------ the command


def organization() -> dict[str, Any]:
    return {
        "organization": {
            "id": "o-metrics0001",
            "management_account": {"id": MGMT},
            "trusted_access": ["iam.amazonaws.com"],
            "root_access_features": ["RootCredentialsManagement", "RootSessions"],
        },
        "accounts": [
            {"id": MEMBERS[0], "joined": "INVITED", "root": {"password": True}},
            {"id": MEMBERS[1], "status": "SUSPENDED"},
            {"id": MEMBERS[2]},
            {"id": MEMBERS[3]},
        ],
        "securityhub": {"enabled": {MGMT: ["us-east-1"]}},
    }


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(organization()).start()
    yield sb
    sb.stop()


@pytest.fixture
def scan(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    for name, value in sandbox.env().items():
        monkeypatch.setenv(name, value)

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["scan", "--output-dir", str(tmp_path / "out"), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def emf_lines(stderr: str) -> list[dict[str, Any]]:
    out = []
    for line in stderr.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            out.append(json.loads(line))
    return out


def test_scan_prints_emf_on_stderr_and_keeps_json_stdout(scan) -> None:
    code, out, err = scan("--metrics", "emf", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)  # stdout is exactly one JSON document
    (emf,) = emf_lines(err)
    assert_valid_emf(emf)
    want = expected_counts(doc)
    assert (
        (emf["MembersClean"], emf["MembersWithRootCredentials"], emf["MembersOutOfScope"])
        == (
            want["members-clean"],
            want["members-with-root-credentials"],
            want["members-out-of-scope"],
        )
        == (2, 1, 1)
    )
    assert emf["MembersWithRootPassword"] == 1 and emf["Organization"] == "o-metrics0001"
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "rootguard"


def test_the_namespace_comes_from_the_flag_or_the_config(scan, tmp_path: Path) -> None:
    _, _, err = scan("--metrics", "emf", "--metrics-namespace", "rootguard/prod-scan")
    assert emf_lines(err)[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "rootguard/prod-scan"
    config = tmp_path / "rootguard.yaml"
    config.write_text("metrics:\n  format: emf\n  namespace: Security/Root\n", encoding="utf-8")
    _, _, err = scan("--config", str(config))
    assert emf_lines(err)[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Security/Root"
    _, _, err = scan("--config", str(config), "--metrics", "none")
    assert emf_lines(err) == []


def test_no_metrics_unless_asked(scan) -> None:
    code, _, err = scan()
    assert code == 0 and emf_lines(err) == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--metrics", "emf", "--metrics-namespace", "AWS/EC2"), "is not a CloudWatch namespace"),
        (("--metrics", "emf", "--metrics-namespace", "bad\u00e9"), "is not a CloudWatch namespace"),
        (("--metrics", "prometheus"), "invalid choice"),
    ],
)
def test_bad_metric_settings_are_one_line_exit_2(scan, args: tuple[str, ...], words: str) -> None:
    code, _, err = scan(*args)
    assert code == 2 and words in err, err
    assert err.strip().splitlines()[-1].startswith(("rootguard: error:", "rootguard scan: error:")), err
