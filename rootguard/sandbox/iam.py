"""IAM: centralized root access features and the root user, added to moto's IAM service.

- ListOrganizationsFeatures, Enable/DisableOrganizationsRootCredentialsManagement and
  Enable/DisableOrganizationsRootSessions with their prerequisites and botocore's error shape names.
- GetAccountSummary carries the root user's flags (AccountPasswordPresent, AccountAccessKeysPresent,
  AccountMFAEnabled, AccountSigningCertificatesPresent) for any principal of the account.
- Called as the root user (a root session, or root credentials) without UserName, GetUser, GetLoginProfile,
  ListAccessKeys, ListMFADevices, ListSigningCertificates answer for the root user, and CreateLoginProfile,
  DeleteLoginProfile, DeleteAccessKey, DeleteSigningCertificate, DeactivateMFADevice and
  DeleteVirtualMFADevice act on it. Everything else is moto's behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.iam.responses import IamResponse

from rootguard.models import IAM_SERVICE_PRINCIPAL, ROOT_CREDENTIALS_MANAGEMENT, ROOT_SESSIONS
from rootguard.sandbox import state as _state
from rootguard.sandbox.caller import principal_of
from rootguard.sandbox.errors import SandboxError, handles_errors
from rootguard.sandbox.organizations import backend as orgs
from rootguard.sandbox.patching import Patch
from rootguard.sandbox.state import RootUser, now

_CERT_BODY = "-----BEGIN CERTIFICATE-----\nMIIBsandbox\n-----END CERTIFICATE-----"


def _require_state() -> _state.SandboxState:
    st = _state.active()
    if st is None:
        raise SandboxError("InvalidAction", "This operation needs a running rootguard sandbox.", 400)
    return st


def _organization_for_features(resp: IamResponse, *, change: bool) -> str:
    """Check the prerequisites of the feature calls; return the organization id."""
    account = resp.current_account
    backend = orgs.management_backend(account, _require_state().partition)
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


def _features_result(org_id: str, st: _state.SandboxState) -> ActionResult:
    enabled = st.enabled_features(org_id)
    ordered = [f for f in (ROOT_CREDENTIALS_MANAGEMENT, ROOT_SESSIONS) if f in enabled]
    return ActionResult({"OrganizationId": org_id, "EnabledFeatures": ordered})


@handles_errors
def list_organizations_features(self: IamResponse) -> Any:
    st = _require_state()
    return _features_result(_organization_for_features(self, change=False), st)


def _feature_call(feature: str, enable: bool) -> Callable[[IamResponse], Any]:
    @handles_errors
    def call(self: IamResponse) -> Any:
        st = _require_state()
        org_id = _organization_for_features(self, change=True)
        with st.lock:
            features = st.enabled_features(org_id)
            if enable:
                features.add(feature)
            else:
                features.discard(feature)
        return _features_result(org_id, st)

    call.__name__ = (
        ("enable" if enable else "disable")
        + "_organizations_"
        + ("root_credentials_management" if feature == ROOT_CREDENTIALS_MANAGEMENT else "root_sessions")
    )
    return call


# ------------------------------------------------------------------------------------------- root user


def _root_caller(resp: IamResponse) -> RootUser | None:
    """The root user when the caller is root and names no user; None for every other call."""
    st = _state.active()
    if st is None or resp._get_param("UserName"):
        return None
    principal = principal_of(resp)
    if principal is None or not principal.is_root:
        return None
    return st.root_user(
        principal.account_id if principal.session is None else principal.session.target_account
    )


def _no_such_entity(message: str) -> SandboxError:
    return SandboxError("NoSuchEntity", message, 404)


def _for_root(name: str, root_handler: Callable[[IamResponse, RootUser], Any]) -> Patch:
    """moto's `name` call, answered by `root_handler` when the root user calls it without UserName."""
    original = getattr(IamResponse, name)

    @handles_errors
    def method(self: IamResponse) -> Any:
        root = _root_caller(self)
        if root is None:
            return original(self)
        with _state.active().lock:  # type: ignore[union-attr]
            return root_handler(self, root)

    method.__name__ = name
    return Patch(IamResponse, name, method)


def _get_user(self: IamResponse, root: RootUser) -> Any:
    user: dict[str, Any] = {"UserId": root.account_id, "Arn": root.arn, "CreateDate": now(), "Path": "/"}
    return ActionResult({"User": user})


def _login_profile(root: RootUser) -> dict[str, Any]:
    return {"LoginProfile": {"CreateDate": root.password_created or now(), "PasswordResetRequired": False}}


def _get_login_profile(self: IamResponse, root: RootUser) -> Any:
    if not root.password:
        raise _no_such_entity("Login Profile for User root cannot be found.")
    return ActionResult(_login_profile(root))


