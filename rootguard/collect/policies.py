"""Collect the SCPs that deny root sessions, where they are attached, and which accounts they cover."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient

from rootguard.collect.listing import ListingPolicy, call_once, list_all
from rootguard.collect.organization import OrgTree
from rootguard.collect.scp import (
    PolicyDocumentError,
    denies_root_without_exemption,
    named_accounts,
    parse_policy,
)
from rootguard.models import Account, AwsError, ScpBlock

log = logging.getLogger("rootguard.collect")

SCP = "SERVICE_CONTROL_POLICY"


@dataclass
class ScpFacts:
    blocks: tuple[ScpBlock, ...] = ()
    # policy id -> parsed document, only for policies that deny root sessions (per-account re-evaluation)
    documents: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    error: AwsError | None = None  # set when some SCP or attachment could not be read: the blocks are partial

    @property
    def readable(self) -> bool:
        return self.error is None


def read_scp_blocks(
    org: BaseClient, tree: OrgTree, partition: str, policy: ListingPolicy | None = None
) -> ScpFacts:
    """Deny-root SCPs without the aws:AssumedRoot exemption, one ScpBlock per attachment.

    Called only when the organization has all features; when no root has SCPs enabled there is nothing to
    read. Whatever cannot be read (the roots, the policy list, a policy, its targets) sets `error` and keeps
    the blocks found so far: a blocking policy that was read still blocks, but "none blocks" is not proven.
    """
    policy = policy or ListingPolicy()
    if tree.roots_error is not None:
        return ScpFacts(error=tree.roots_error)
    if not any(root.scp_enabled for root in tree.roots):
        return ScpFacts()
    blocks: list[ScpBlock] = []
    documents: dict[str, Mapping[str, Any]] = {}
    summaries, error = list_all(org, "list_policies", "Policies", policy, Filter=SCP)
    for summary in summaries:
        if error is not None and policy.exhausted:
            break  # the endpoint is saturated or down: the rest is not read, and "none blocks" is not proven
        policy_id = str(summary["Id"])
        if summary.get("AwsManaged") and policy_id == "p-FullAWSAccess":
            continue  # allow-all, nothing to deny
        answer, describe_error = call_once(org, "describe_policy", policy, PolicyId=policy_id)
        if answer is None:
            error = error or describe_error
            continue
        content = str(answer["Policy"].get("Content", ""))
        try:
            document = parse_policy(content)
            denies = denies_root_without_exemption(document, partition=partition)
        except PolicyDocumentError as exc:
            log.warning("SCP %s could not be judged: %s", policy_id, exc)
            error = error or AwsError(code="", message=f"SCP {policy_id} could not be parsed: {exc}")
            continue
        if not denies:
            continue
        documents[policy_id] = document
        targets, targets_error = list_all(
            org, "list_targets_for_policy", "Targets", policy, PolicyId=policy_id
        )
        error = error or targets_error
        for target in targets:
            blocks.append(
                ScpBlock(
                    policy_id=policy_id,
                    policy_name=str(summary.get("Name", "")),
                    target_id=str(target["TargetId"]),
                    target_kind=str(target.get("Type", "")),
                    target_name=str(target.get("Name", "")),
                )
            )
    if error is not None:
        log.warning("SCPs not fully readable: %s", error)
    blocks.sort(key=lambda b: (b.policy_id, b.target_id))
    return ScpFacts(blocks=tuple(blocks), documents=documents, error=error)


def blocking_policies(
    accounts: Iterable[Account], facts: ScpFacts, partition: str
) -> Mapping[str, tuple[str, ...]]:
    """For each account, the deny-root SCPs attached on its path (root, OUs, the account itself).

    A policy attached on the path is re-evaluated for that account, so one naming a single account's root
    ARN is not blamed for another account.
    """
    by_target: dict[str, set[str]] = {}
    for block in facts.blocks:
        by_target.setdefault(block.target_id, set()).add(block.policy_id)
    if not by_target:
        return {}
    # Most policies name no account: their verdict holds for every account and is not re-evaluated.
    specific = {pid for pid, doc in facts.documents.items() if named_accounts(doc)}
    out: dict[str, tuple[str, ...]] = {}
    for acct in accounts:
        found: set[str] = set()
        for target in (*acct.parent_path, acct.id):
            found |= by_target.get(target, set())
        hits = [
            policy_id
            for policy_id in sorted(found)
            if policy_id not in specific
            or denies_root_without_exemption(
                facts.documents[policy_id], account_id=acct.id, partition=partition
            )
        ]
        if hits:
            out[acct.id] = tuple(hits)
    return out
