"""The sandbox's Security Hub, driven through boto3 like any client would."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from rootguard.sandbox import Sandbox, securityhub

ACCOUNT = "111111111111"
OTHER_ACCOUNT = "222222222222"
REGION = "eu-west-1"
DEFAULT_PRODUCT = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
PROWLER_PRODUCT = f"arn:aws:securityhub:{REGION}::product/prowler/prowler"
BEST_PRACTICES = "Software and Configuration Checks/AWS Security Best Practices"


def finding(number: int | str, **changes: Any) -> dict[str, Any]:
    """A valid ASFF finding of ACCOUNT's default product; ``changes`` replace top-level fields."""
    data: dict[str, Any] = {
        "SchemaVersion": "2018-10-08",
        "Id": f"rootguard/finding-{number}",
        "ProductArn": DEFAULT_PRODUCT,
        "GeneratorId": "rootguard-member-root-credentials-absent",
        "AwsAccountId": ACCOUNT,
        "Types": [BEST_PRACTICES],
        "CreatedAt": "2025-01-01T00:00:00Z",
        "UpdatedAt": "2025-01-01T00:00:00Z",
        "Severity": {"Label": "HIGH"},
        "Title": f"Member account {number} has no root credentials",
        "Description": "Root user password, access keys, MFA devices and signing certificates were checked.",
        "Resources": [{"Type": "AwsAccount", "Id": f"AWS::::Account:3333333{int_or_zero(number):05d}"}],
        "Compliance": {"Status": "FAILED"},
    }
    data.update(changes)
    return data


def int_or_zero(value: int | str) -> int:
    return value if isinstance(value, int) else 0


# The management account and one member; no hub enabled; Security Hub quotas off so the contract tests
# can call as fast as they like (throttling is covered in test_securityhub_sandbox.py).
SCENARIO: dict[str, Any] = {
    "name": "securityhub-contract",
    "region": REGION,
    "organization": {"id": "o-securityhub1", "management_account": {"id": ACCOUNT}, "feature_set": "ALL"},
    "accounts": [{"id": OTHER_ACCOUNT, "name": "member"}],
    "faults": {"default_quotas": False},
}


@pytest.fixture
def sandbox(sandbox_factory: Callable[[dict[str, Any]], Sandbox]) -> Sandbox:
    return sandbox_factory(SCENARIO)


# One botocore session for the module: service models load once, not once per client.
CORE = botocore.session.get_session()


@pytest.fixture
def client_for(sandbox: Sandbox) -> Callable[..., BaseClient]:
    """A Security Hub client of the management account's scanner, or of a role in the member account."""

    def make(account: str = ACCOUNT, region: str = REGION, validate: bool = True) -> BaseClient:
        key, secret = sandbox.credentials(ACCOUNT)
        credentials = {"aws_access_key_id": key, "aws_secret_access_key": secret}
        if account != ACCOUNT:
            role = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
            assumed = CORE.create_client("sts", region_name=region, **credentials).assume_role(
                RoleArn=role, RoleSessionName="publisher"
            )["Credentials"]
            credentials = {
                "aws_access_key_id": assumed["AccessKeyId"],
                "aws_secret_access_key": assumed["SecretAccessKey"],
                "aws_session_token": assumed["SessionToken"],
            }
        config = Config(parameter_validation=validate, retries={"total_max_attempts": 1})
        return CORE.create_client("securityhub", region_name=region, config=config, **credentials)

    return make


@pytest.fixture
def hub(client_for: Callable[..., BaseClient]) -> BaseClient:
    """ACCOUNT's client with Security Hub enabled in REGION."""
    client = client_for()
    client.enable_security_hub()
    return client


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def stored(finding_id: str) -> dict[str, Any]:
    matches = [f for f in securityhub.findings(ACCOUNT, REGION) if f["Id"] == finding_id]
    assert len(matches) == 1
    return matches[0]


def import_raw(client: BaseClient, findings: list[Any]) -> dict[str, Any]:
    """BatchImportFindings with ``findings`` put on the wire as given, past botocore's serializer."""

    def replace_body(request: Any, **_: Any) -> None:
        request.data = json.dumps({"Findings": findings}).encode()

    event = "before-sign.securityhub.BatchImportFindings"
    client.meta.events.register(event, replace_body)
    try:
        return client.batch_import_findings(Findings=[finding("placeholder")])
    finally:
        client.meta.events.unregister(event, replace_body)


def all_findings(client: BaseClient, **kwargs: Any) -> list[dict[str, Any]]:
    pages = client.get_paginator("get_findings").paginate(**kwargs)
    return [item for page in pages for item in page["Findings"]]


# ------------------------------------------------------------------------------------------- hub on/off


def test_disabled_hub_answers_invalid_access_for_every_call_but_enable(client_for):
    client = client_for()
    expected = ("InvalidAccessException", f"Account {ACCOUNT} is not subscribed to AWS Security Hub")
    assert error_of(client.describe_hub) == expected
    assert error_of(client.get_findings) == expected
    assert error_of(lambda: client.batch_import_findings(Findings=[finding(1)])) == expected
    assert error_of(client.list_enabled_products_for_import) == expected
    assert error_of(client.disable_security_hub) == expected
    assert error_of(client.get_insights) == expected
    assert securityhub.findings(ACCOUNT, REGION) == []

    client.enable_security_hub()
    assert client.describe_hub()["HubArn"] == f"arn:aws:securityhub:{REGION}:{ACCOUNT}:hub/default"
    assert securityhub.hub_enabled(ACCOUNT, REGION)
    assert not securityhub.hub_enabled(ACCOUNT, "us-east-1")
    assert not securityhub.hub_enabled(OTHER_ACCOUNT, REGION)