def _create_login_profile(self: IamResponse, root: RootUser) -> Any:
    if self._get_param("Password"):
        raise SandboxError("InvalidInput", "A root session creates the root password without Password.", 400)
    if root.password:
        raise SandboxError("EntityAlreadyExists", "Login Profile for user root already exists.", 409)
    root.set_password(True)
    return ActionResult(_login_profile(root))


def _delete_login_profile(self: IamResponse, root: RootUser) -> Any:
    if not root.password:
        raise _no_such_entity("Login Profile for User root cannot be found.")
    root.set_password(False)
    return EmptyResult()


def _list_access_keys(self: IamResponse, root: RootUser) -> Any:
    keys = [
        {"AccessKeyId": k.access_key_id, "Status": k.status, "CreateDate": k.created}
        for k in root.access_keys
    ]
    return ActionResult({"AccessKeyMetadata": keys, "IsTruncated": False})


def _delete_access_key(self: IamResponse, root: RootUser) -> Any:
    key_id = self._get_param("AccessKeyId")
    for key in root.access_keys:
        if key.access_key_id == key_id:
            root.access_keys.remove(key)
            st = _state.active()
            if st is not None:
                st.principals.pop(key_id, None)
            return EmptyResult()
    raise _no_such_entity(f"The Access Key with id {key_id} cannot be found.")


def _list_mfa_devices(self: IamResponse, root: RootUser) -> Any:
    devices = [{"SerialNumber": d.serial, "EnableDate": d.enabled} for d in root.mfa_devices]
    return ActionResult({"MFADevices": devices, "IsTruncated": False})


def _deactivate_mfa_device(self: IamResponse, root: RootUser) -> Any:
    serial = self._get_param("SerialNumber")
    for device in root.mfa_devices:
        if device.serial == serial:
            root.mfa_devices.remove(device)
            if device.kind == "virtual":
                root.unassigned_virtual_mfa.append(serial)
            return EmptyResult()
    raise _no_such_entity(f"MFA Device with serial number {serial} cannot be found.")


def _delete_virtual_mfa_device(self: IamResponse, root: RootUser) -> Any:
    serial = self._get_param("SerialNumber")
    if any(d.serial == serial for d in root.mfa_devices):
        raise SandboxError("DeleteConflict", "MFA device is still in use; deactivate it first.", 409)
    if serial in root.unassigned_virtual_mfa:
        root.unassigned_virtual_mfa.remove(serial)
        return EmptyResult()
    raise _no_such_entity(f"VirtualMFADevice with serial number {serial} doesn't exist.")


def _list_signing_certificates(self: IamResponse, root: RootUser) -> Any:
    certs = [
        {
            "CertificateId": c.certificate_id,
            "CertificateBody": _CERT_BODY,
            "Status": c.status,
            "UploadDate": c.uploaded,
        }
        for c in root.signing_certificates
    ]
    return ActionResult({"Certificates": certs, "IsTruncated": False})


def _delete_signing_certificate(self: IamResponse, root: RootUser) -> Any:
    cert_id = self._get_param("CertificateId")
    for cert in root.signing_certificates:
        if cert.certificate_id == cert_id:
            root.signing_certificates.remove(cert)
            return EmptyResult()
    raise _no_such_entity(f"The Certificate with id {cert_id} cannot be found.")


_moto_get_account_summary = IamResponse.get_account_summary


def _get_account_summary(self: IamResponse) -> Any:
    result = _moto_get_account_summary(self)
    st = _state.active()
    if st is not None and isinstance(result, ActionResult):
        principal = principal_of(self)
        account = self.current_account
        if principal is not None and principal.session is not None:
            account = principal.session.target_account
        summary = dict(result.result["SummaryMap"])  # type: ignore[index]
        summary.update(st.root_user(account).summary_flags())
        return ActionResult({"SummaryMap": summary})
    return result


def patches() -> list[Patch]:
    """The calls added to moto's IAM response class, and the calls answered for the root user."""
    added = [Patch(IamResponse, "list_organizations_features", list_organizations_features)]
    for feature in (ROOT_CREDENTIALS_MANAGEMENT, ROOT_SESSIONS):
        for enable in (True, False):
            call = _feature_call(feature, enable)
            added.append(Patch(IamResponse, call.__name__, call))
    return [
        *added,
        _for_root("get_user", _get_user),
        _for_root("get_login_profile", _get_login_profile),
        _for_root("create_login_profile", _create_login_profile),
        _for_root("delete_login_profile", _delete_login_profile),
        _for_root("list_access_keys", _list_access_keys),
        _for_root("delete_access_key", _delete_access_key),
        _for_root("list_mfa_devices", _list_mfa_devices),
        _for_root("deactivate_mfa_device", _deactivate_mfa_device),
        _for_root("delete_virtual_mfa_device", _delete_virtual_mfa_device),
        _for_root("list_signing_certificates", _list_signing_certificates),
        _for_root("delete_signing_certificate", _delete_signing_certificate),
        Patch(IamResponse, "get_account_summary", _get_account_summary),
    ]
