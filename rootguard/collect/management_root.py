"""The management account's own root user: what it still holds, read from the management account itself.

Centralized root access does not cover the management account, so its root user stays: the organization's one
root user and one MFA key. An IAM principal of that account can see its root user's credentials through
iam:GetAccountSummary, whose SummaryMap reports for the root user (AWS IAM API reference, GetAccountSummary:
"AccountMFAEnabled: 1 if the root user has an MFA device enabled", and likewise AccountAccessKeysPresent,
AccountPasswordPresent, AccountSigningCertificatesPresent). Whether that MFA is virtual is told by
iam:ListVirtualMFADevices: a virtual device assigned to the root user carries the root user's ARN
(``arn:<partition>:iam::<account>:root``) as its User; MFA on without such a device is a hardware token or a
FIDO security key (the reading of AWS Config's root-account-hardware-mfa-enabled rule and Security Hub CSPM's
IAM.6: "fails if any virtual MFA devices are permitted for signing in with root user credentials").

A delegated administrator cannot read another account's root user this way; the rule says so.
"""

from __future__ import annotations

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.aws import aws_error, paginate
from rootguard.collect.credentials import summary_flags
from rootguard.models import AwsError, Caller, ManagementRoot

# IAM actions this reader calls (deploy/scanner-role.yaml allows exactly these for it).
ACTIONS = ("iam:GetAccountSummary", "iam:ListVirtualMFADevices")


def root_arn(caller: Caller) -> str:
    return f"arn:{caller.partition}:iam::{caller.account_id}:root"


def read_management_root(iam: BaseClient, caller: Caller) -> tuple[ManagementRoot | None, AwsError | None]:
    """The caller's own account's root user (call it only as the management account), or why it is unknown."""
    try:
        flags = summary_flags(iam.get_account_summary().get("SummaryMap", {}))
        kind = "none"
        if flags["AccountMFAEnabled"]:
            kind = "hardware"
            arn = root_arn(caller)
            for device in paginate(
                iam, "list_virtual_mfa_devices", "VirtualMFADevices", AssignmentStatus="Assigned"
            ):
                if str((device.get("User") or {}).get("Arn", "")) == arn:
                    kind = "virtual"
                    break
    except (ClientError, BotoCoreError) as exc:
        return None, aws_error(exc)
    return (
        ManagementRoot(
            account_id=caller.account_id,
            password=bool(flags["AccountPasswordPresent"]),
            mfa=bool(flags["AccountMFAEnabled"]),
            mfa_kind=kind,
            access_keys=bool(flags["AccountAccessKeysPresent"]),
            signing_certificates=bool(flags["AccountSigningCertificatesPresent"]),
            summary=flags,
        ),
        None,
    )