def test_enable_twice_conflicts_and_disable_closes_the_hub(hub):
    code, message = error_of(hub.enable_security_hub)
    assert code == "ResourceConflictException"
    assert ACCOUNT in message
    hub.batch_import_findings(Findings=[finding(1)])
    hub.disable_security_hub()
    assert error_of(hub.get_findings)[0] == "InvalidAccessException"
    hub.enable_security_hub()
    assert [f["Id"] for f in hub.get_findings()["Findings"]] == ["rootguard/finding-1"]


def test_enable_and_disable_helpers_act_on_one_account_and_region(client_for):
    securityhub.enable_hub(ACCOUNT, REGION)
    securityhub.enable_hub(ACCOUNT, REGION)  # idempotent
    assert client_for().describe_hub()["HubArn"].endswith(f"{ACCOUNT}:hub/default")
    assert error_of(client_for(OTHER_ACCOUNT).describe_hub)[0] == "InvalidAccessException"
    securityhub.disable_hub(ACCOUNT, REGION)
    assert error_of(client_for().describe_hub)[0] == "InvalidAccessException"


# ------------------------------------------------------------------------------------ BatchImportFindings


@pytest.mark.parametrize("count", [0, 101])
def test_batch_size_outside_1_to_100_is_invalid_input(client_for, count):
    securityhub.enable_hub(ACCOUNT, REGION)
    raw = client_for(validate=False)
    code, message = error_of(lambda: raw.batch_import_findings(Findings=[finding(i) for i in range(count)]))
    assert code == "InvalidInputException"
    assert str(count) in message
    assert securityhub.findings(ACCOUNT, REGION) == []


def test_a_full_batch_of_100_imports(hub):
    response = hub.batch_import_findings(Findings=[finding(i) for i in range(100)])
    assert (response["SuccessCount"], response["FailedCount"]) == (100, 0)


def test_request_over_6_mb_is_rejected(hub):
    big = [
        finding(i, Resources=[{"Type": "Other", "Id": f"r{i}", "Details": {"Other": {"blob": "x" * 70_000}}}])
        for i in range(100)
    ]
    code, message = error_of(lambda: hub.batch_import_findings(Findings=big))
    assert code == "InvalidInputException"
    assert "6 MB" in message


REQUIRED = (
    "SchemaVersion",
    "Id",
    "ProductArn",
    "GeneratorId",
    "AwsAccountId",
    "Types",
    "CreatedAt",
    "UpdatedAt",
    "Severity",
    "Title",
    "Description",
    "Resources",
)


@pytest.mark.parametrize("missing", REQUIRED)
def test_each_required_field_is_enforced_per_finding(client_for, missing):
    securityhub.enable_hub(ACCOUNT, REGION)
    raw = client_for(validate=False)
    bad = finding("bad")
    del bad[missing]
    response = raw.batch_import_findings(Findings=[finding(1), bad, finding(2)])
    assert (response["SuccessCount"], response["FailedCount"]) == (2, 1)
    failure = response["FailedFindings"][0]
    assert failure["ErrorCode"] == "InvalidInput"
    assert f"required property '{missing}'" in failure["ErrorMessage"]
    assert failure["Id"] == ("" if missing == "Id" else "rootguard/finding-bad")
    assert sorted(f["Id"] for f in securityhub.findings(ACCOUNT, REGION)) == [
        "rootguard/finding-1",
        "rootguard/finding-2",
    ]


