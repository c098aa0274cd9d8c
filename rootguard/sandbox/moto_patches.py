"""The registry of every change the sandbox makes to moto: applied when a sandbox starts, undone on stop.

Each part of the sandbox declares its own patches (a `patches()` function beside the code it installs); this
module is the one place that gathers them, in the order they apply:

- rootguard.sandbox.request_pipeline: `BaseResponse.get_current_account` and `call_action`;
- rootguard.sandbox.speedups: moto's request-id, method-lookup and XML-body functions;
- rootguard.sandbox.organizations, .iam, .sts, .securityhub: each service's added and overridden calls.

The set is built once per process, while moto is as moto shipped it (so every wrapper wraps moto's own
method), and reused by every sandbox: one sandbox runs per process at a time.
"""

from __future__ import annotations

from functools import cache

from rootguard.sandbox.patching import PatchSet


@cache
def moto_patches() -> PatchSet:
    """Every patch of the sandbox, built on first use (importing the services is the costly part)."""
    from rootguard.sandbox import request_pipeline, speedups
    from rootguard.sandbox.iam import responses as iam_responses
    from rootguard.sandbox.organizations import backend as organizations_backend
    from rootguard.sandbox.organizations import responses as organizations_responses
    from rootguard.sandbox.securityhub import responses as securityhub_responses
    from rootguard.sandbox.sts import responses as sts_responses

    return PatchSet(
        [
            *request_pipeline.patches(),
            *speedups.patches(),
            *organizations_backend.patches(),
            *organizations_responses.patches(),
            *iam_responses.patches(),
            *sts_responses.patches(),
            *securityhub_responses.patches(),
        ]
    )
