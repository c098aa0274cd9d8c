from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from findings_samples import MGMT, ORG, ORG_ARN, RUN_AT

from rootguard.findings import (
    FindingValidationError,
    Placement,
    build_finding,
    build_findings,
    cut,
    finding_id,
    iso_timestamp,
    safe_details,
    validate_finding,
)
from rootguard.models import ResourceKind, Result, ResultResource, Status


def _by_resource(findings):
    return {f["Resources"][0]["Id"]: f for f in findings}


def test_finding_ids_are_readable_stable_and_bounded() -> None:
    fid = finding_id("aws", ORG, "iam_member_root_credentials_absent", "222233334444")
    assert fid == f"rootguard/aws/{ORG}/iam_member_root_credentials_absent/222233334444"
    assert finding_id("aws", ORG, "c", "r") == finding_id("aws", ORG, "c", "r")
    assert finding_id("aws-cn", ORG, "c", "r") != finding_id("aws", ORG, "c", "r")
    long_a, long_b = finding_id("aws", ORG, "c", "x" * 700), finding_id("aws", ORG, "c", "x" * 699 + "y")
    assert len(long_a) == 512 and long_a != long_b
    with pytest.raises(ValueError):
        finding_id("aws", "", "c", "r")


def test_central_placement(results, central) -> None:
    findings = build_findings(results, central, RUN_AT)
    assert len(findings) == len(results)
    for f in findings:
        assert f["AwsAccountId"] == MGMT
        assert f["ProductArn"] == f"arn:aws:securityhub:eu-west-1:{MGMT}:product/{MGMT}/default"
        assert f["GeneratorId"].startswith("rootguard/")
        assert f["CreatedAt"] == f["UpdatedAt"] == f["LastObservedAt"] == "2025-01-02T03:04:05.678Z"
        assert f["Severity"] == f["FindingProviderFields"]["Severity"]
        assert f["Types"] == f["FindingProviderFields"]["Types"]
        assert all(k.startswith("rootguard/") for k in f["ProductFields"])
    by_res = _by_resource(findings)
    member = by_res["AWS::::Account:222233334444"]
    assert member["Severity"]["Label"] == "CRITICAL"
    assert member["Compliance"]["Status"] == "FAILED"
    assert member["Resources"][0]["Type"] == "AwsAccount"
    assert member["Resources"][1] == {
        "Type": "Other",
        "Id": ORG_ARN,
        "Partition": "aws",
        "Region": "eu-west-1",
    }
    assert member["Resources"][0]["Details"]["Other"]["joined_method"] == "INVITED"
    assert "CIS AWS Foundations Benchmark v7.0.0/2.1.1" in member["Compliance"]["RelatedRequirements"]
    assert any("CIS AWS Foundations Benchmark" in t for t in member["Types"])
    org = next(f for f in findings if f["GeneratorId"] == "rootguard/iam_org_root_sessions_enabled")
    assert org["Resources"][0]["Type"] == "Other" and org["Resources"][0]["Id"] == ORG_ARN
    assert org["Severity"]["Label"] == "HIGH"


def test_not_evaluated_has_status_reasons(results, central) -> None:
    f = _by_resource(build_findings(results, central, RUN_AT))["AWS::::Account:444455556666"]
    assert f["Compliance"]["Status"] == "NOT_AVAILABLE"
    assert f["Compliance"]["StatusReasons"] == [
        {
            "ReasonCode": "SCP_DENIED",
            "Description": "Root session denied by SCP p-deny1234 on ou-root-sandbox.",
        }
    ]
    assert f["ProductFields"]["rootguard/Reason"] == "SCP_DENIED"


def test_per_member_placement_files_under_the_member(results) -> None:
    def where(result: Result) -> Placement:
        acct = result.resource.id if result.resource.kind is ResourceKind.ACCOUNT else MGMT
        return Placement(account_id=acct, region="us-east-2")

    findings = build_findings(results, where, RUN_AT)
    member = _by_resource(findings)["AWS::::Account:222233334444"]
    assert member["AwsAccountId"] == "222233334444"
    assert member["ProductArn"] == "arn:aws:securityhub:us-east-2:222233334444:product/222233334444/default"
    # The id does not depend on where the finding is filed.
    central = build_findings(results, Placement(account_id=MGMT, region="us-east-2"), RUN_AT)
    assert [f["Id"] for f in findings] == [f["Id"] for f in central]


def test_first_observed_is_kept(results, central) -> None:
    first = datetime(2024, 6, 1, tzinfo=UTC)
    fid = f"rootguard/aws/{ORG}/iam_org_root_sessions_enabled/{ORG}"
    findings = build_findings(results, central, RUN_AT, first_observed={fid: first})
    f = next(x for x in findings if x["Id"] == fid)
    assert f["FirstObservedAt"] == "2024-06-01T00:00:00.000Z"
    assert f["CreatedAt"] == iso_timestamp(RUN_AT)