INVALID = {
    "severity label": ({"Severity": {"Label": "SEVERE"}}, "data.Severity.Label"),
    "severity without label": ({"Severity": {"Original": "9"}}, "data.Severity"),
    "compliance status": ({"Compliance": {"Status": "PASS"}}, "data.Compliance.Status"),
    "workflow status": ({"Workflow": {"Status": "OPEN"}}, "data.Workflow.Status"),
    "record state": ({"RecordState": "DELETED"}, "data.RecordState"),
    "verification state": ({"VerificationState": "MAYBE"}, "data.VerificationState"),
    "partition": (
        {"Resources": [{"Type": "AwsAccount", "Id": "x", "Partition": "aws-mars"}]},
        "data.Resources[0].Partition",
    ),
    "schema version": ({"SchemaVersion": "2020-01-01"}, "data.SchemaVersion"),
    "title length": ({"Title": "t" * 257}, "data.Title"),
    "description length": ({"Description": "d" * 1025}, "data.Description"),
    "id length": ({"Id": "i" * 513}, "data.Id"),
    "generator length": ({"GeneratorId": "g" * 513}, "data.GeneratorId"),
    "no types": ({"Types": []}, "data.Types"),
    "51 types": ({"Types": [BEST_PRACTICES] * 51}, "data.Types"),
    "type namespace": ({"Types": ["Root Checks/Whatever"]}, "data.Types[0]"),
    "no resources": ({"Resources": []}, "data.Resources"),
    "33 resources": ({"Resources": [{"Type": "Other", "Id": f"r{i}"} for i in range(33)]}, "data.Resources"),
    "resource type length": ({"Resources": [{"Type": "T" * 257, "Id": "r"}]}, "data.Resources[0].Type"),
    "resource without id": ({"Resources": [{"Type": "Other"}]}, "required property 'Id'"),
    "51 product fields": ({"ProductFields": {f"k{i}": "v" for i in range(51)}}, "data.ProductFields"),
    "product field value": ({"ProductFields": {"k": "v" * 2049}}, "data.ProductFields['k']"),
    "33 related requirements": (
        {"Compliance": {"Status": "FAILED", "RelatedRequirements": [f"CIS 2.{i}" for i in range(33)]}},
        "RelatedRequirements",
    ),
    "recommendation length": (
        {"Remediation": {"Recommendation": {"Text": "r" * 513}}},
        "data.Remediation.Recommendation.Text",
    ),
    "account id digits": ({"AwsAccountId": "11111111111"}, "data.AwsAccountId"),
    "account id letters": ({"AwsAccountId": "11111111111a"}, "data.AwsAccountId"),
    "blank title": ({"Title": "   "}, "data.Title"),
    "unknown attribute": ({"Colour": "red"}, "additional properties ('Colour')"),
    "title not a string": ({"Title": 7}, "data.Title should be string"),
    "nested unknown attribute": (
        {"Resources": [{"Type": "Other", "Id": "r", "Colour": "red"}]},
        "data.Resources[0] should NOT have additional properties ('Colour')",
    ),
    "not an object": (None, "data should be object"),
    "confidence not an integer": ({"Confidence": "high"}, "data.Confidence should be integer"),
    "date only": ({"CreatedAt": "2025-01-01"}, "data.CreatedAt"),
    "no zone": ({"UpdatedAt": "2025-01-01T00:00:00"}, "data.UpdatedAt"),
    "ten fraction digits": ({"UpdatedAt": "2025-01-01T00:00:00.1234567890Z"}, "data.UpdatedAt"),
    "month 13": ({"FirstObservedAt": "2025-13-01T00:00:00Z"}, "data.FirstObservedAt"),
    "february 30": ({"LastObservedAt": "2025-02-30T00:00:00Z"}, "data.LastObservedAt"),
    "space separator": ({"CreatedAt": "2025-01-01 00:00:00Z"}, "data.CreatedAt"),
    "oversized finding": (
        {"Resources": [{"Type": "Other", "Id": "r", "Details": {"Other": {"blob": "x" * 250_000}}}]},
        "240 KB",
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_findings_fail_alone_with_an_aws_style_message(client_for, case):
    changes, fragment = INVALID[case]
    bad: Any = None if changes is None else finding("bad", **changes)
    securityhub.enable_hub(ACCOUNT, REGION)
    response = import_raw(client_for(), [bad, finding(1)])
    assert (response["SuccessCount"], response["FailedCount"]) == (1, 1), response["FailedFindings"]
    failure = response["FailedFindings"][0]
    assert failure["ErrorCode"] == "InvalidInput"
    assert failure["ErrorMessage"].startswith("Finding does not adhere to Amazon Finding Format. ")
    assert fragment in failure["ErrorMessage"]
    assert [f["Id"] for f in securityhub.findings(ACCOUNT, REGION)] == ["rootguard/finding-1"]


@pytest.mark.parametrize(
    "stamp",
    [
        "2025-01-01T00:00:00Z",
        "2025-01-01T00:00:00.123456789Z",
        "2025-01-01T00:00:00.1Z",
        "2025-01-01T02:00:00+02:00",
        "2024-02-29T23:59:59-05:30",
    ],
)
def test_rfc3339_timestamps_with_zone_and_up_to_nine_fraction_digits_are_accepted(hub, stamp):
    response = hub.batch_import_findings(Findings=[finding(1, CreatedAt=stamp, UpdatedAt=stamp)])
    assert response["FailedCount"] == 0, response["FailedFindings"]


def test_severity_normalized_alone_is_accepted_and_labelled(hub):
    hub.batch_import_findings(Findings=[finding(1, Severity={"Normalized": 75})])
    assert stored("rootguard/finding-1")["Severity"] == {"Normalized": 75, "Label": "HIGH"}


def test_foreign_account_id_denies_the_whole_request(hub):
    code, message = error_of(
        lambda: hub.batch_import_findings(Findings=[finding(1), finding(2, AwsAccountId=OTHER_ACCOUNT)])
    )
    assert code == "AccessDeniedException"
    assert "is not authorized to perform: securityhub:BatchImportFindings on resource:" in message
    assert securityhub.findings(ACCOUNT, REGION) == []


@pytest.mark.parametrize(
    "product_arn",
    [
        f"arn:aws:securityhub:{REGION}:{OTHER_ACCOUNT}:product/{OTHER_ACCOUNT}/default",
        f"arn:aws:securityhub:us-east-1:{ACCOUNT}:product/{ACCOUNT}/default",
        "arn:aws:securityhub:us-east-1::product/prowler/prowler",
        "not-an-arn",
    ],
)
def test_foreign_product_arn_denies_the_whole_request(hub, product_arn):
    code, message = error_of(
        lambda: hub.batch_import_findings(Findings=[finding(1), finding(2, ProductArn=product_arn)])
    )
    assert code == "AccessDeniedException"
    assert message.endswith(f"on resource: {product_arn}")
    assert securityhub.findings(ACCOUNT, REGION) == []


def test_prowler_product_needs_its_integration_enabled(hub):
    response = hub.batch_import_findings(Findings=[finding(1, ProductArn=PROWLER_PRODUCT), finding(2)])
    assert (response["SuccessCount"], response["FailedCount"]) == (1, 1)
    assert response["FailedFindings"][0]["ErrorCode"] == "InvalidAccess"
    assert PROWLER_PRODUCT in response["FailedFindings"][0]["ErrorMessage"]

    subscription = securityhub.enable_import_findings_for_product(ACCOUNT, REGION, PROWLER_PRODUCT)
    assert subscription == f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product-subscription/prowler/prowler"
    assert hub.list_enabled_products_for_import()["ProductSubscriptions"] == [subscription]

    response = hub.batch_import_findings(Findings=[finding(1, ProductArn=PROWLER_PRODUCT)])
    assert response["SuccessCount"] == 1
    imported = [f for f in securityhub.findings(ACCOUNT, REGION) if f["ProductArn"] == PROWLER_PRODUCT]
    assert [(f["ProductName"], f["CompanyName"]) for f in imported] == [("Prowler", "Prowler")]


def test_product_subscription_api_round_trip(hub):
    arn = hub.enable_import_findings_for_product(ProductArn=PROWLER_PRODUCT)["ProductSubscriptionArn"]
    assert error_of(lambda: hub.enable_import_findings_for_product(ProductArn=PROWLER_PRODUCT))[0] == (
        "ResourceConflictException"
    )
    hub.disable_import_findings_for_product(ProductSubscriptionArn=arn)
    assert hub.list_enabled_products_for_import()["ProductSubscriptions"] == []
    assert error_of(lambda: hub.disable_import_findings_for_product(ProductSubscriptionArn=arn))[0] == (
        "ResourceNotFoundException"
    )
    code, _ = error_of(lambda: hub.enable_import_findings_for_product(ProductArn="arn:aws:nothing"))
    assert code == "InvalidInputException"


def test_new_findings_get_service_fields_like_aws(hub):
    hub.batch_import_findings(Findings=[finding(1)])
    [got] = hub.get_findings()["Findings"]
    assert got["Workflow"] == {"Status": "NEW"}
    assert got["RecordState"] == "ACTIVE"
    assert (got["ProductName"], got["CompanyName"], got["Region"]) == ("Default", "Personal", REGION)
    assert got["Severity"] == {"Label": "HIGH", "Normalized": 70}
    assert got["FindingProviderFields"] == {"Severity": {"Label": "HIGH"}, "Types": [BEST_PRACTICES]}
    assert got["ProductFields"]["aws/securityhub/FindingId"] == f"{DEFAULT_PRODUCT}/rootguard/finding-1"
    assert "ProcessedAt" in got


def test_update_needs_a_later_updated_at(hub):
    hub.batch_import_findings(Findings=[finding(1, UpdatedAt="2025-03-01T00:00:00Z")])
    for stale in ("2025-02-01T00:00:00Z", "2025-03-01T00:00:00Z", "2025-03-01T01:00:00+01:00"):
        response = hub.batch_import_findings(Findings=[finding(1, UpdatedAt=stale, Title="stale")])
        assert (response["SuccessCount"], response["FailedCount"]) == (1, 0)  # counted, not applied
        assert stored("rootguard/finding-1")["Title"] != "stale"

    hub.batch_import_findings(
        Findings=[finding(1, UpdatedAt="2025-03-01T00:00:00.000000001Z", Title="fresh")]
    )
    got = stored("rootguard/finding-1")
    assert got["Title"] == "fresh"
    assert got["UpdatedAt"] == "2025-03-01T00:00:00.000000001Z"


def test_customer_fields_are_set_on_create_and_ignored_on_update(hub):
    note = {"Text": "owner informed", "UpdatedBy": "soc", "UpdatedAt": "2025-01-01T00:00:00Z"}
    hub.batch_import_findings(
        Findings=[
            finding(
                1,
                Workflow={"Status": "NOTIFIED"},
                Note=note,
                UserDefinedFields={"ticket": "SEC-1"},
                VerificationState="TRUE_POSITIVE",
            )
        ]
    )
    hub.batch_import_findings(
        Findings=[
            finding(
                1,
                UpdatedAt="2025-02-01T00:00:00Z",
                Title="second run",
                Workflow={"Status": "SUPPRESSED"},
                Note={"Text": "overwritten?", "UpdatedBy": "scanner", "UpdatedAt": "2025-02-01T00:00:00Z"},
                UserDefinedFields={"ticket": "SEC-2"},
                VerificationState="FALSE_POSITIVE",
            )
        ]
    )
    got = stored("rootguard/finding-1")
    assert got["Title"] == "second run"
    assert got["Workflow"] == {"Status": "NOTIFIED"}
    assert got["Note"] == note
    assert got["UserDefinedFields"] == {"ticket": "SEC-1"}
    assert got["VerificationState"] == "TRUE_POSITIVE"


def test_provider_created_at_is_stored_as_sent(hub):
    hub.batch_import_findings(Findings=[finding(1)])
    hub.batch_import_findings(
        Findings=[finding(1, CreatedAt="2025-02-01T00:00:00Z", UpdatedAt="2025-02-01T00:00:00Z")]
    )
    assert stored("rootguard/finding-1")["CreatedAt"] == "2025-02-01T00:00:00Z"


# old workflow, old (compliance, record state), new (compliance, record state) -> expected workflow
WORKFLOW_CASES = [
    ("NOTIFIED", ("PASSED", "ACTIVE"), ("FAILED", "ACTIVE"), "NEW"),
    ("RESOLVED", ("PASSED", "ACTIVE"), ("WARNING", "ACTIVE"), "NEW"),
    ("RESOLVED", ("PASSED", "ACTIVE"), ("NOT_AVAILABLE", "ACTIVE"), "NEW"),
    ("RESOLVED", ("FAILED", "ARCHIVED"), ("FAILED", "ACTIVE"), "NEW"),
    ("NOTIFIED", ("FAILED", "ARCHIVED"), ("FAILED", "ACTIVE"), "NEW"),
    ("SUPPRESSED", ("FAILED", "ARCHIVED"), ("FAILED", "ACTIVE"), "SUPPRESSED"),
    ("SUPPRESSED", ("PASSED", "ACTIVE"), ("FAILED", "ACTIVE"), "SUPPRESSED"),
    ("RESOLVED", ("FAILED", "ACTIVE"), ("FAILED", "ACTIVE"), "RESOLVED"),
    ("NOTIFIED", ("FAILED", "ACTIVE"), ("PASSED", "ACTIVE"), "NOTIFIED"),
    ("NOTIFIED", ("FAILED", "ACTIVE"), ("FAILED", "ARCHIVED"), "NOTIFIED"),
    ("NEW", ("PASSED", "ACTIVE"), ("FAILED", "ACTIVE"), "NEW"),
]


@pytest.mark.parametrize(("before", "old", "new", "after"), WORKFLOW_CASES)
def test_workflow_reset_rules_on_reimport(hub, before, old, new, after):
    hub.batch_import_findings(Findings=[finding(1, Compliance={"Status": old[0]}, RecordState=old[1])])
    key = {"Id": "rootguard/finding-1", "ProductArn": DEFAULT_PRODUCT}
    hub.batch_update_findings(FindingIdentifiers=[key], Workflow={"Status": before})
    hub.batch_import_findings(
        Findings=[
            finding(1, UpdatedAt="2025-02-01T00:00:00Z", Compliance={"Status": new[0]}, RecordState=new[1])
        ]
    )
    got = stored("rootguard/finding-1")
    assert got["Workflow"]["Status"] == after
    assert got["RecordState"] == new[1]


def test_archive_round_trip_of_get_findings_output_is_accepted(hub):
    hub.batch_import_findings(Findings=[finding(1), finding(2)])
    page = hub.get_findings()["Findings"]
    for item in page:
        item["RecordState"] = "ARCHIVED"
        item["UpdatedAt"] = "2025-06-01T00:00:00Z"
    response = hub.batch_import_findings(Findings=page)  # botocore validates the shapes client side too
    assert (response["SuccessCount"], response["FailedCount"]) == (2, 0)
    assert {f["RecordState"] for f in securityhub.findings(ACCOUNT, REGION)} == {"ARCHIVED"}


def test_findings_are_kept_per_account_and_region(client_for):
    for account in (ACCOUNT, OTHER_ACCOUNT):
        securityhub.enable_hub(account, REGION)
    securityhub.enable_hub(ACCOUNT, "us-east-1")
    client_for().batch_import_findings(Findings=[finding(1)])
    other = finding(9, AwsAccountId=OTHER_ACCOUNT, ProductArn=DEFAULT_PRODUCT.replace(ACCOUNT, OTHER_ACCOUNT))
    client_for(OTHER_ACCOUNT).batch_import_findings(Findings=[other])
    assert [f["Id"] for f in client_for().get_findings()["Findings"]] == ["rootguard/finding-1"]
    assert [f["Id"] for f in client_for(OTHER_ACCOUNT).get_findings()["Findings"]] == ["rootguard/finding-9"]
    assert client_for(region="us-east-1").get_findings()["Findings"] == []


# ------------------------------------------------------------------------------------------ GetFindings


@pytest.fixture
def catalogue(hub: BaseClient) -> BaseClient:
    """Five findings that differ on every filtered field."""
    findings = [
        finding(1, Severity={"Label": "CRITICAL"}, Compliance={"Status": "FAILED"}, Title="Root password"),
        finding(2, Severity={"Label": "HIGH"}, Compliance={"Status": "FAILED"}, Title="Root access key"),
        finding(3, Severity={"Label": "LOW"}, Compliance={"Status": "PASSED"}, Title="Root MFA"),
        finding(
            4,
            Severity={"Label": "MEDIUM"},
            Compliance={"Status": "WARNING"},
            Title="Organization feature",
            GeneratorId="rootguard-org-root-sessions-enabled",
            Types=[BEST_PRACTICES, "Effects/Data Exposure"],
            Resources=[
                {"Type": "Other", "Id": "o-abc123"},
                {"Type": "AwsAccount", "Id": "AWS::::Account:444444444444"},
            ],
            RecordState="ARCHIVED",
        ),
        finding(
            5, Severity={"Label": "INFORMATIONAL"}, Compliance={"Status": "NOT_AVAILABLE"}, Title="Skipped"
        ),
    ]
    hub.batch_import_findings(Findings=findings)
    return hub


def ids(client: BaseClient, filters: dict[str, Any], **kwargs: Any) -> list[int]:
    return sorted(int(f["Id"].rsplit("-", 1)[1]) for f in all_findings(client, Filters=filters, **kwargs))


def sf(comparison: str, value: str) -> dict[str, str]:
    return {"Comparison": comparison, "Value": value}


def test_no_filters_returns_everything(catalogue):
    assert ids(catalogue, {}) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"SeverityLabel": [sf("EQUALS", "HIGH")]}, [2]),
        ({"SeverityLabel": [sf("EQUALS", "HIGH"), sf("EQUALS", "LOW")]}, [2, 3]),  # same field: OR
        ({"Title": [sf("PREFIX", "Root")]}, [1, 2, 3]),
        ({"Title": [sf("PREFIX", "Root"), sf("EQUALS", "Skipped")]}, [1, 2, 3, 5]),
        ({"ComplianceStatus": [sf("NOT_EQUALS", "FAILED")]}, [3, 4, 5]),
        ({"ComplianceStatus": [sf("NOT_EQUALS", "FAILED"), sf("NOT_EQUALS", "PASSED")]}, [4, 5]),  # AND
        ({"Title": [sf("PREFIX_NOT_EQUALS", "Root")]}, [4, 5]),
        ({"Title": [sf("PREFIX", "Root"), sf("NOT_EQUALS", "Root MFA")]}, [1, 2]),
        ({"Title": [sf("PREFIX", "Root"), sf("PREFIX_NOT_EQUALS", "Root a")]}, [1, 3]),
        ({"Title": [sf("CONTAINS", "access"), sf("CONTAINS", "MFA")]}, [2, 3]),
        ({"Title": [sf("NOT_CONTAINS", "Root"), sf("NOT_CONTAINS", "Skip")]}, [4]),
        ({"RecordState": [sf("EQUALS", "ACTIVE")]}, [1, 2, 3, 5]),
        ({"WorkflowStatus": [sf("EQUALS", "NEW")]}, [1, 2, 3, 4, 5]),
        ({"GeneratorId": [sf("PREFIX", "rootguard-org-")]}, [4]),
        ({"Id": [sf("EQUALS", "rootguard/finding-3")]}, [3]),
        ({"ProductArn": [sf("EQUALS", DEFAULT_PRODUCT)]}, [1, 2, 3, 4, 5]),
        ({"ProductName": [sf("EQUALS", "Default")]}, [1, 2, 3, 4, 5]),
        ({"ProductName": [sf("EQUALS", "Prowler")]}, []),
        ({"AwsAccountId": [sf("EQUALS", OTHER_ACCOUNT)]}, []),
        ({"Region": [sf("EQUALS", REGION)]}, [1, 2, 3, 4, 5]),
        ({"Region": [sf("NOT_EQUALS", REGION)]}, []),
        ({"Type": [sf("PREFIX", "Effects/")]}, [4]),  # any element of a list
        ({"ResourceId": [sf("EQUALS", "o-abc123")]}, [4]),
        ({"ResourceType": [sf("NOT_EQUALS", "Other")]}, [1, 2, 3, 5]),  # no element may match
        ({"ResourceId": [sf("CONTAINS", "444444444444")]}, [4]),
        (
            {
                "ComplianceStatus": [sf("EQUALS", "FAILED")],
                "SeverityLabel": [sf("EQUALS", "CRITICAL"), sf("EQUALS", "LOW")],
            },
            [1],
        ),  # different fields: AND
        ({"SeverityNormalized": [{"Gte": 40}]}, [1, 2, 4]),
        ({"SeverityNormalized": [{"Gt": 0, "Lt": 40}]}, [3]),
        ({"UpdatedAt": [{"Start": "2024-12-31T00:00:00Z", "End": "2025-01-02T00:00:00Z"}]}, [1, 2, 3, 4, 5]),
        ({"UpdatedAt": [{"End": "2024-12-31T00:00:00Z"}]}, []),
        (
            {
                "ProductFields": [
                    {"Key": "aws/securityhub/ProductName", "Value": "Default", "Comparison": "EQUALS"}
                ]
            },
            [1, 2, 3, 4, 5],
        ),
    ],
)
def test_filters_follow_aws_semantics(catalogue, filters, expected):
    assert ids(catalogue, filters) == expected


