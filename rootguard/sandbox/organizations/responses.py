"""AWS Organizations on the wire: which backend answers a member account's call.

moto answers every organizations call from the caller's own backend. On AWS a delegated administrator (for any
service) reads the organization (ListAccounts, ListRoots, policies, ...): the sandbox serves those calls from
the management account's backend. Other member accounts may only describe their organization and get
AccessDeniedException for the rest, as on AWS (moto would answer some of these calls from a member).
"""

from __future__ import annotations

from moto.organizations.models import OrganizationsBackend, organizations_backends
from moto.organizations.responses import OrganizationsResponse

from rootguard.sandbox import state as _state
from rootguard.sandbox.errors import SandboxError
from rootguard.sandbox.organizations.backend import is_delegated_admin
from rootguard.sandbox.patching import Patch

# Calls a delegated administrator may make, answered from the management account's data.
DELEGATED_ADMIN_READS = frozenset(
    {
        "DescribeOrganization",
        "DescribeAccount",
        "DescribeOrganizationalUnit",
        "ListAccounts",
        "ListRoots",
        "ListOrganizationalUnitsForParent",
        "ListAccountsForParent",
        "ListChildren",
        "ListParents",
        "ListPolicies",
        "ListTargetsForPolicy",
        "DescribePolicy",
        "ListPoliciesForTarget",
        "ListDelegatedAdministrators",
        "ListDelegatedServicesForAccount",
        "ListAWSServiceAccessForOrganization",
        "ListTagsForResource",
    }
)
# Calls any member account may make about its own organization.
MEMBER_CALLS = frozenset({"DescribeOrganization"})


def _organizations_backend(self: OrganizationsResponse) -> OrganizationsBackend:
    own = organizations_backends[self.current_account][self.partition]
    if _state.active() is None or own.org is not None:
        return own
    link = organizations_backends.master_accounts.get(self.current_account)
    if link is None:
        return own  # not in an organization: moto's AWSOrganizationsNotInUseException
    action = self._get_action()
    if action in MEMBER_CALLS:
        return own
    mgmt = organizations_backends[link[0]][link[1]]
    if action in DELEGATED_ADMIN_READS and is_delegated_admin(mgmt, self.current_account):
        return mgmt
    raise SandboxError("AccessDeniedException", "You don't have permissions to access this resource.", 400)


def patches() -> list[Patch]:
    """The backend moto's organizations response class answers from."""
    return [Patch(OrganizationsResponse, "organizations_backend", property(_organizations_backend))]
