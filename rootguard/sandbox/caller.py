"""Who is calling: the principal behind a request's access key, resolved once per request.

moto finds a request's account by scanning every account's access keys; with 10,000 accounts that scan is the
largest cost of a call. The sandbox keeps a principal index instead (access key -> account, ARN, kind, root
session; rootguard.sandbox.state), filled when it seeds scanners and root keys and when AssumeRoot hands out a
session, and answers a key it did not index from the account encoded in the key id, as AWS and moto do.
"""

from __future__ import annotations

from moto.core.responses import BaseResponse

from rootguard.sandbox import ids
from rootguard.sandbox import state as _state
from rootguard.sandbox.state import Principal

_PRINCIPAL_ATTR = "_rootguard_principal"


def resolve(access_key_id: str, partition: str) -> Principal | None:
    """Who holds this access key, or None when no account knows it."""
    st = _state.active()
    if st is None:
        return None
    known = st.principals.get(access_key_id)
    if known is not None:
        return known
    account = ids.account_from_key_id(access_key_id)
    if account is None:
        return None
    from moto.iam.models import iam_backends

    if account not in iam_backends:
        return None
    iam = iam_backends[account][partition]
    key = iam.access_keys.get(access_key_id)
    if key is None:
        return None
    if key.user_name:
        return Principal(
            access_key_id, account, f"arn:{partition}:iam::{account}:user/{key.user_name}", "user"
        )
    from moto.sts.models import sts_backends

    assumed = sts_backends[account][partition].get_assumed_role_from_access_key(access_key_id)
    arn = (
        assumed.arn if assumed is not None else f"arn:{partition}:sts::{account}:assumed-role/unknown/unknown"
    )
    return Principal(access_key_id, account, arn, "role")


def sandbox_partition(resp: BaseResponse) -> str:
    """The running sandbox's partition (one per sandbox). moto derives a request's partition from the host,
    which for IAM's GovCloud and China endpoints (iam.us-gov.amazonaws.com) names no Region, so moto says
    "aws"; the sandbox knows better."""
    st = _state.active()
    return st.partition if st is not None else resp.partition


def principal_of(resp: BaseResponse) -> Principal | None:
    """The principal of the request `resp` is serving (resolved once per request)."""
    cached = resp.__dict__.get(_PRINCIPAL_ATTR, False)
    if cached is not False:
        return cached
    principal = resolve(resp.get_access_key(), sandbox_partition(resp))
    resp.__dict__[_PRINCIPAL_ATTR] = principal
    return principal