@pytest.mark.parametrize(
    "filters",
    [
        {"Title": [sf("CONTAINS", "Root"), sf("NOT_CONTAINS", "MFA")]},
        {"Title": [sf("EQUALS", "Root MFA"), sf("NOT_EQUALS", "Root")]},
        {"Title": [sf("EQUALS", "Root MFA"), sf("PREFIX_NOT_EQUALS", "Root")]},
        {"Title": [sf("CONTAINS", "Root"), sf("EQUALS", "Skipped")]},
        {"Title": [sf("CONTAINS_WORD", "Root")]},
        {"Title": [sf("LIKE", "Root")]},
        {"UpdatedAt": [{"Start": "yesterday"}]},
        {"Keyword": [{"Value": "root"}]},
    ],
)
def test_contradictory_or_unknown_filters_are_invalid_input(catalogue, client_for, filters):
    raw = client_for(validate=False)
    code, _ = error_of(lambda: raw.get_findings(Filters=filters))
    assert code == "InvalidInputException"


def test_pagination_walks_every_match_once(hub):
    for start in range(0, 250, 100):
        hub.batch_import_findings(Findings=[finding(i) for i in range(start, min(start + 100, 250))])
    first = hub.get_findings(MaxResults=100)
    assert len(first["Findings"]) == 100 and "NextToken" in first
    second = hub.get_findings(MaxResults=100, NextToken=first["NextToken"])
    third = hub.get_findings(MaxResults=100, NextToken=second["NextToken"])
    assert len(second["Findings"]) == 100 and len(third["Findings"]) == 50
    assert "NextToken" not in third
    seen = [f["Id"] for page in (first, second, third) for f in page["Findings"]]
    assert len(seen) == len(set(seen)) == 250
    assert len(hub.get_findings()["Findings"]) == 100  # default page size
    filtered = all_findings(
        hub, Filters={"Id": [sf("PREFIX", "rootguard/finding-1")]}, PaginationConfig={"PageSize": 7}
    )
    assert len(filtered) == 1 + 10 + 100  # 1, 10-19, 100-199


