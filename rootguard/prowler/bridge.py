"""The one place rootguard meets Prowler's classes: facts from Prowler's session, Results -> Check_Report_AWS.

The folders in checks/ are thin adapters whose ``execute()`` returns :func:`reports_for`. Each check reads only
the fact groups its spec needs (``CheckSpec.needs``), from the provider's own boto3 session, and each group is
read at most once per Prowler run and identity, whatever order Prowler runs the checks in: a check that needs
a group an earlier check did not read extends the cached facts with that group only. Prowler's ``iam_client``
and ``organizations_client`` are never imported: they inventory the whole IAM and Organizations services.

Settings come from the rootguard config file named by ``ROOTGUARD_CONFIG`` (the same file ``rootguard scan``
reads, so both paths judge alike), or else from ``rootguard_*`` keys of Prowler's own ``--config-file``
(``aws:`` section): ``rootguard_allowed_delegated_admins``, ``rootguard_excluded_accounts``,
``rootguard_fallback_role_name``, ``rootguard_max_workers``. A bad setting ends every rootguard check with one
NOT_EVALUATED result naming it, never a traceback.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any, NamedTuple

from rootguard.aws import region_problem
from rootguard.collect import collect_facts
from rootguard.errors import AwsSetupError
from rootguard.models import DEFAULT_REGION, AwsError, Caller, Fact, OrgFacts, Result, Status
from rootguard.rules import RuleConfig, evaluate, spec_for
from rootguard.settings import Config, ConfigError, config_from_prowler, load_config

log = logging.getLogger("rootguard.prowler")

CONFIG_ENV = "ROOTGUARD_CONFIG"
PROWLER_STATUS = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.NOT_EVALUATED: "MANUAL"}


class RunKey(NamedTuple):
    """Who scans where: one fact collection per key and Prowler run."""

    partition: str
    account_id: str
    identity_arn: str
    region: str


_lock = threading.Lock()
_cache: dict[RunKey, OrgFacts] = {}


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
        if region and not region_problem(str(region)):  # aws-global: sts:AssumeRoot needs a Regional one
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


def settings_for(provider: Any) -> Config:
    """ROOTGUARD_CONFIG's file when set, else the rootguard_* keys of Prowler's audit config (ConfigError)."""
    path = os.environ.get(CONFIG_ENV)
    if path:
        return load_config(path)
    return config_from_prowler(getattr(provider, "audit_config", None))


# --------------------------------------------------------------------------------------------------- facts


def _quiet_progress(done: int, total: int) -> None:
    if done == total:
        log.info("member audit: %d accounts", total)


def _unreadable(key: RunKey, message: str) -> OrgFacts:
    """Facts that say why nothing could be read, so every check still gives its one result."""
    caller = Caller(
        account_id=key.account_id, arn=key.identity_arn, partition=key.partition, region=key.region
    )
    return OrgFacts(
        caller=caller, collected=frozenset(Fact), organization_error=AwsError(code="", message=message)
    )


def facts_for(provider: Any, needs: frozenset[Fact], config: Config) -> OrgFacts:
    """This run's facts with at least the groups in `needs`, reading only those not read yet."""
    key = run_key(provider)
    with _lock:
        cached = _cache.get(key)
        if cached is not None and needs <= cached.collected:
            return cached
        try:
            facts = collect_facts(
                provider.session.current_session,
                config.collect_config(region=key.region),
                progress=_quiet_progress,
                needs=needs,
                base=cached,
            )
        except AwsSetupError as exc:
            # Prowler already knows who it is: keep one result per check instead of none.
            log.warning("rootguard could not collect facts: %s", exc)
            facts = _unreadable(key, str(exc))
        _cache[key] = facts
        return facts


def prime(facts: OrgFacts) -> RunKey:
    """Put already collected facts in the cache, under the key of the identity that collected them."""
    caller = facts.caller
    key = RunKey(caller.partition, caller.account_id, caller.arn, caller.region)
    with _lock:
        _cache[key] = facts
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
    try:
        config = settings_for(provider)  # read once per check: facts and rules see the same settings
    except ConfigError as exc:
        log.error("rootguard: %s", exc)
        facts = _unreadable(run_key(provider), str(exc))
        return facts, evaluate(facts, RuleConfig(), [check_id])
    facts = facts_for(provider, spec_for(check_id).needs, config)
    return facts, evaluate(facts, config.rule_config(), [check_id])


def reports_for(check: Any, check_id: str) -> list[Any]:
    """What a check folder's ``execute()`` returns."""
    facts, results = results_for(check_id)
    organization_id = facts.organization.id if facts.organization else None
    metadata = check.metadata()
    return [to_report(metadata, r, facts.caller.region, organization_id) for r in results]
