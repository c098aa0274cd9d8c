"""boto3 sessions the AWS way (credential chain, --profile, --region), with errors a person can act on."""

from __future__ import annotations

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

from rootguard.errors import AwsSetupError

DEFAULT_REGION = "us-east-1"


def make_session(profile: str | None, region: str | None) -> boto3.Session:
    """A session with a Region; the Region falls back to the profile's, then us-east-1."""
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound:
        raise AwsSetupError(
            f"AWS profile {profile!r} not found: check ~/.aws/config or drop --profile to use the default chain"
        ) from None
    if region in ("aws-global",):
        raise AwsSetupError(
            "--region aws-global selects the global STS endpoint; sts:AssumeRoot needs a Region"
        )
    if not session.region_name:
        session = boto3.Session(profile_name=profile, region_name=DEFAULT_REGION)
    return session


def caller_identity(session: boto3.Session) -> dict[str, str]:
    """GetCallerIdentity, turning the usual set-up mistakes into one line."""
    try:
        ident = session.client("sts").get_caller_identity()
    except (NoCredentialsError, PartialCredentialsError):
        raise AwsSetupError(
            "no AWS credentials found: set AWS_PROFILE or pass --profile, or run `aws sso login`"
        ) from None
    except NoRegionError:
        raise AwsSetupError("no AWS Region: pass --region or set AWS_REGION") from None
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        msg = exc.response.get("Error", {}).get("Message", "")
        raise AwsSetupError(f"AWS refused the credentials ({code}): {msg}") from None
    except BotoCoreError as exc:
        raise AwsSetupError(f"cannot reach AWS STS: {exc}") from None
    return {"Account": ident["Account"], "Arn": ident["Arn"], "UserId": ident.get("UserId", "")}