@pytest.mark.parametrize("max_results", [0, 101])
def test_max_results_outside_1_to_100_is_invalid(hub, client_for, max_results):
    raw = client_for(validate=False)
    assert error_of(lambda: raw.get_findings(MaxResults=max_results))[0] == "InvalidInputException"


def test_unknown_next_token_is_invalid(hub):
    assert error_of(lambda: hub.get_findings(NextToken="bm90LWEtdG9rZW4="))[0] == "InvalidInputException"


def test_sort_criteria(catalogue):
    ordered = catalogue.get_findings(SortCriteria=[{"Field": "SeverityNormalized", "SortOrder": "desc"}])
    assert [f["Severity"]["Label"] for f in ordered["Findings"]] == [
        "CRITICAL",
        "HIGH",
        "MEDIUM",
        "LOW",
        "INFORMATIONAL",
    ]
    ascending = catalogue.get_findings(SortCriteria=[{"Field": "Title", "SortOrder": "asc"}])
    titles = [f["Title"] for f in ascending["Findings"]]
    assert titles == sorted(titles)
    code, _ = error_of(lambda: catalogue.get_findings(SortCriteria=[{"Field": "Colour", "SortOrder": "asc"}]))
    assert code == "InvalidInputException"


# ------------------------------------------------------------------------------------ BatchUpdateFindings


