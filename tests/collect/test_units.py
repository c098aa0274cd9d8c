"""Pure parts of rootguard.collect: feature error codes, credential parsing, configuration, progress."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from pydantic import ValidationError

from rootguard.collect import CollectConfig
from rootguard.collect.credentials import (
    access_keys,
    mask_suffix,
    mfa_devices,
    mfa_kind,
    signing_certificates,
    summary_flags,
)
from rootguard.collect.organization import features_state_for
from rootguard.collect.progress import (
    LogProgress,
    PlainProgress,
    SerializedProgress,
    TerminalCounter,
    default_progress,
    progress_text,
)
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


class FakeClock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_text_has_count_percentage_rate_and_time_left() -> None:
    assert progress_text(500, 2000, 10.0) == "500/2000  25% 50 accounts/s, about 0:30 left"
    assert progress_text(2000, 2000, 3725.0) == "2000/2000 100% 1 accounts/s, took 1:02:05"
    assert progress_text(0, 10, 0.0) == "0/10   0% 0 accounts/s"


def test_terminal_counter_shows_time_left() -> None:
    out, clock = io.StringIO(), FakeClock()
    counter = TerminalCounter(out, min_interval=0, clock=clock)
    clock.now = 4.0
    counter(100, 400)
    assert "100/400  25% 25 accounts/s, about 0:12 left" in out.getvalue()


def test_plain_progress_prints_tenths_and_on_a_timer_but_not_per_account() -> None:
    out, clock = io.StringIO(), FakeClock()
    plain = PlainProgress(out, interval=30.0, clock=clock)
    for done in range(0, 1001):
        clock.now = done * 0.01  # 10 s for the whole audit: only the tenths print
        plain(done, 1000)
    lines = out.getvalue().splitlines()
    assert len(lines) == 10 and all(line.startswith("rootguard: member audit ") for line in lines)
    assert lines[-1].startswith("rootguard: member audit 1000/1000 100%")
    out.truncate(0)
    out.seek(0)
    slow = PlainProgress(out, interval=30.0, clock=clock)
    clock.now = 100.0
    slow(1, 1000)  # under a tenth, but 30 s have passed: one line, so a log never goes quiet
    assert out.getvalue().count("\n") == 1 and "\r" not in out.getvalue()


def test_the_rate_counts_from_the_start_of_the_audit_not_of_the_run() -> None:
    """The organization read before the audit (minutes, when a listing is retried) is not audit time."""
    for make in (lambda out, clock: TerminalCounter(out, min_interval=0, clock=clock),
                 lambda out, clock: PlainProgress(out, clock=clock)):  # fmt: skip
        out, clock = io.StringIO(), FakeClock()
        progress = make(out, clock)
        clock.now = 300.0  # five minutes of organization read
        progress(0, 10)
        clock.now = 302.0
        progress(10, 10)
        assert "10/10 100% 5 accounts/s, took 0:02" in out.getvalue(), out.getvalue()


def test_default_progress_follows_isatty() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(default_progress(Tty()), TerminalCounter)
    assert isinstance(default_progress(io.StringIO()), PlainProgress)


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
