"""Collect the SCPs that deny root sessions, where they are attached, and which accounts they cover."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from rootguard.aws import describe, paginate
from rootguard.collect.organization import OrgTree
from rootguard.collect.scp import (
    PolicyDocumentError,
    denies_root_without_exemption,
    named_accounts,
    parse_policy,
)
from rootguard.models import Account, ScpBlock

log = logging.getLogger("rootguard.collect")

SCP = "SERVICE_CONTROL_POLICY"


@dataclass
class ScpFacts:
    blocks: tuple[ScpBlock, ...] = ()
    readable: bool = True
    # policy id -> parsed document, only for policies that deny root sessions (per-account re-evaluation)
    documents: dict[str, Mapping[str, Any]] = field(default_factory=dict)


def read_scp_blocks(org: BaseClient, tree: OrgTree, partition: str) -> ScpFacts:
    """Deny-root SCPs without the aws:AssumedRoot exemption, one ScpBlock per attachment.

    Called only when the organization has all features; when no root has SCPs enabled there is nothing to
    read. An AccessDenied (e.g. a delegated administrator without Organizations policy rights) leaves
    ``readable`` False.
    """
    if not any(root.scp_enabled for root in tree.roots):
        return ScpFacts()
    blocks: list[ScpBlock] = []
    documents: dict[str, Mapping[str, Any]] = {}
    try:
        for summary in paginate(org, "list_policies", "Policies", Filter=SCP):
            policy_id = str(summary["Id"])
            if summary.get("AwsManaged") and policy_id == "p-FullAWSAccess":
                continue  # allow-all, nothing to deny
            content = str(org.describe_policy(PolicyId=policy_id)["Policy"].get("Content", ""))
            try:
                document = parse_policy(content)
                denies = denies_root_without_exemption(document, partition=partition)
            except PolicyDocumentError as exc:
                log.warning("SCP %s skipped: %s", policy_id, exc)
                continue
            if not denies:
                continue
            documents[policy_id] = document
            for target in paginate(org, "list_targets_for_policy", "Targets", PolicyId=policy_id):
                blocks.append(
                    ScpBlock(
                        policy_id=policy_id,
                        policy_name=str(summary.get("Name", "")),
                        target_id=str(target["TargetId"]),
                        target_kind=str(target.get("Type", "")),
                        target_name=str(target.get("Name", "")),
                    )
                )
    except ClientError as exc:
        log.warning("SCPs not readable: %s", describe(exc))
        return ScpFacts(readable=False)
    blocks.sort(key=lambda b: (b.policy_id, b.target_id))
    return ScpFacts(blocks=tuple(blocks), documents=documents)


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