def test_batch_update_findings_changes_customer_fields_only(hub):
    hub.batch_import_findings(Findings=[finding(1), finding(2)])
    key = {"Id": "rootguard/finding-1", "ProductArn": DEFAULT_PRODUCT}
    missing = {"Id": "rootguard/finding-404", "ProductArn": DEFAULT_PRODUCT}
    response = hub.batch_update_findings(
        FindingIdentifiers=[key, missing, key],
        Workflow={"Status": "SUPPRESSED"},
        Note={"Text": "accepted risk", "UpdatedBy": "soc"},
        Severity={"Label": "LOW"},
        VerificationState="BENIGN_POSITIVE",
        UserDefinedFields={"ticket": "SEC-9"},
        Confidence=80,
    )
    assert response["ProcessedFindings"] == [key]
    assert [(u["FindingIdentifier"], u["ErrorCode"]) for u in response["UnprocessedFindings"]] == [
        (missing, "FindingNotFound"),
        (key, "DuplicatedFindingIdentifier"),
    ]
    got = stored("rootguard/finding-1")
    assert got["Workflow"] == {"Status": "SUPPRESSED"}
    assert (got["Note"]["Text"], got["Note"]["UpdatedBy"]) == ("accepted risk", "soc")
    assert got["Severity"] == {"Label": "LOW", "Normalized": 1}
    assert got["VerificationState"] == "BENIGN_POSITIVE"
    assert got["UserDefinedFields"] == {"ticket": "SEC-9"}
    assert got["Confidence"] == 80
    assert got["UpdatedAt"] == "2025-01-01T00:00:00Z"  # BatchUpdateFindings leaves UpdatedAt alone
    assert stored("rootguard/finding-2")["Workflow"] == {"Status": "NEW"}

    # The provider's next import no longer overrides the customer's severity, only FindingProviderFields.
    hub.batch_import_findings(
        Findings=[finding(1, UpdatedAt="2025-02-01T00:00:00Z", Severity={"Label": "CRITICAL"})]
    )
    got = stored("rootguard/finding-1")
    assert got["Severity"]["Label"] == "LOW"
    assert got["FindingProviderFields"]["Severity"]["Label"] == "CRITICAL"
    assert got["Workflow"] == {"Status": "SUPPRESSED"}


