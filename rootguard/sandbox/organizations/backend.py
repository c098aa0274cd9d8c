"""AWS Organizations state: what moto's organizations backend lacks for centralized root access.

- `iam.amazonaws.com` is accepted for trusted access and for delegated administration.
- CreateAccount gives the new account's root user a password, unless RootCredentialsManagement is on, in
  which case the new account starts without root credentials.
- ListAccounts pages in join order and describes only the page.
- Lookups the other services share: the organization an account belongs to, its delegated administrators,
  trusted access, a member account in O(1).
"""

from __future__ import annotations

import base64
from typing import Any

from moto.organizations.models import (
    FakeAccount,
    FakeDelegatedAdministrator,
    FakeServiceAccess,
    OrganizationsBackend,
    organizations_backends,
)

from rootguard.models import IAM_SERVICE_PRINCIPAL, ROOT_CREDENTIALS_MANAGEMENT
from rootguard.sandbox import state as _state
from rootguard.sandbox.errors import SandboxError
from rootguard.sandbox.patching import Patch

# Services AWS lets register a delegated administrator that moto does not list.
EXTRA_DELEGATED_ADMIN_SERVICES = (
    IAM_SERVICE_PRINCIPAL,
    "securityhub.amazonaws.com",
    "cloudtrail.amazonaws.com",
    "config.amazonaws.com",
    "sso.amazonaws.com",
    "backup.amazonaws.com",
    "inspector2.amazonaws.com",
    "detective.amazonaws.com",
    "account.amazonaws.com",
)


def delegated_admin_services() -> list[str]:
    return sorted({*FakeDelegatedAdministrator.SUPPORTED_SERVICES, *EXTRA_DELEGATED_ADMIN_SERVICES})


def trusted_access_services() -> list[str]:
    return sorted({*FakeServiceAccess.TRUSTED_SERVICES, IAM_SERVICE_PRINCIPAL})


def management_backend(account_id: str, partition: str) -> OrganizationsBackend | None:
    """The organizations backend of the organization `account_id` belongs to (None: in no organization)."""
    if account_id in organizations_backends:
        own = organizations_backends[account_id][partition]
        if own.org is not None:
            return own
    link = organizations_backends.master_accounts.get(account_id)
    if link is None:
        return None
    backend = organizations_backends[link[0]][link[1]]
    return backend if backend.org is not None else None


def is_delegated_admin(backend: OrganizationsBackend, account_id: str, service: str | None = None) -> bool:
    for admin in backend.admins:
        if admin.account.id == account_id and (service is None or service in admin.services):
            return True
    return False


def trusted_access_enabled(backend: OrganizationsBackend, service: str) -> bool:
    return any(s["ServicePrincipal"] == service for s in backend.services)


def find_account(backend: OrganizationsBackend, account_id: str) -> FakeAccount | None:
    st = _state.active()
    if st is not None:
        acct = st.accounts.get(account_id)
        if acct is not None:
            # Still in this organization? moto's master_accounts map answers in O(1) what a scan of
            # backend.accounts would (it is kept on create, invite and removal).
            member = organizations_backends.master_accounts.get(account_id) == (
                backend.account_id,
                backend.partition,
            )
            return acct if member or account_id == backend.account_id else None
    return next((a for a in backend.accounts if a.id == account_id), None)


_moto_create_account = OrganizationsBackend.create_account


def _create_account(self: OrganizationsBackend, **kwargs: Any) -> dict[str, Any]:
    result = _moto_create_account(self, **kwargs)
    st = _state.active()
    if st is not None and self.org is not None:
        account_id = result["CreateAccountStatus"]["AccountId"]
        acct = next(a for a in reversed(self.accounts) if a.id == account_id)
        st.accounts[account_id] = acct
        root = st.root_user(account_id)
        root.clear()
        # Without root credentials management, AWS gives a created account a root password nobody knows.
        if ROOT_CREDENTIALS_MANAGEMENT not in st.enabled_features(self.org.id):
            root.set_password(True)
    return result


def _list_accounts(
    self: OrganizationsBackend, max_results: int | None = None, next_token: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """ListAccounts in join order, describing only the page (moto describes every account per page)."""
    ordered = sorted(self.accounts, key=lambda a: a.create_time)
    start = 0
    if next_token:
        try:
            start = int(base64.b64decode(next_token).decode().removeprefix("accounts:"))
        except ValueError:
            raise SandboxError("InvalidInputException", "You provided an invalid NextToken.") from None
    size = max_results or 20
    page = ordered[start : start + size]
    more = start + size < len(ordered)
    token = base64.b64encode(f"accounts:{start + size}".encode()).decode() if more else None
    return [a.describe() for a in page], token


def _with(services: list[str], extra: tuple[str, ...]) -> list[str]:
    return [*services, *(s for s in extra if s not in services)]


def patches() -> list[Patch]:
    """Extend moto's organizations backend: its lists of services and two of its calls."""
    return [
        Patch(
            FakeServiceAccess,
            "TRUSTED_SERVICES",
            _with(FakeServiceAccess.TRUSTED_SERVICES, (IAM_SERVICE_PRINCIPAL,)),
        ),
        Patch(
            FakeDelegatedAdministrator,
            "SUPPORTED_SERVICES",
            _with(FakeDelegatedAdministrator.SUPPORTED_SERVICES, EXTRA_DELEGATED_ADMIN_SERVICES),
        ),
        Patch(OrganizationsBackend, "list_accounts", _list_accounts),
        Patch(OrganizationsBackend, "create_account", _create_account),
    ]
