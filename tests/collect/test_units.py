"""Pure parts of rootguard.collect: error mapping, credential parsing, configuration, progress."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from pydantic import ValidationError

from rootguard.collect import CollectConfig
from rootguard.collect.clients import ensure_regional_sts, resolve_region
from rootguard.collect.credentials import (
    access_keys,
    mask_suffix,
    mfa_devices,
    mfa_kind,
    signing_certificates,
    summary_flags,
)
from rootguard.collect.errors import (
    CollectError,
    describe,
    error_code,
    features_state_for,
    is_throttling,
)
from rootguard.collect.organization import partition_of
from rootguard.collect.progress import LogProgress, SerializedProgress, TerminalCounter, default_progress
from rootguard.models import FeaturesState

NOT_ADMIN = FeaturesState.NOT_MANAGEMENT_OR_DELEGATED_ADMIN


def client_error(code: str, message: str = "m") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Op")


@pytest.mark.parametrize(
    ("code", "state"),
    [
        ("OrganizationNotFoundException", FeaturesState.ORGANIZATION_NOT_FOUND),
        ("OrganizationNotFound", FeaturesState.ORGANIZATION_NOT_FOUND),
        ("OrganizationNotInAllFeaturesModeException", FeaturesState.NOT_ALL_FEATURES),
        ("OrganizationNotInAllFeaturesMode", FeaturesState.NOT_ALL_FEATURES),
        ("ServiceAccessNotEnabledException", FeaturesState.SERVICE_ACCESS_NOT_ENABLED),
        ("ServiceAccessNotEnabled", FeaturesState.SERVICE_ACCESS_NOT_ENABLED),
        ("AccountNotManagementOrDelegatedAdministratorException", NOT_ADMIN),
        ("AccountNotManagementOrDelegatedAdministrator", NOT_ADMIN),
        ("AccessDenied", FeaturesState.ACCESS_DENIED),
        ("AccessDeniedException", FeaturesState.ACCESS_DENIED),
        ("ServiceFailure", FeaturesState.ERROR),
        ("Exception", FeaturesState.ERROR),
    ],
)
def test_features_error_codes_in_both_spellings(code: str, state: FeaturesState) -> None:
    assert features_state_for(code) is state


def test_error_code_and_describe() -> None:
    exc = client_error("AccessDenied", "User: arn:aws:iam::1:user/x is not\n authorized")
    assert error_code(exc) == "AccessDenied"
    assert describe(exc) == "AccessDenied: User: arn:aws:iam::1:user/x is not authorized"
    assert describe(client_error("X", "y" * 500), limit=50).endswith("...")
    assert len(describe(client_error("X", "y" * 500), limit=50)) == 50
    conn = EndpointConnectionError(endpoint_url="https://sts.us-east-1.amazonaws.com")
    assert error_code(conn) == "EndpointConnectionError"
    assert describe(conn).startswith("EndpointConnectionError: Could not connect")


@pytest.mark.parametrize(
    "code", ["Throttling", "ThrottlingException", "TooManyRequestsException", "SlowDown"]
)
def test_throttling_codes(code: str) -> None:
    assert is_throttling(code)


def test_quota_errors_are_not_throttling() -> None:
    assert not is_throttling("LimitExceeded")
    assert not is_throttling("AccessDenied")


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


JAN_2020 = datetime(2020, 1, 1, tzinfo=UTC)


def test_masking_keeps_four_characters_only() -> None:
    assert mask_suffix("AKIAIOSFODNN7EXAMPLE") == "MPLE"
    assert mask_suffix("") == ""
    keys = access_keys(
        [
            {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "Status": "Active", "CreateDate": JAN_2020},
            {"AccessKeyId": "AKIAI44QH8DHBEXAMPLE", "Status": "Inactive"},
        ]
    )
    assert [(k.id_suffix, k.status) for k in keys] == [("MPLE", "Active"), ("MPLE", "Inactive")]
    assert keys[0].created == datetime(2020, 1, 1, tzinfo=UTC)
    assert "AKIA" not in repr(keys)
    certs = signing_certificates([{"CertificateId": "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", "Status": "Active"}])
    assert certs[0].id_suffix == "2345"


@pytest.mark.parametrize(
    ("serial", "kind"),
    [
        ("arn:aws:iam::111122223333:mfa/root-account-mfa-device", "virtual"),
        ("arn:aws-us-gov:iam::111122223333:mfa/root", "virtual"),
        ("GAHT12345678", "hardware"),
        ("arn:aws:iam::111122223333:u2f/root/security-key-ABCDEFGHIJKLMNOP", "hardware"),
    ],
)
def test_mfa_kind_from_serial(serial: str, kind: str) -> None:
    assert mfa_kind(serial) == kind
    assert mfa_devices([{"SerialNumber": serial}])[0].kind == kind


def test_summary_flags_are_zero_or_one() -> None:
    flags = summary_flags({"AccountPasswordPresent": 1, "AccountMFAEnabled": 2, "Users": 5})
    assert flags == {
        "AccountPasswordPresent": 1,
        "AccountAccessKeysPresent": 0,
        "AccountMFAEnabled": 1,
        "AccountSigningCertificatesPresent": 0,
    }


def test_config_defaults_and_bounds() -> None:
    cfg = CollectConfig()
    assert cfg.max_workers == 16 and cfg.member_audit and cfg.session_duration == 60
    assert cfg.excluded_accounts == frozenset()
    with pytest.raises(ValidationError):
        CollectConfig(max_workers=0)
    with pytest.raises(ValidationError):
        CollectConfig(max_workers=65)
    with pytest.raises(ValidationError):
        CollectConfig(session_duration=901)
    with pytest.raises(ValidationError, match="aws-global"):
        CollectConfig(region="aws-global")
    with pytest.raises(ValidationError, match="12-digit"):
        CollectConfig(excluded_accounts=["1234"])
    with pytest.raises(ValidationError, match="role name"):
        CollectConfig(assume_role_name="path/role")
    assert CollectConfig(excluded_accounts=["111122223333"]).excluded_accounts == {"111122223333"}
    assert CollectConfig(region="eu-west-1").region == "eu-west-1"


def test_terminal_counter_writes_one_line() -> None:
    out = io.StringIO()
    counter = TerminalCounter(out, min_interval=0)
    counter(0, 4)
    counter(2, 4)
    counter(4, 4)
    text = out.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    assert "2/4" in text and "100%" in text


def test_default_progress_follows_isatty() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(default_progress(Tty()), TerminalCounter)
    assert isinstance(default_progress(io.StringIO()), LogProgress)


def test_log_progress_logs_tenths(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="rootguard.collect")
    prog = LogProgress()
    for done in range(0, 101):
        prog(done, 100)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 10 and lines[-1] == "member audit: 100/100 accounts"


def test_failing_progress_callback_is_disabled_not_fatal() -> None:
    calls: list[int] = []

    def broken(done: int, total: int) -> None:
        calls.append(done)
        raise RuntimeError("boom")

    tracker = SerializedProgress(broken, 3)
    tracker.start()
    tracker.step()
    tracker.step()
    assert calls == [0]


def test_home_region_resolution() -> None:
    assert resolve_region(boto3.Session(region_name="eu-west-1"), None) == "eu-west-1"
    assert resolve_region(boto3.Session(region_name="eu-west-1"), "ap-south-1") == "ap-south-1"
    with pytest.raises(CollectError, match="aws-global"):
        resolve_region(boto3.Session(region_name="aws-global"), None)
    with pytest.raises(CollectError, match="global endpoint"):
        ensure_regional_sts(boto3.Session(region_name="aws-global").client("sts"))
    ensure_regional_sts(boto3.Session(region_name="eu-west-1").client("sts"))  # Regional: accepted
