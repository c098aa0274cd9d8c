"""Read a member account's root credentials inside an audit session, keeping nothing secret.

Every call omits ``UserName`` (the session acts as the root user). GetAccountSummary comes first; the detail
lists are read only where its flag is set. Access key and certificate ids are kept as a masked suffix only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from rootguard.aws import NO_SUCH_ENTITY_CODES, describe, error_code, paginate
from rootguard.models import AccessKey, MFADevice, RootCredentials, SigningCertificate

SUMMARY_FLAGS: tuple[str, ...] = (
    "AccountPasswordPresent",
    "AccountAccessKeysPresent",
    "AccountMFAEnabled",
    "AccountSigningCertificatesPresent",
)
SUFFIX_LENGTH = 4


def mask_suffix(identifier: str) -> str:
    """The last four characters of a key or certificate id; the rest is never kept."""
    return identifier[-SUFFIX_LENGTH:] if identifier else ""


def mfa_kind(serial: str) -> str:
    """``virtual`` for a virtual MFA device (serial ``arn:...:mfa/...``), else ``hardware``.

    Hardware TOTP tokens have a plain serial number and FIDO/U2F security keys an ``arn:...:u2f/...`` serial;
    both count as hardware.
    """
    if serial.startswith("arn:") and ":mfa/" in serial:
        return "virtual"
    return "hardware"


def summary_flags(summary_map: Mapping[str, Any]) -> dict[str, int]:
    """The four root-credential flags of GetAccountSummary, as 0/1 (missing flags read as 0)."""
    return {flag: 1 if int(summary_map.get(flag) or 0) else 0 for flag in SUMMARY_FLAGS}


def access_keys(metadata: list[Mapping[str, Any]]) -> tuple[AccessKey, ...]:
    return tuple(
        AccessKey(
            id_suffix=mask_suffix(str(item.get("AccessKeyId", ""))),
            status=str(item.get("Status", "")),
            created=_datetime(item.get("CreateDate")),
        )
        for item in metadata
    )


def mfa_devices(devices: list[Mapping[str, Any]]) -> tuple[MFADevice, ...]:
    return tuple(
        MFADevice(kind=mfa_kind(str(item.get("SerialNumber", ""))), enabled=_datetime(item.get("EnableDate")))
        for item in devices
    )


def signing_certificates(certificates: list[Mapping[str, Any]]) -> tuple[SigningCertificate, ...]:
    return tuple(
        SigningCertificate(
            id_suffix=mask_suffix(str(item.get("CertificateId", ""))), status=str(item.get("Status", ""))
        )
        for item in certificates
    )


def _datetime(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None


def _list_all(iam: BaseClient, operation: str, result_key: str) -> list[Mapping[str, Any]]:
    return list(paginate(iam, operation, result_key))


class DetailErrors:
    """Detail calls that failed; the summary flags still stand for those credentials."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, operation: str, exc: ClientError) -> None:
        self.messages.append(f"{operation}: {describe(exc, 120)}")

    def __str__(self) -> str:
        return "; ".join(self.messages)


def read_root_credentials(iam: BaseClient, *, details: bool = True) -> tuple[RootCredentials, str]:
    """Read the root user's credentials; returns them and a note on any detail call that failed.

    GetAccountSummary errors propagate (the caller maps them to an audit outcome). A failing detail call
    does not: the summary flag still records that the credential exists.
    """
    flags = summary_flags(iam.get_account_summary().get("SummaryMap", {}))
    if not details:
        return RootCredentials(summary=flags), ""
    errors = DetailErrors()
    fields: dict[str, Any] = {}
    if flags["AccountPasswordPresent"]:
        try:
            profile = iam.get_login_profile().get("LoginProfile", {})
            fields["password"] = True
            fields["password_created"] = _datetime(profile.get("CreateDate"))
        except ClientError as exc:
            if error_code(exc) not in NO_SUCH_ENTITY_CODES:
                errors.add("GetLoginProfile", exc)
    detail_calls = (
        ("AccountAccessKeysPresent", "access_keys", "list_access_keys", "AccessKeyMetadata", access_keys),
        ("AccountMFAEnabled", "mfa_devices", "list_mfa_devices", "MFADevices", mfa_devices),
        (
            "AccountSigningCertificatesPresent",
            "signing_certificates",
            "list_signing_certificates",
            "Certificates",
            signing_certificates,
        ),
    )
    for flag, field, operation, key, parse in detail_calls:
        if not flags[flag]:
            continue
        try:
            fields[field] = parse(_list_all(iam, operation, key))
        except ClientError as exc:
            errors.add(iam.meta.method_to_api_mapping.get(operation, operation), exc)
    return RootCredentials(summary=flags, **fields), str(errors)
