"""IAM on the wire: the centralized root access calls added to moto's IAM response class, and the calls the
root user makes about itself.

- ListOrganizationsFeatures, Enable/DisableOrganizationsRootCredentialsManagement and
  Enable/DisableOrganizationsRootSessions with their prerequisites and botocore's error shape names.
- GetAccountSummary carries the root user's flags (AccountPasswordPresent, AccountAccessKeysPresent,
  AccountMFAEnabled, AccountSigningCertificatesPresent) for any principal of the account.
- ListVirtualMFADevices lists the root user's virtual MFA devices too (User: the root user's ARN).
- Called as the root user (a root session, or root credentials) without UserName, GetUser, GetLoginProfile,
  ListAccessKeys, ListMFADevices, ListSigningCertificates answer for the root user, and CreateLoginProfile,
  DeleteLoginProfile, DeleteAccessKey, DeleteSigningCertificate, DeactivateMFADevice and
  DeleteVirtualMFADevice act on it. Everything else is moto's behaviour.

The rules live in rootguard.sandbox.iam.backend; this module parses requests and shapes results.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.iam.responses import IamResponse

from rootguard.models import ROOT_CREDENTIALS_MANAGEMENT, ROOT_SESSIONS
from rootguard.sandbox import state as _state
from rootguard.sandbox.caller import principal_of
from rootguard.sandbox.errors import SandboxError, handles_errors
from rootguard.sandbox.iam import backend
from rootguard.sandbox.patching import Patch
from rootguard.sandbox.state import RootUser, SandboxState, now

_CERT_BODY = "-----BEGIN CERTIFICATE-----\nMIIBsandbox\n-----END CERTIFICATE-----"

RootHandler = Callable[[IamResponse, SandboxState, RootUser], Any]

# ------------------------------------------------------------------------------- root access features


def _require_state() -> SandboxState:
    st = _state.active()
    if st is None:
        raise SandboxError("InvalidAction", "This operation needs a running rootguard sandbox.", 400)
    return st


def _features_result(st: SandboxState, org_id: str) -> ActionResult:
    return ActionResult({"OrganizationId": org_id, "EnabledFeatures": backend.enabled_features(st, org_id)})


@handles_errors
def list_organizations_features(self: IamResponse) -> Any:
    st = _require_state()
    return _features_result(st, backend.organization_for_features(st, self.current_account, change=False))


def _feature_call(feature: str, enable: bool) -> Callable[[IamResponse], Any]:
    @handles_errors
    def call(self: IamResponse) -> Any:
        st = _require_state()
        org_id = backend.organization_for_features(st, self.current_account, change=True)
        backend.set_feature(st, org_id, feature, enable)
        return _features_result(st, org_id)

    call.__name__ = (
        ("enable" if enable else "disable")
        + "_organizations_"
        + ("root_credentials_management" if feature == ROOT_CREDENTIALS_MANAGEMENT else "root_sessions")
    )
    return call


# ------------------------------------------------------------------------------------------- root user


def _root_caller(resp: IamResponse, st: SandboxState | None) -> RootUser | None:
    """The root user when the caller is root and names no user; None for every other call."""
    if st is None or resp._get_param("UserName"):
        return None
    principal = principal_of(resp)
    if principal is None or not principal.is_root:
        return None
    return st.root_user(
        principal.account_id if principal.session is None else principal.session.target_account
    )


def _for_root(name: str, root_handler: RootHandler) -> Patch:
    """moto's `name` call, answered by `root_handler` when the root user calls it without UserName."""
    original = getattr(IamResponse, name)

    @handles_errors
    def method(self: IamResponse) -> Any:
        st = _state.active()
        root = _root_caller(self, st)
        if st is None or root is None:
            return original(self)
        with st.lock:
            return root_handler(self, st, root)

    method.__name__ = name
    return Patch(IamResponse, name, method)


def _get_user(self: IamResponse, st: SandboxState, root: RootUser) -> Any:
    user: dict[str, Any] = {"UserId": root.account_id, "Arn": root.arn, "CreateDate": now(), "Path": "/"}
    return ActionResult({"User": user})


def _login_profile(root: RootUser) -> ActionResult:
    return ActionResult(
        {"LoginProfile": {"CreateDate": root.password_created or now(), "PasswordResetRequired": False}}
    )


def _get_login_profile(self: IamResponse, st: SandboxState, root: RootUser) -> Any:
    backend.require_login_profile(root)
    return _login_profile(root)


def _create_login_profile(self: IamResponse, st: SandboxState, root: RootUser) -> Any:
    backend.create_login_profile(root, password_given=bool(self._get_param("Password")))
    return _login_profile(root)


def _delete_login_profile(self: IamResponse, st: SandboxState, root: RootUser) -> Any:
    backend.delete_login_profile(root)
    return EmptyResult()


def _list_access_keys(self: IamResponse, st: SandboxState, root: RootUser) -> Any:
    keys = [
        {"AccessKeyId": k.access_key_id, "Status": k.status, "CreateDate": k.created}
        for k in root.access_keys
    ]
    return ActionResult({"AccessKeyMetadata": keys, "IsTruncated": False})


def _delete_access_key(self: IamResponse, st: SandboxState, root: RootUser) -> Any:
    backend.delete_access_key(st, root, self._get_param("AccessKeyId"))
    return EmptyResult()


def _list_mfa_devices(self: IamResponse, st: SandboxState, root: RootUser) -> Any:
    devices = [{"SerialNumber": d.serial, "EnableDate": d.enabled} for d in root.mfa_devices]
    return ActionResult({"MFADevices": devices, "IsTruncated": False})


def _deactivate_mfa_device(self: IamResponse, st: SandboxState, root: RootUser) -> Any:
    backend.deactivate_mfa_device(root, self._get_param("SerialNumber"))
    return EmptyResult()


def _delete_virtual_mfa_device(self: IamResponse, st: SandboxState, root: RootUser) -> Any:
    backend.delete_virtual_mfa_device(root, self._get_param("SerialNumber"))
    return EmptyResult()


def _list_signing_certificates(self: IamResponse, st: SandboxState, root: RootUser) -> Any:
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


def _delete_signing_certificate(self: IamResponse, st: SandboxState, root: RootUser) -> Any:
    backend.delete_signing_certificate(root, self._get_param("CertificateId"))
    return EmptyResult()


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


_moto_list_virtual_mfa_devices = IamResponse.list_virtual_mfa_devices


def _list_virtual_mfa_devices(self: IamResponse) -> Any:
    """moto's answer (the account's IAM users' devices) with the root user's virtual devices first, on the
    first page: AWS lists the root user's device among the account's virtual MFA devices."""
    result = _moto_list_virtual_mfa_devices(self)
    st = _state.active()
    if st is None or not isinstance(result, ActionResult) or self._get_param("Marker"):
        return result
    principal = principal_of(self)
    if principal is None or principal.session is not None:
        return result  # root sessions have no use for it (the audit task policy does not allow it)
    root = st.root_user(self.current_account)
    status = self._get_param("AssignmentStatus", "Any")
    body = dict(result.result)  # type: ignore[arg-type]
    body["VirtualMFADevices"] = [*backend.root_virtual_mfa_devices(root, status), *body["VirtualMFADevices"]]
    return ActionResult(body)


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
        Patch(IamResponse, "list_virtual_mfa_devices", _list_virtual_mfa_devices),
    ]
