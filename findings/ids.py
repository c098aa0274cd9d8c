"""Deterministic finding ids, generator ids and product ARNs.

The same (partition, organization or account, check, resource) always gives the same Id, whatever path
produced the result (standalone scan or Prowler output files), so re-runs update findings in place.
"""

from __future__ import annotations

import hashlib
import re

from rootguard.models import ResourceKind, Result

MAX_ID = 512
_ORG_IN_ARN = re.compile(r":organizations::\d{12}:(?:organization|account)/(o-[a-z0-9]+)")
_ACCOUNT_IN_ARN = re.compile(r"^arn:[a-z-]+:(?:iam|organizations)::(\d{12}):")
_SAFE = re.compile(r"[^A-Za-z0-9._:@=+-]")


def _part(text: str) -> str:
    return _SAFE.sub("_", text.strip()) or "_"


def finding_id(partition: str, organization_or_account_id: str, check_id: str, resource_id: str) -> str:
    """`rootguard/<partition>/<org-or-account>/<check>/<resource>`; parts outside [A-Za-z0-9._:@=+-] become
    `_`. A rare over-long id keeps its readable head and ends in a hash of the whole, so it stays unique."""
    parts = [partition, organization_or_account_id, check_id, resource_id]
    if not all(p and p.strip() for p in parts):
        raise ValueError(f"finding_id needs four non-empty parts, got {parts!r}")
    fid = "rootguard/" + "/".join(_part(p) for p in parts)
    if len(fid) <= MAX_ID:
        return fid
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"{fid[: MAX_ID - 33]}#{digest}"


def generator_id(check_id: str) -> str:
    return f"rootguard/{check_id}"


def product_arn(partition: str, region: str, account_id: str) -> str:
    """The default product of the importing account (needs no integration subscription)."""
    return f"arn:{partition}:securityhub:{region}:{account_id}:product/{account_id}/default"


def organization_id_of(result: Result) -> str | None:
    """The organization a result belongs to: from its details, its resource id or its resource ARN."""
    org = result.details.get("organization_id")
    if isinstance(org, str) and org.startswith("o-"):
        return org
    if result.resource.kind is ResourceKind.ORGANIZATION and result.resource.id.startswith("o-"):
        return result.resource.id
    match = _ORG_IN_ARN.search(result.resource.arn)
    return match.group(1) if match else None


def scope_id(result: Result) -> str:
    """Organization id, or, when the organization could not be read, the account the resource names."""
    org = organization_id_of(result)
    if org:
        return org
    match = _ACCOUNT_IN_ARN.match(result.resource.arn)
    return match.group(1) if match else result.resource.id


def result_finding_id(result: Result, partition: str) -> str:
    return finding_id(partition, scope_id(result), result.check_id, result.resource.id)
