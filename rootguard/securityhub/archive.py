"""The archive sweep: which stored findings a completed check no longer produces, and their ARCHIVED copies.

A member account that was fixed keeps its finding Id (now PASSED); one that left the organization, or a
resource that is gone, produces no finding at all, and its last ACTIVE finding would stay on every dashboard.
Such findings are re-imported with RecordState ARCHIVED and the run's UpdatedAt, but only for checks whose
collection completed (a partial run proves nothing about what it did not see) and only rootguard's own
(the existing-finding read never returns other products' findings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rootguard.findings.timestamps import timestamp_ns

# Set by Security Hub or by customers (BatchUpdateFindings), never sent back by a provider.
SERVICE_FIELDS = frozenset(
    {"ProcessedAt", "Workflow", "WorkflowState", "Note", "UserDefinedFields", "VerificationState",
     "ProductName", "CompanyName", "Region", "Sample"}
)  # fmt: skip


def archived_copy(stored: Mapping[str, Any], updated_at: str) -> dict[str, Any]:
    """A stored finding as a provider re-imports it to archive it: service and customer fields dropped, the
    provider's own severity and types, RecordState ARCHIVED, a newer UpdatedAt."""
    out = {k: v for k, v in stored.items() if k not in SERVICE_FIELDS}
    provider = stored.get("FindingProviderFields") or {}
    if provider.get("Severity"):
        out["Severity"] = {k: v for k, v in provider["Severity"].items() if k in ("Label", "Original")}
    if provider.get("Types"):
        out["Types"] = list(provider["Types"])
    fields = {k: v for k, v in (stored.get("ProductFields") or {}).items() if not k.startswith("aws/")}
    if fields:
        out["ProductFields"] = fields
    else:
        out.pop("ProductFields", None)
    out["RecordState"] = "ARCHIVED"
    out["UpdatedAt"] = updated_at
    return out


def sweep(
    existing: Mapping[str, Mapping[str, Any]],
    *,
    produced: set[str],
    completed: set[str],
    updated_at: str,
) -> list[dict[str, Any]]:
    """ARCHIVED copies of the stored findings this run resolved: ACTIVE, of a completed check (`completed`
    holds GeneratorIds), not among the Ids this run `produced`, and older than the run."""
    now_ns = timestamp_ns(updated_at) or 0
    return [
        archived_copy(stored, updated_at)
        for fid, stored in existing.items()
        if fid not in produced
        and stored.get("RecordState", "ACTIVE") == "ACTIVE"
        and stored.get("GeneratorId") in completed
        and (timestamp_ns(stored.get("UpdatedAt", "")) or 0) < now_ns
    ]
