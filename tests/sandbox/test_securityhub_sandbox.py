"""The Security Hub inside a running Sandbox: behind the request pipeline's quotas, and served over HTTP."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from rootguard.sandbox import Sandbox, securityhub

ACCOUNT = "111111111111"
REGION = "eu-west-1"
DEFAULT_PRODUCT = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
PROWLER_PRODUCT = f"arn:aws:securityhub:{REGION}::product/prowler/prowler"
SCENARIO: dict[str, Any] = {
    "name": "securityhub-sandbox",
    "region": REGION,
    "organization": {"id": "o-sandboxhub1", "management_account": {"id": ACCOUNT}, "feature_set": "ALL"},
    "securityhub": {"enabled": {ACCOUNT: [REGION]}},
}


def finding(number: int, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "SchemaVersion": "2018-10-08",
        "Id": f"rootguard/served-{number}",
        "ProductArn": DEFAULT_PRODUCT,
        "GeneratorId": "rootguard-org-centralized-root-access-enabled",
        "AwsAccountId": ACCOUNT,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": "2025-01-01T00:00:00Z",
        "UpdatedAt": "2025-01-01T00:00:00Z",
        "Severity": {"Label": "MEDIUM"},
        "Title": "Centralized root access is enabled",
        "Description": "RootCredentialsManagement and RootSessions are enabled for the organization.",
        "Resources": [{"Type": "Other", "Id": "o-sandboxhub1"}],
        "Compliance": {"Status": "PASSED"},
    }
    data.update(changes)
    return data


def test_scenario_enables_the_hub_and_pipeline_quotas_apply(sandbox_factory: Callable[..., Sandbox]):
    sandbox = sandbox_factory(SCENARIO)
    client = sandbox.session().client("securityhub", config=Config(retries={"total_max_attempts": 1}))
    assert client.describe_hub()["HubArn"].endswith(f"{ACCOUNT}:hub/default")
    assert securityhub.hub_enabled(ACCOUNT, REGION)
    assert not securityhub.hub_enabled(ACCOUNT, "us-east-1")
    throttled = None
    for call in range(200):  # burst 30, refill 10/s: far faster than the refill
        try:
            client.batch_import_findings(Findings=[finding(call)])
        except ClientError as error:
            throttled = error.response["Error"]["Code"]
            break
    assert throttled == "TooManyRequestsException"
    assert 30 <= len(securityhub.findings(ACCOUNT, REGION)) < 200  # the burst passed, then the refusal


def test_invalid_credentials_are_refused_before_the_hub_check(sandbox_factory: Callable[..., Sandbox]):
    sandbox = sandbox_factory(SCENARIO)
    stranger = sandbox.session_from({"AccessKeyId": "AKIAUNKNOWNKEY000000", "SecretAccessKey": "x"})
    client = stranger.client(
        "securityhub", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
    )
    with pytest.raises(ClientError) as raised:
        client.get_findings()
    # The pipeline's credential check runs first: not the disabled hub's InvalidAccessException.
    assert raised.value.response["Error"]["Code"] == "UnrecognizedClientException"


@pytest.fixture
def served() -> Iterator[Sandbox]:
    with Sandbox(SCENARIO).serve() as sb:
        yield sb


@pytest.mark.slow
def test_served_hub_over_http_with_boto3_and_the_aws_cli(served: Sandbox):
    client = served.session().client("securityhub", config=Config(retries={"total_max_attempts": 1}))
    response = client.batch_import_findings(Findings=[finding(1), finding(2, Severity={"Label": "NOPE"})])
    assert (response["SuccessCount"], response["FailedCount"]) == (1, 1)

    key = {"Id": "rootguard/served-1", "ProductArn": DEFAULT_PRODUCT}
    assert client.batch_update_findings(FindingIdentifiers=[key], Workflow={"Status": "NOTIFIED"})[
        "ProcessedFindings"
    ] == [key]
    arn = client.create_insight(
        Name="passing",
        Filters={"ComplianceStatus": [{"Value": "PASSED", "Comparison": "EQUALS"}]},
        GroupByAttribute="ResourceId",
    )["InsightArn"]
    client.update_insight(InsightArn=arn, Name="still passing")
    values = client.get_insight_results(InsightArn=arn)["InsightResults"]["ResultValues"]
    assert values == [{"GroupByAttributeValue": "o-sandboxhub1", "Count": 1}]
    assert client.delete_insight(InsightArn=arn)["InsightArn"] == arn
    subscription = client.enable_import_findings_for_product(ProductArn=PROWLER_PRODUCT)[
        "ProductSubscriptionArn"
    ]
    client.disable_import_findings_for_product(ProductSubscriptionArn=subscription)
    with pytest.raises(ClientError) as raised:
        served.session().client("securityhub", region_name="us-east-1").get_findings()
    assert raised.value.response["Error"]["Code"] == "InvalidAccessException"

    cli = shutil.which("aws")
    if cli is None:
        pytest.skip("the AWS CLI is not installed")
    env = {**os.environ, **served.env()}
    env.pop("AWS_PROFILE", None)
    filters = json.dumps({"WorkflowStatus": [{"Value": "NOTIFIED", "Comparison": "EQUALS"}]})
    run = subprocess.run(
        [cli, "securityhub", "get-findings", "--filters", filters, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert [f["Id"] for f in json.loads(run.stdout)["Findings"]] == ["rootguard/served-1"]
    run = subprocess.run(
        [cli, "securityhub", "describe-hub", "--region", "us-east-1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode != 0
    assert f"Account {ACCOUNT} is not subscribed to AWS Security Hub" in run.stderr