def test_caller_account_resource_when_no_organization(central) -> None:
    r = Result(
        check_id="iam_org_root_sessions_enabled",
        status=Status.FAIL,
        resource=ResultResource(
            kind=ResourceKind.ACCOUNT, id="999988887777", arn="arn:aws:iam::999988887777:root"
        ),
        message="This account is not in an organization.",
    )
    f = build_finding(r, central, RUN_AT)
    assert f["Id"] == "rootguard/aws/999988887777/iam_org_root_sessions_enabled/999988887777"
    assert f["Resources"][0]["Id"] == "AWS::::Account:999988887777"
    assert len(f["Resources"]) == 1


def test_long_text_is_cut_with_an_ellipsis(central) -> None:
    r = Result(
        check_id="organizations_scps_allow_root_sessions",
        status=Status.FAIL,
        resource=ResultResource(kind=ResourceKind.ORGANIZATION, id=ORG, arn=ORG_ARN),
        message="é" * 3000,
        details={f"k{i}": "v" for i in range(80)},
    )
    f = build_finding(r, central, RUN_AT)
    assert len(f["Description"]) == 1024 and f["Description"].endswith("\u2026")
    assert len(f["Resources"][0]["Details"]["Other"]) <= 50
    assert cut("abc", 3) == "abc" and cut("abcd", 3) == "ab\u2026"


def test_no_secret_material_in_details() -> None:
    out = safe_details(
        {
            "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG",
            "session_token": "IQoJ",
            "note": "key AKIAIOSFODNN7EXAMPLE",
            "mfa": {"kinds": ["hardware", "virtual"]},
            "empty": "",
            "none": None,
            "flag": True,
        }
    )
    assert out == {"note": "key ****MPLE", "mfa.kinds": "hardware, virtual", "flag": "true"}


def test_partitions_outside_the_asff_enum_omit_partition(results) -> None:
    f = build_findings(
        results[:1], Placement(account_id=MGMT, region="us-iso-east-1", partition="aws-iso"), RUN_AT
    )
    assert "Partition" not in f[0]["Resources"][0]
    assert f[0]["ProductArn"].startswith("arn:aws-iso:securityhub:us-iso-east-1:")


def test_unknown_check_is_refused(central) -> None:
    r = Result(
        check_id="not_a_check",
        status=Status.PASS,
        resource=ResultResource(kind=ResourceKind.ORGANIZATION, id=ORG, arn=ORG_ARN),
        message="x",
    )
    with pytest.raises(ValueError, match="no mapping for check id 'not_a_check'"):
        build_findings([r], central, RUN_AT)


def test_placement_rejects_bad_account() -> None:
    with pytest.raises(ValueError):
        Placement(account_id="12345", region="us-east-1")


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda f: f.update(Title="x" * 257), "$.Title"),
        (lambda f: f.update(AwsAccountId="12"), "$.AwsAccountId"),
        (lambda f: f["Severity"].update(Label="SEVERE"), "$.Severity.Label"),
        (lambda f: f.update(UpdatedAt="2025-01-02 03:04:05"), "$.UpdatedAt"),
        (lambda f: f.update(Types=["Bogus Namespace/x"]), "$.Types[0]"),
        (lambda f: f.pop("Severity"), "'Severity' is a required property"),
        (lambda f: f["Compliance"].update(Status="OK"), "$.Compliance.Status"),
        (lambda f: f.update(Unknown="x"), "Additional properties"),
        (
            lambda f: f["Compliance"].update(RelatedRequirements=["r"] * 33),
            "$.Compliance.RelatedRequirements",
        ),
        (lambda f: f.update(ProductFields={f"k{i}": "v" for i in range(51)}), "$.ProductFields"),
    ],
)
def test_validation_rejects_with_the_json_path(results, central, mutate, where) -> None:
    finding = copy.deepcopy(build_findings(results[:1], central, RUN_AT)[0])
    mutate(finding)
    with pytest.raises(FindingValidationError) as err:
        validate_finding(finding)
    assert str(err.value).startswith(f"finding {finding['Id']}: ")
    assert where in str(err.value)
    assert "\n" not in str(err.value)


def test_size_limit(results, central) -> None:
    finding = copy.deepcopy(build_findings(results[:1], central, RUN_AT)[0])
    finding["Resources"][0]["Details"]["Other"] = {f"k{i}": "v" * 1000 for i in range(50)}
    finding["Resources"] = finding["Resources"] * 5
    with pytest.raises(FindingValidationError, match="exceeds the 240 KB limit"):
        validate_finding(finding)


def test_blank_message_falls_back_to_the_title(central) -> None:
    r = Result(
        check_id="organizations_iam_delegated_admin_allowed",
        status=Status.NOT_EVALUATED,
        reason=None,
        resource=ResultResource(kind=ResourceKind.ORGANIZATION, id=ORG, arn=ORG_ARN),
        message="   ",
    )
    f = build_finding(r, central, RUN_AT)
    assert f["Description"] == "IAM delegated administrators should be on the allow-list"
    assert f["Compliance"]["StatusReasons"] == [
        {"ReasonCode": "NOT_EVALUATED", "Description": "NOT_EVALUATED"}
    ]
