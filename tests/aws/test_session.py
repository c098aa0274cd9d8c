"""Sessions, the home Region and the caller: one-line errors for the set-up mistakes people make."""

from __future__ import annotations

import boto3
import pytest

from rootguard.aws import (
    check_region,
    ensure_regional_sts,
    home_region,
    identify,
    partition_of,
    region_problem,
)
from rootguard.errors import AwsSetupError, CollectError, UsageError


@pytest.mark.parametrize(
    ("arn", "partition"),
    [
        ("arn:aws:iam::111122223333:user/scanner", "aws"),
        ("arn:aws-us-gov:sts::111122223333:assumed-role/r/s", "aws-us-gov"),
        ("arn:aws-cn:iam::111122223333:root", "aws-cn"),
        ("not-an-arn", "aws"),
    ],
)
def test_partition_from_arn(arn: str, partition: str) -> None:
    assert partition_of(arn) == partition


@pytest.mark.parametrize(
    "region", ["us-east-1", "eu-west-1", "us-gov-west-1", "cn-north-1", "ap-southeast-7"]
)
def test_regions_pass(region: str) -> None:
    assert region_problem(region) is None


def test_a_region_newer_than_botocore_still_passes() -> None:
    assert region_problem("xy-future-9") is None


@pytest.mark.parametrize(
    ("region", "words"),
    [
        ("useast1", "did you mean us-east-1?"),
        ("us-east-1a", "did you mean us-east-1?"),
        ("nowhere-1", "a Region looks like us-east-1"),
        ("aws-global", "global STS endpoint"),
    ],
)
def test_a_mistyped_region_is_one_line_with_a_suggestion(region: str, words: str) -> None:
    problem = region_problem(region)
    assert problem is not None and words in problem and "\n" not in problem
    with pytest.raises(UsageError, match="--region"):
        check_region(region)


def test_home_region_resolution() -> None:
    assert home_region(boto3.Session(region_name="eu-west-1")) == "eu-west-1"
    assert home_region(boto3.Session(region_name="eu-west-1"), "ap-south-1") == "ap-south-1"
    assert home_region(boto3.Session(region_name=None)) == "us-east-1"
    with pytest.raises(UsageError, match="aws-global"):
        home_region(boto3.Session(region_name="aws-global"))


def test_the_global_sts_endpoint_is_refused() -> None:
    with pytest.raises(CollectError, match="global endpoint"):
        ensure_regional_sts(boto3.Session(region_name="aws-global").client("sts"))


def test_identify_without_credentials_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(AwsSetupError, match="no AWS credentials found"):
        identify(boto3.Session(region_name="us-east-1"))


def test_identify_names_the_caller(demo_sandbox) -> None:
    caller = identify(demo_sandbox.session())
    assert caller.account_id == demo_sandbox.management_account_id
    assert caller.partition == "aws" and caller.region == demo_sandbox.region
