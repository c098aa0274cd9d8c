"""IAM state: the organization's centralized root access features, and what the root user may do to its own
credentials.

The features and the root users live in the sandbox state (rootguard.sandbox.state), next to moto's IAM
backends, which have no model for either. Every rule here raises the error AWS answers with (botocore's error
shape names for the feature calls); rootguard.sandbox.iam.responses puts the results on the wire.
"""

from __future__ import annotations

from rootguard.models import IAM_SERVICE_PRINCIPAL, ROOT_CREDENTIALS_MANAGEMENT, ROOT_SESSIONS
from rootguard.sandbox.errors import SandboxError
from rootguard.sandbox.organizations import backend as orgs
from rootguard.sandbox.state import RootUser, SandboxState

# ------------------------------------------------------------------------------- root access features


def organization_for_features(st: SandboxState, account: str, *, change: bool) -> str:
    """Check the prerequisites of the feature calls made from `account`; return the organization id."""
    backend = orgs.management_backend(account, st.partition)
    if backend is None or backend.org is None:
        raise SandboxError(
            "OrganizationNotFoundException",
            "The request was rejected because no organization is associated with your account.",
        )
    org = backend.org
    if org.feature_set != "ALL":
        raise SandboxError(
            "OrganizationNotInAllFeaturesModeException",
            "The request was rejected because your organization does not have All features enabled.",
        )
    is_management = account == org.master_account_id
    if change and not is_management:
        raise SandboxError(
            "CallerIsNotManagementAccountException",
            "The request was rejected because the account making the request is not the management account.",
        )
    if not orgs.trusted_access_enabled(backend, IAM_SERVICE_PRINCIPAL):
        raise SandboxError(
            "ServiceAccessNotEnabledException",
            "The request was rejected because trusted access for IAM is not enabled for the organization.",
        )
    if not is_management and not orgs.is_delegated_admin(backend, account, IAM_SERVICE_PRINCIPAL):
        raise SandboxError(
            "AccountNotManagementOrDelegatedAdministratorException",
            "The request was rejected because the account is not the management account or the delegated "
            "administrator for IAM.",
        )
    return org.id


def enabled_features(st: SandboxState, org_id: str) -> list[str]:
    """The organization's enabled features, in the order AWS lists them."""
    enabled = st.enabled_features(org_id)
    return [f for f in (ROOT_CREDENTIALS_MANAGEMENT, ROOT_SESSIONS) if f in enabled]


def set_feature(st: SandboxState, org_id: str, feature: str, enabled: bool) -> None:
    with st.lock:
        features = st.enabled_features(org_id)
        if enabled:
            features.add(feature)
        else:
            features.discard(feature)


# ------------------------------------------------------------------------------------------- root user


def _no_such_entity(message: str) -> SandboxError:
    return SandboxError("NoSuchEntity", message, 404)


def require_login_profile(root: RootUser) -> None:
    if not root.password:
        raise _no_such_entity("Login Profile for User root cannot be found.")


def create_login_profile(root: RootUser, *, password_given: bool) -> None:
    """Allow password recovery: AWS sets a password nobody knows; a root session never sends one."""
    if password_given:
        raise SandboxError("InvalidInput", "A root session creates the root password without Password.", 400)
    if root.password:
        raise SandboxError("EntityAlreadyExists", "Login Profile for user root already exists.", 409)
    root.set_password(True)


def delete_login_profile(root: RootUser) -> None:
    require_login_profile(root)
    root.set_password(False)


def delete_access_key(st: SandboxState, root: RootUser, key_id: str) -> None:
    """Delete a root access key; from then on it authenticates nothing."""
    for key in root.access_keys:
        if key.access_key_id == key_id:
            root.access_keys.remove(key)
            st.principals.pop(key_id, None)
            return
    raise _no_such_entity(f"The Access Key with id {key_id} cannot be found.")


def deactivate_mfa_device(root: RootUser, serial: str) -> None:
    """Detach an MFA device; a virtual one stays until DeleteVirtualMFADevice."""
    for device in root.mfa_devices:
        if device.serial == serial:
            root.mfa_devices.remove(device)
            if device.kind == "virtual":
                root.unassigned_virtual_mfa.append(serial)
            return
    raise _no_such_entity(f"MFA Device with serial number {serial} cannot be found.")


def delete_virtual_mfa_device(root: RootUser, serial: str) -> None:
    if any(d.serial == serial for d in root.mfa_devices):
        raise SandboxError("DeleteConflict", "MFA device is still in use; deactivate it first.", 409)
    if serial not in root.unassigned_virtual_mfa:
        raise _no_such_entity(f"VirtualMFADevice with serial number {serial} doesn't exist.")
    root.unassigned_virtual_mfa.remove(serial)


def delete_signing_certificate(root: RootUser, cert_id: str) -> None:
    for cert in root.signing_certificates:
        if cert.certificate_id == cert_id:
            root.signing_certificates.remove(cert)
            return
    raise _no_such_entity(f"The Certificate with id {cert_id} cannot be found.")


def root_virtual_mfa_devices(root: RootUser, assignment_status: str) -> list[dict[str, object]]:
    """The root user's virtual MFA devices as ListVirtualMFADevices lists them, for `assignment_status`
    (Assigned, Unassigned or Any). An assigned device carries the root user as its User, with the root user's
    ARN (``arn:<partition>:iam::<account>:root``): that ARN is how a caller tells a root device from a user's.
    Hardware and FIDO devices are not virtual and are never listed."""
    status = (assignment_status or "Any").capitalize()
    devices: list[dict[str, object]] = []
    if status in ("Any", "Assigned"):
        for device in root.mfa_devices:
            if device.kind != "virtual":
                continue
            devices.append(
                {
                    "SerialNumber": device.serial,
                    "EnableDate": device.enabled,
                    "User": {
                        "Path": "/",
                        "UserName": root.account_id,
                        "UserId": root.account_id,
                        "Arn": root.arn,
                        "CreateDate": device.enabled,
                    },
                }
            )
    if status in ("Any", "Unassigned"):
        devices.extend({"SerialNumber": serial} for serial in root.unassigned_virtual_mfa)
    return devices
