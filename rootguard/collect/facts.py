"""collect_facts: every fact of one run, read once from the management account or the IAM delegated admin."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.collect.clients import ClientFactory, resolve_region
from rootguard.collect.config import CollectConfig
from rootguard.collect.errors import CollectError, describe
from rootguard.collect.members import MemberPlan, audit_members
from rootguard.collect.organization import (
    read_accounts,
    read_caller,
    read_delegated_admins,
    read_features,
    read_organization,
    read_trusted_access_iam,
    walk_tree,
)
from rootguard.collect.policies import ScpFacts, blocking_policies, read_scp_blocks
from rootguard.collect.progress import ProgressCallback, default_progress
from rootguard.models import ROOT_SESSIONS, FeaturesState, OrgFacts

log = logging.getLogger("rootguard.collect")


def root_sessions_unavailable(state: FeaturesState, enabled: frozenset[str], error: str) -> str:
    """Why root sessions cannot be opened, or "" when they can."""
    if state is not FeaturesState.OK:
        detail = f" ({error})" if error else ""
        return f"centralized root access features unreadable: {state.value}{detail}"
    if ROOT_SESSIONS not in enabled:
        return "the RootSessions feature of centralized root access is not enabled"
    return ""


def collect_facts(
    session: boto3.Session,
    config: CollectConfig | None = None,
    progress: ProgressCallback | None = None,
) -> OrgFacts:
    """Read the organization's facts once. Raises CollectError only when nothing can be read at all
    (the caller cannot be identified, or the STS endpoint is the global one while a member audit is due).

    ``progress(done, total)`` follows the member audit; by default a counter on a terminal, log lines
    otherwise.
    """
    config = config or CollectConfig()
    started = time.monotonic()
    region = resolve_region(session, config.region)
    factory = ClientFactory(session, region, config.max_attempts)
    try:
        sts = factory.sts() if config.member_audit else factory.client("sts")
        caller = read_caller(sts, region)
    except (ClientError, BotoCoreError) as exc:
        raise CollectError(f"cannot identify the caller (sts:GetCallerIdentity): {describe(exc)}") from None
    log.info("collecting as %s in %s (partition %s)", caller.account_id, region, caller.partition)

    org = factory.client("organizations")
    organization, organization_error = read_organization(org)
    features_state, enabled, features_error = read_features(factory.client("iam"))
    facts: dict[str, object] = {
        "caller": caller,
        "organization": organization,
        "organization_error": organization_error,
        "features_state": features_state,
        "features_error": features_error,
        "enabled_features": enabled,
    }
    if organization is None:
        log.info("no organization: %s", organization_error)
        return OrgFacts(**facts, collected_at=datetime.now(UTC))  # type: ignore[arg-type]

    facts["trusted_access_iam"] = read_trusted_access_iam(org)
    facts["delegated_admins"] = read_delegated_admins(org)
    tree = walk_tree(org)
    accounts, accounts_error = read_accounts(org, tree)
    if accounts_error and not accounts:
        facts["organization_error"] = f"ListAccounts: {accounts_error}"
    facts["accounts"] = accounts
    scps = read_scp_blocks(org, tree, caller.partition) if organization.feature_set == "ALL" else ScpFacts()
    facts["scp_blocks"] = scps.blocks
    facts["scps_readable"] = scps.readable
    log.info(
        "organization %s: %d accounts, features %s %s, %d deny-root SCP attachments",
        organization.id,
        len(accounts),
        features_state.value,
        sorted(enabled),
        len(scps.blocks),
    )

    if config.member_audit and accounts:
        unavailable = root_sessions_unavailable(features_state, enabled, features_error)
        plan = MemberPlan(
            management_account_id=organization.management_account_id,
            partition=caller.partition,
            root_sessions=not unavailable,
            unavailable_reason=unavailable,
            fallback_role=config.assume_role_name,
            excluded=config.excluded_accounts,
            blocking=blocking_policies(accounts, scps, caller.partition),
            session_duration=config.session_duration,
        )
        facts["member_audits"] = audit_members(
            accounts,
            plan,
            factory,
            max_workers=config.max_workers,
            progress=progress if progress is not None else default_progress(),
        )
    log.info("facts collected in %.1f s", time.monotonic() - started)
    return OrgFacts(**facts, collected_at=datetime.now(UTC))  # type: ignore[arg-type]
