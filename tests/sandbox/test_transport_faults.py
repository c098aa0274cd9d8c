"""Dropped connections: `code: ConnectionReset` / `ConnectionRefused` give no answer at all, in-process and
served, and the client sees botocore's own connection errors (which it retries, as it would on AWS)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError

from rootguard.sandbox import Sandbox, generate_scenario

NO_RETRY = Config(retries={"mode": "standard", "max_attempts": 1})
RETRY = Config(retries={"mode": "standard", "max_attempts": 3})


@pytest.fixture
def served() -> Any:
    sb = Sandbox(generate_scenario("accounts=3 seed=1")).serve()
    yield sb
    sb.stop()


@pytest.mark.parametrize(
    ("code", "error"),
    [("ConnectionReset", ConnectionClosedError), ("ConnectionRefused", EndpointConnectionError)],
)
def test_in_process_the_client_sees_its_connection_error(
    sandbox_factory: Callable[[Any], Sandbox], code: str, error: type[Exception]
) -> None:
    sb = sandbox_factory(generate_scenario("accounts=3 seed=1"))
    sb.inject(service="organizations", action="DescribeOrganization", code=code)
    org = sb.session().client("organizations", config=NO_RETRY)
    with pytest.raises(error):
        org.describe_organization()
    outcomes = {c.outcome for c in sb.recorded_calls() if c.action == "organizations:DescribeOrganization"}
    assert outcomes == {f"Connection{code.removeprefix('Connection')}Fault"}


def test_a_dropped_connection_is_retried_like_on_aws(sandbox_factory: Callable[[Any], Sandbox]) -> None:
    sb = sandbox_factory(generate_scenario("accounts=3 seed=1"))
    sb.inject(service="organizations", action="DescribeOrganization", code="ConnectionReset", count=2)
    org = sb.session().client("organizations", config=RETRY)
    assert org.describe_organization()["Organization"]["Id"].startswith("o-")


def test_served_the_connection_is_reset_without_an_answer(served: Sandbox) -> None:
    served.inject(service="organizations", action="DescribeOrganization", code="ConnectionReset")
    org = served.session().client("organizations", config=NO_RETRY)
    with pytest.raises(ConnectionClosedError):
        org.describe_organization()
    # the server keeps serving other calls, on new connections
    assert served.session().client("sts").get_caller_identity()["Account"]
    served.clear_faults()
    assert org.describe_organization()["Organization"]["Id"].startswith("o-")
