"""The one place rootguard meets Prowler's classes: facts from Prowler's session, Results -> Check_Report_AWS.

The folders in checks/ are thin adapters whose ``execute()`` returns :func:`reports_for`. Facts are collected
once per Prowler run and identity (the per-run cache Prowler's client pattern needs) from the provider's own
boto3 session, then each check evaluates only its own rule on them. Prowler's ``iam_client`` and
``organizations_client`` are never imported: they inventory the whole IAM and Organizations services.

Settings come from the rootguard config file named by ``ROOTGUARD_CONFIG`` (the same file ``rootguard scan``
reads, so both paths judge alike), or else from ``rootguard_*`` keys of Prowler's own ``--config-file``
(``aws:`` section): ``rootguard_allowed_delegated_admins``, ``rootguard_excluded_accounts``,
``rootguard_fallback_role_name``, ``rootguard_max_workers``.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Any, NamedTuple

from rootguard.models import Caller, OrgFacts, Result, Status
from rootguard.rules import MEMBER_CHECK_ID, RuleConfig, evaluate

log = logging.getLogger("rootguard.prowler")

CONFIG_ENV = "ROOTGUARD_CONFIG"
DEFAULT_REGION = "us-east-1"
PROWLER_STATUS = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.NOT_EVALUATED: "MANUAL"}


class RunKey(NamedTuple):
    """Who scans where: one fact collection per key and Prowler run."""

    partition: str
    account_id: str
    identity_arn: str
    region: str


@dataclass(frozen=True)
class _Entry:
    facts: OrgFacts
    with_members: bool  # whether the member audit ran for these facts


@dataclass(frozen=True)
class BridgeSettings:
    rules: RuleConfig  # its excluded_accounts also drive the collection
    fallback_role_name: str | None = None
    max_workers: int = 16


_lock = threading.Lock()
_cache: dict[RunKey, _Entry] = {}


# ------------------------------------------------------------------------------------------------ provider


def current_provider() -> Any:
    from prowler.providers.common.provider import Provider

    provider = Provider.get_global_provider()
    if provider is None:
        raise RuntimeError("no Prowler provider is set: run the rootguard checks through `prowler aws`")
    return provider


def home_region(provider: Any) -> str:
    """The caller's home Region: the session's, then the profile's, then the first audited one."""
    session = provider.session.current_session
    identity = provider.identity
    candidates = [
        getattr(session, "region_name", None),
        getattr(identity, "profile_region", None),
        *sorted(getattr(identity, "audited_regions", None) or ()),
    ]
    for region in candidates:
        if region and region != "aws-global":  # sts:AssumeRoot needs a Regional endpoint
            return str(region)
    return DEFAULT_REGION


def run_key(provider: Any) -> RunKey:
    identity = provider.identity
    return RunKey(
        partition=str(identity.partition or "aws"),
        account_id=str(identity.account),
        identity_arn=str(identity.identity_arn),
        region=home_region(provider),
    )


def settings_for(provider: Any) -> BridgeSettings:
    """ROOTGUARD_CONFIG's file when set, else the rootguard_* keys of Prowler's audit config."""
    path = os.environ.get(CONFIG_ENV)
    if path:
        from rootguard.config import load_config

        cfg = load_config(path)
        return BridgeSettings(
            rules=RuleConfig(
                allowed_delegated_admins=cfg.allowed_delegated_admins,
                excluded_accounts=frozenset(cfg.excluded_accounts),
            ),
            fallback_role_name=cfg.fallback_role_name,
            max_workers=cfg.max_workers,
        )
    audit = getattr(provider, "audit_config", None) or {}
    rules = RuleConfig(
        allowed_delegated_admins=audit.get("rootguard_allowed_delegated_admins") or (),
        excluded_accounts=audit.get("rootguard_excluded_accounts") or (),
    )
    return BridgeSettings(
        rules=rules,
        fallback_role_name=audit.get("rootguard_fallback_role_name") or None,
        max_workers=int(audit.get("rootguard_max_workers") or 16),
    )


