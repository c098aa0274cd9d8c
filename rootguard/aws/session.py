"""Sessions the AWS way (credential chain, --profile, --region), the home Region, and who is calling.

Every command reads the caller's identity once, here, with the set-up mistakes a person makes (no credentials,
an unknown profile, a mistyped Region, refused credentials) turned into one line.
"""

from __future__ import annotations

from functools import cache

import boto3
import botocore.session
from botocore.client import BaseClient
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

from rootguard.aws.errors import error_code, error_message
from rootguard.errors import AwsSetupError, UsageError
from rootguard.models import DEFAULT_REGION, Caller
from rootguard.regions import region_problem as _region_problem


@cache
def known_regions() -> tuple[str, ...]:
    """Every Region botocore's endpoint data names, in all partitions."""
    session = botocore.session.get_session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("sts", partition_name=partition))
    return tuple(sorted(regions))


def region_problem(region: str) -> str | None:
    """Why `region` cannot be the home Region, or None when it can; suggests the closest Region botocore
    knows (botocore's list suggests only: a Region newer than this botocore still passes)."""
    return _region_problem(region, known_regions())


def check_region(region: str, what: str = "--region") -> str:
    """`region` when it is a Region name; UsageError (one line naming `what`) otherwise."""
    problem = region_problem(region)
    if problem:
        raise UsageError(f"{what}: {problem}")
    return region


def make_session(profile: str | None, region: str | None) -> boto3.Session:
    """A session with a Region: the one asked for, else the profile's, else us-east-1."""
    if region is not None:
        check_region(region)
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound:
        raise AwsSetupError(
            f"AWS profile {profile!r} not found: check ~/.aws/config or drop --profile to use the default chain"
        ) from None
    if not session.region_name:
        session = boto3.Session(profile_name=profile, region_name=DEFAULT_REGION)
    elif region is None:
        check_region(session.region_name, "the profile's or the environment's Region")
    return session


def home_region(session: boto3.Session, region: str | None = None) -> str:
    """The home Region of a run: `region`, else the session's, else us-east-1; checked."""
    return check_region(region or session.region_name or DEFAULT_REGION)


def partition_of(arn: str) -> str:
    """``arn:aws-us-gov:iam::...`` -> ``aws-us-gov``."""
    parts = arn.split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else "aws"


def caller_from(sts: BaseClient, region: str) -> Caller:
    """sts:GetCallerIdentity through `sts`, as a Caller; boto3 errors propagate."""
    ident = sts.get_caller_identity()
    arn = str(ident["Arn"])
    return Caller(account_id=str(ident["Account"]), arn=arn, partition=partition_of(arn), region=region)


def identify(session: boto3.Session, region: str | None = None, sts: BaseClient | None = None) -> Caller:
    """Who the session is, in its home Region; the usual set-up mistakes as one-line AwsSetupError."""
    where = home_region(session, region)
    try:
        return caller_from(sts or session.client("sts", region_name=where), where)
    except (NoCredentialsError, PartialCredentialsError):
        raise AwsSetupError(
            "no AWS credentials found: set AWS_PROFILE or pass --profile, or run `aws sso login`"
        ) from None
    except NoRegionError:  # pragma: no cover - home_region always gives one
        raise AwsSetupError("no AWS Region: pass --region or set AWS_REGION") from None
    except ClientError as exc:
        raise AwsSetupError(
            f"AWS refused the credentials ({error_code(exc)}): {error_message(exc)}"
        ) from None
    except BotoCoreError as exc:
        raise AwsSetupError(f"cannot reach AWS STS: {error_message(exc) or type(exc).__name__}") from None
