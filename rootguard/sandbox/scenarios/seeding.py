"""Seed moto's backends (and the sandbox state) from a scenario, directly, not through HTTP.

10,000 accounts seed in a few seconds: accounts are appended to the organization with their default policy
attachments in O(1) each, where moto's own CreateAccount scans every account.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.iam.models import iam_backends
from moto.organizations import utils as org_utils
from moto.organizations.models import (
    FakeAccount,
    FakeOrganizationalUnit,
    OrganizationsBackend,
    organizations_backends,
)

from rootguard.models import IAM_SERVICE_PRINCIPAL, ROOT_CREDENTIALS_MANAGEMENT
from rootguard.sandbox import ids
from rootguard.sandbox.scenarios.model import ROOT_TARGET, AccountSpec, RootSpec, Scenario
from rootguard.sandbox.state import Principal, RootUser, SandboxState

SCANNER_USER = "rootguard-scanner"
_FIRST_JOIN = datetime(2018, 1, 1, tzinfo=UTC)


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _apply_root(user: RootUser, spec: RootSpec) -> None:
    user.clear()
    user.set_password(spec.password)
    for key in spec.access_keys:
        user.add_access_key(key.status)
    for device in spec.mfa:
        user.add_mfa_device(device.type)
    for cert in spec.signing_certificates:
        user.add_signing_certificate(cert.status)


def _register_root_keys(st: SandboxState, user: RootUser) -> None:
    for key in user.access_keys:
        if key.status != "Active":
            continue  # an inactive key authenticates nothing
        st.register(Principal(key.access_key_id, user.account_id, user.arn, "root"))


def _default_root(acct: AccountSpec, rcm_enabled: bool) -> RootSpec:
    if acct.joined == "CREATED" and rcm_enabled:
        return RootSpec()  # created after root credentials management: no root credentials
    return RootSpec(password=True)  # AWS sets a root password at creation; invited accounts have their own


def create_scanner(st: SandboxState, account_id: str, region: str) -> None:
    """An IAM user with an access key, the identity a scanner uses in this account."""
    iam = iam_backends[account_id][st.partition]
    if SCANNER_USER not in iam.users:
        iam.create_user(region, SCANNER_USER, path="/", tags=[])
    key = iam.create_access_key(SCANNER_USER)
    arn = f"arn:{st.partition}:iam::{account_id}:user/{SCANNER_USER}"
    st.register(Principal(key.access_key_id, account_id, arn, "user"))
    st.scanners[account_id] = (key.access_key_id, key.secret_access_key)


def _fake_account(
    backend: OrganizationsBackend,
    spec: AccountSpec,
    parent_id: str,
    joined_at: datetime,
    default_policies: list[Any],
) -> FakeAccount:
    org = backend.org
    assert org is not None
    acct = FakeAccount.__new__(FakeAccount)
    acct.type = "ACCOUNT"
    acct.region = org.region
    acct.organization_id = org.id
    acct.master_account_id = org.master_account_id
    acct.create_account_status_id = "car-" + ids.lower_id(8)
    acct.id = spec.id
    acct.name = spec.name or f"account-{spec.id}"
    acct.email = spec.email or f"aws+{spec.id}@example.com"
    acct.create_time = _naive_utc(joined_at)  # moto keeps naive UTC datetimes
    acct.status = spec.status
    acct.state = spec.status
    acct.joined_method = spec.joined
    acct.parent_id = parent_id
    acct.attached_policies = []
    acct.tags = {}
    for policy in default_policies:
        acct.attached_policies.append(policy)
        policy.attachments.append(acct)
    return acct


def _create_org(st: SandboxState, scenario: Scenario, region: str) -> OrganizationsBackend:
    org_spec = scenario.organization
    mgmt_id = org_spec.management_account.id
    backend = organizations_backends[mgmt_id][st.partition]
    backend.create_organization(region=region, FeatureSet=org_spec.feature_set)
    org = backend.org
    assert org is not None
    org.id = org_spec.id or "o-" + ids.lower_id(10)
    org.master_account_email = org_spec.management_account.email
    for obj in [*backend.ou, *backend.accounts, *backend.policies]:
        obj.organization_id = org.id
    master = backend.accounts[0]
    master.name = org_spec.management_account.name
    master.email = org_spec.management_account.email
    master.create_time = _naive_utc(_FIRST_JOIN)
    st.accounts[mgmt_id] = master
    return backend


def _create_ous(backend: OrganizationsBackend, paths: list[str]) -> dict[str, str]:
    org = backend.org
    assert org is not None
    by_path: dict[str, str] = {ROOT_TARGET: org.root_id}
    all_paths: list[str] = []
    for path in paths:
        parts = path.split("/")
        for n in range(1, len(parts) + 1):
            prefix = "/".join(parts[:n])
            if prefix not in all_paths:
                all_paths.append(prefix)
    defaults = [
        backend.get_policy_by_id(p)
        for p in (org_utils.DEFAULT_SCP_POLICY_ID, org_utils.DEFAULT_RCP_POLICY_ID)
    ]
    for path in all_paths:
        parent, _, name = path.rpartition("/")
        ou = FakeOrganizationalUnit(org, Name=name, ParentId=by_path[parent] if parent else org.root_id)
        backend.ou.append(ou)
        for policy in defaults:
            ou.attached_policies.append(policy)
            policy.attachments.append(ou)
        by_path[path] = ou.id
    return by_path


def seed(st: SandboxState, scenario: Scenario) -> None:
    """Write the scenario into moto's backends and `st`. Backends must be empty (freshly reset)."""
    ids.seed(scenario.seed)
    organizations_backends.master_accounts.clear()  # moto keeps this map across resets
    region = scenario.home_region
    org_spec = scenario.organization
    mgmt_id = org_spec.management_account.id
    create_scanner(st, mgmt_id, region)
    mgmt_root = st.root_user(mgmt_id)
    _apply_root(mgmt_root, org_spec.management_account.root)
    _register_root_keys(st, mgmt_root)
    if not org_spec.exists:
        return

    backend = _create_org(st, scenario, region)
    org = backend.org
    assert org is not None
    st.organization_id = org.id
    features = st.enabled_features(org.id)
    features.update(org_spec.root_access_features)
    rcm = ROOT_CREDENTIALS_MANAGEMENT in features
    ou_ids = _create_ous(backend, org_spec.ous)
    defaults = [
        backend.get_policy_by_id(p)
        for p in (org_utils.DEFAULT_SCP_POLICY_ID, org_utils.DEFAULT_RCP_POLICY_ID)
    ]
    partition = st.partition
    master_accounts = organizations_backends.master_accounts
    for i, spec in enumerate(scenario.accounts):
        joined_at = spec.joined_at or (_FIRST_JOIN + timedelta(days=1, minutes=i))
        parent = ou_ids[spec.ou] if spec.ou else org.root_id
        acct = _fake_account(backend, spec, parent, joined_at, defaults)
        backend.accounts.append(acct)
        master_accounts[spec.id] = (mgmt_id, partition)
        st.accounts[spec.id] = acct
        user = st.root_user(spec.id)
        _apply_root(user, spec.root if spec.root is not None else _default_root(spec, rcm))
        _register_root_keys(st, user)

    for principal in org_spec.trusted_access:
        backend.enable_aws_service_access(ServicePrincipal=principal)
    for service, admins in org_spec.delegated_administrators.items():
        for admin in admins:
            backend.register_delegated_administrator(AccountId=admin, ServicePrincipal=service)
            if service == IAM_SERVICE_PRINCIPAL and admin not in st.scanners:
                create_scanner(st, admin, region)

    if org_spec.feature_set == "ALL":
        backend.enable_policy_type(RootId=org.root_id, PolicyType="SERVICE_CONTROL_POLICY")
    for scp in org_spec.scps:
        created = backend.create_policy(
            Name=scp.name,
            Description=scp.description,
            Type="SERVICE_CONTROL_POLICY",
            Content=json.dumps(scp.document),
        )
        policy = backend.get_policy_by_id(created["Policy"]["PolicySummary"]["Id"])
        for target in scp.targets:
            target_id = ou_ids.get(target, target)
            node = st.accounts.get(target_id) if target_id not in ou_ids.values() else None
            if node is None:
                node = next(ou for ou in backend.ou if ou.id == target_id)
            node.attached_policies.append(policy)
            policy.attachments.append(node)