# --------------------------------------------------------------------------------------------------- facts


def _quiet_progress(done: int, total: int) -> None:
    if done == total:
        log.info("member audit: %d accounts", total)


def _collect(provider: Any, key: RunKey, settings: BridgeSettings, with_members: bool) -> OrgFacts:
    from rootguard.collect import CollectConfig, CollectError, collect_facts

    config = CollectConfig(
        region=key.region,
        max_workers=settings.max_workers,
        member_audit=with_members,
        assume_role_name=settings.fallback_role_name,
        excluded_accounts=settings.rules.excluded_accounts,
    )
    try:
        return collect_facts(provider.session.current_session, config, progress=_quiet_progress)
    except CollectError as exc:
        # Prowler already knows who it is: keep one result per check instead of none.
        log.warning("rootguard could not collect facts: %s", exc)
        caller = Caller(
            account_id=key.account_id, arn=key.identity_arn, partition=key.partition, region=key.region
        )
        return OrgFacts(caller=caller, organization_error=str(exc))


def facts_for(provider: Any, *, with_members: bool, settings: BridgeSettings | None = None) -> OrgFacts:
    """This run's facts, collected at most once per identity. Prowler runs its checks in sorted order and the
    member check's id sorts before every organization-level rootguard check, so the member audit is asked
    for first and the organization-level checks reuse its facts (tests/checks pins that order). Were an
    organization-level check to run first, the facts would be collected a second time, with the audit."""
    key = run_key(provider)
    with _lock:
        entry = _cache.get(key)
        if entry is None or (with_members and not entry.with_members):
            facts = _collect(provider, key, settings or settings_for(provider), with_members)
            entry = _Entry(facts=facts, with_members=with_members)
            _cache[key] = entry
        return entry.facts


def prime(facts: OrgFacts, *, with_members: bool = True) -> RunKey:
    """Put already collected facts in the cache, under the key of the identity that collected them."""
    caller = facts.caller
    key = RunKey(caller.partition, caller.account_id, caller.arn, caller.region)
    with _lock:
        _cache[key] = _Entry(facts=facts, with_members=with_members)
    return key


def reset_cache() -> None:
    with _lock:
        _cache.clear()


# ------------------------------------------------------------------------------------------------- reports


def status_extended(result: Result) -> str:
    if result.status is Status.NOT_EVALUATED and result.reason is not None:
        return f"Not evaluated ({result.reason.value}): {result.message}"
    return result.message


def report_resource(result: Result, organization_id: str | None) -> dict[str, Any]:
    """What travels through Prowler's outputs (OCSF resources[].data.metadata, ASFF Resources[].Details)."""
    return {
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


def to_report(metadata: str, result: Result, region: str, organization_id: str | None) -> Any:
    """One Check_Report_AWS for one Result. ``metadata`` is the check's ``self.metadata()`` JSON."""
    from prowler.lib.check.models import Check_Report_AWS

    report = Check_Report_AWS(metadata=metadata, resource=report_resource(result, organization_id))
    report.status = PROWLER_STATUS[result.status]
    report.status_extended = status_extended(result)
    report.resource_id = result.resource.id
    report.resource_arn = result.resource.arn
    report.region = region
    return report


def results_for(check_id: str, provider: Any | None = None) -> tuple[OrgFacts, list[Result]]:
    """The check's Results for the current Prowler run."""
    provider = provider or current_provider()
    settings = settings_for(provider)  # read once per check: facts and rules see the same settings
    facts = facts_for(provider, with_members=check_id == MEMBER_CHECK_ID, settings=settings)
    return facts, evaluate(facts, settings.rules, [check_id])


def reports_for(check: Any, check_id: str) -> list[Any]:
    """What a check folder's ``execute()`` returns."""
    facts, results = results_for(check_id)
    organization_id = facts.organization.id if facts.organization else None
    metadata = check.metadata()
    return [to_report(metadata, r, facts.caller.region, organization_id) for r in results]