def test_batch_update_findings_input_errors(hub, client_for):
    hub.batch_import_findings(Findings=[finding(1)])
    key = {"Id": "rootguard/finding-1", "ProductArn": DEFAULT_PRODUCT}
    raw = client_for(validate=False)
    assert error_of(lambda: raw.batch_update_findings(FindingIdentifiers=[key]))[0] == "InvalidInputException"
    assert error_of(lambda: raw.batch_update_findings(FindingIdentifiers=[key], Workflow={"Status": "DONE"}))[
        0
    ] == ("InvalidInputException")
    assert error_of(lambda: raw.batch_update_findings(FindingIdentifiers=[key], Confidence=101))[0] == (
        "InvalidInputException"
    )
    assert error_of(lambda: raw.batch_update_findings(FindingIdentifiers=[key] * 101, Confidence=1))[0] == (
        "InvalidInputException"
    )


# --------------------------------------------------------------------------------------------- insights


def test_insights_crud_and_results(catalogue):
    filters = {"ComplianceStatus": [sf("EQUALS", "FAILED")], "RecordState": [sf("EQUALS", "ACTIVE")]}
    arn = catalogue.create_insight(
        Name="Failing root checks", Filters=filters, GroupByAttribute="SeverityLabel"
    )["InsightArn"]
    assert arn.startswith(f"arn:aws:securityhub:{REGION}:{ACCOUNT}:insight/{ACCOUNT}/custom/")
    [insight] = catalogue.get_insights(InsightArns=[arn])["Insights"]
    assert insight == {
        "InsightArn": arn,
        "Name": "Failing root checks",
        "Filters": filters,
        "GroupByAttribute": "SeverityLabel",
    }
    results = catalogue.get_insight_results(InsightArn=arn)["InsightResults"]
    assert sorted((v["GroupByAttributeValue"], v["Count"]) for v in results["ResultValues"]) == [
        ("CRITICAL", 1),
        ("HIGH", 1),
    ]

    catalogue.update_insight(InsightArn=arn, Name="Renamed", GroupByAttribute="ComplianceStatus")
    [insight] = catalogue.get_insights(InsightArns=[arn])["Insights"]
    assert (insight["Name"], insight["GroupByAttribute"], insight["Filters"]) == (
        "Renamed",
        "ComplianceStatus",
        filters,
    )
    assert securityhub.insights(ACCOUNT, REGION) == [insight]

    assert catalogue.delete_insight(InsightArn=arn)["InsightArn"] == arn
    for call in (
        lambda: catalogue.get_insights(InsightArns=[arn]),
        lambda: catalogue.delete_insight(InsightArn=arn),
        lambda: catalogue.update_insight(InsightArn=arn, Name="x"),
        lambda: catalogue.get_insight_results(InsightArn=arn),
    ):
        assert error_of(call)[0] == "ResourceNotFoundException"


