"""The one place rootguard meets Prowler's classes: Results -> Check_Report_AWS.

The check folders in checks/ are thin adapters that call :func:`reports_for`. Facts are collected once per
Prowler run from the Prowler provider's own boto3 session (the per-run fact cache that Prowler's client pattern
needs) and every check evaluates its rule on them. Prowler's `iam_client`/`organizations_client` are never
imported: they would inventory the whole IAM service of the account.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from rootguard.models import OrgFacts, Result, Status

log = logging.getLogger("rootguard.prowler")

_lock = threading.Lock()
_cache: dict[tuple[str, str], tuple[OrgFacts, list[Result]]] = {}

_PROWLER_STATUS = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.NOT_EVALUATED: "MANUAL"}


def _provider_context() -> tuple[Any, str, str]:
    from prowler.providers.common.provider import Provider

    provider = Provider.get_global_provider()
    session = provider.session.current_session
    identity = provider.identity
    region = session.region_name or getattr(identity, "profile_region", None) or "us-east-1"
    return session, identity.account, region


def run_for_provider() -> tuple[OrgFacts, list[Result], str]:
    """Collect once per (account, Region) of the Prowler run and evaluate every rule."""
    from rootguard.collect import CollectConfig, collect_facts
    from rootguard.rules import evaluate

    session, account, region = _provider_context()
    key = (account, region)
    with _lock:
        if key not in _cache:
            facts = collect_facts(session, CollectConfig(region=region))
            _cache[key] = (facts, evaluate(facts))
        facts, results = _cache[key]
    return facts, results, region


def status_extended(result: Result) -> str:
    if result.status is Status.NOT_EVALUATED and result.reason is not None:
        return f"Not evaluated ({result.reason.value}): {result.message.removeprefix('Not evaluated: ')}"
    return result.message


def to_report(check: Any, result: Result, region: str, organization_id: str | None) -> Any:
    from prowler.lib.check.models import Check_Report_AWS

    resource = {
        "rootguard": {
            "check_id": result.check_id,
            "status": result.status.value,
            "reason": result.reason.value if result.reason else None,
            "resource_kind": result.resource.kind.value,
            "resource_name": result.resource.name,
            "organization_id": organization_id,
            "details": result.details,
        }
    }
    report = Check_Report_AWS(metadata=check.metadata(), resource=resource)
    report.status = _PROWLER_STATUS[result.status]
    report.status_extended = status_extended(result)
    report.resource_id = result.resource.id
    report.resource_arn = result.resource.arn
    report.region = region
    return report


def reports_for(check: Any, check_id: str) -> list[Any]:
    """What a check folder's `execute()` returns."""
    facts, results, region = run_for_provider()
    org_id = facts.organization.id if facts.organization else None
    return [to_report(check, r, region, org_id) for r in results if r.check_id == check_id]


def reset_cache() -> None:
    with _lock:
        _cache.clear()
