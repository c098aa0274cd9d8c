"""rootguard.sandbox.speedups: the same answers as moto's originals, in the served and in-process sandbox."""

from __future__ import annotations

import re
from typing import Any

import moto.core.responses as moto_responses
from moto.utilities.aws_headers import gen_amzn_requestid_long

from rootguard.sandbox import speedups

REQUEST_ID = re.compile(r"^[A-Za-z0-9]{52}$")


def test_request_id_has_moto_s_shape_and_sets_the_header() -> None:
    headers: dict[str, Any] = {}
    ours = speedups.request_id(headers)
    assert REQUEST_ID.match(ours) and headers == {"x-amzn-requestid": ours}
    assert REQUEST_ID.match(gen_amzn_requestid_long())  # the original, for the same shape
    assert len({speedups.request_id() for _ in range(200)}) == 200


def test_request_id_ignores_a_non_dict_header_holder() -> None:
    assert REQUEST_ID.match(speedups.request_id(None))


def test_installed_in_front_of_moto(unit_sandbox: Any) -> None:
    assert moto_responses.gen_amzn_requestid_long is speedups.request_id
    answer = unit_sandbox.session().client("sts").get_caller_identity()
    assert REQUEST_ID.match(answer["ResponseMetadata"]["RequestId"])


def test_account_backend_lookup_keeps_moto_s_objects_and_creates_missing_ones(unit_sandbox: Any) -> None:
    from moto.core.base_backend import BackendDict
    from moto.iam.models import iam_backends

    assert BackendDict._create_account_specific_backend is speedups.account_backend
    known = unit_sandbox.management_account_id
    first = iam_backends[known]
    assert iam_backends[known] is first  # an existing account's backend is the same object
    fresh = "987654321098"
    assert fresh not in iam_backends
    created = iam_backends[fresh]  # a missing one is created as moto creates it, and tracked for its reset
    assert type(created) is type(first) and created.account_id == fresh and iam_backends[fresh] is created
    assert created["aws"].account_id == fresh and created["aws"] is iam_backends[fresh]["aws"]
    assert any(b is iam_backends for b in BackendDict._instances)


def test_a_stopped_sandbox_leaves_no_organization_behind() -> None:
    """moto's reset re-creates an Organizations backend while resetting Security Hub's; the lookup must keep
    registering it, or the next sandbox finds the old organization (AlreadyInOrganizationException)."""
    from moto.organizations.models import organizations_backends
    from sandbox_helpers import scenario

    from rootguard.sandbox import Sandbox

    for _ in range(3):
        with Sandbox(scenario(securityhub={"enabled": {"*": ["us-east-1"]}})) as sb:
            assert sb.organization_id
        assert all(b.org is None for account in organizations_backends.values() for b in account.values())