def test_get_insights_paginates_all_insights(hub):
    arns = [
        hub.create_insight(Name=f"i{n}", Filters={}, GroupByAttribute="ResourceId")["InsightArn"]
        for n in range(5)
    ]
    first = hub.get_insights(MaxResults=2)
    second = hub.get_insights(MaxResults=2, NextToken=first["NextToken"])
    third = hub.get_insights(MaxResults=2, NextToken=second["NextToken"])
    assert "NextToken" not in third
    assert [i["InsightArn"] for page in (first, second, third) for i in page["Insights"]] == arns


@pytest.mark.parametrize(
    ("group_by", "filters"),
    [
        ("Colour", {}),
        ("UpdatedAt", {}),  # a date, not a groupable string attribute
        ("ResourceId", {"Title": [sf("CONTAINS", "a"), sf("NOT_CONTAINS", "b")]}),
        ("ResourceId", {"Title": [{"Comparison": "EQUALS"}]}),
    ],
)
def test_create_insight_validates_group_by_and_filters(hub, client_for, group_by, filters):
    raw = client_for(validate=False)
    code, _ = error_of(lambda: raw.create_insight(Name="bad", Filters=filters, GroupByAttribute=group_by))
    assert code == "InvalidInputException"
    assert securityhub.insights(ACCOUNT, REGION) == []


# ---------------------------------------------------------------------------------------------- volume


@pytest.mark.slow  # about 3-6 s on a shared 2-core machine
def test_twenty_thousand_findings_import_in_two_hundred_calls(hub):
    template = finding(0)
    for batch in range(200):
        findings = []
        for index in range(batch * 100, batch * 100 + 100):
            item = copy.deepcopy(template)
            item["Id"] = f"rootguard/volume-{index}"
            item["Compliance"] = {"Status": "PASSED" if index % 4 else "FAILED"}
            findings.append(item)
        response = hub.batch_import_findings(Findings=findings)
        assert response["SuccessCount"] == 100, response["FailedFindings"][:1]
    assert len(securityhub.state(ACCOUNT, REGION).findings) == 20_000
    failed = hub.get_findings(Filters={"ComplianceStatus": [sf("EQUALS", "FAILED")]}, MaxResults=100)
    assert len(failed["Findings"]) == 100 and "NextToken" in failed
