"""rootguard's earlier findings in a hub, and what they mean for this run's findings.

Security Hub CSPM updates a finding only when the import carries a later UpdatedAt, and keeps whatever
CreatedAt and FirstObservedAt the import says. So before sending, the publisher reads what the hub holds
(GetFindings on rootguard's products and the GeneratorIds involved, ACTIVE and ARCHIVED alike) to keep the
first sighting's timestamps and to leave out what the hub already holds in the same or a newer version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rootguard.findings.timestamps import timestamp_ns
from rootguard.findings.validate import with_fields

GENERATOR_PREFIX = "rootguard/"
MAX_FILTER_VALUES = 20  # values per StringFilter list that GetFindings accepts
PAGE_SIZE = 100  # GetFindings' largest MaxResults

GetFindings = Callable[[dict[str, Any]], dict[str, Any]]  # one GetFindings request -> its response


def finding_filters(products: list[str], generators: set[str]) -> Iterator[dict[str, Any]]:
    """GetFindings Filters covering `products` and `generators`: one per 20 products; the generators as
    EQUALS values, or the PREFIX rootguard/ when there are more than a filter list holds."""
    if len(generators) <= MAX_FILTER_VALUES:
        gen_filter = [{"Value": g, "Comparison": "EQUALS"} for g in sorted(generators)]
    else:
        gen_filter = [{"Value": GENERATOR_PREFIX, "Comparison": "PREFIX"}]
    for start in range(0, len(products), MAX_FILTER_VALUES):
        yield {
            "ProductArn": [
                {"Value": p, "Comparison": "EQUALS"} for p in products[start : start + MAX_FILTER_VALUES]
            ],
            "GeneratorId": gen_filter,
        }


def read_existing(
    get_findings: GetFindings, findings: Iterable[dict[str, Any]], generators: set[str]
) -> dict[str, dict[str, Any]]:
    """The hub's findings, by Id, of the products of `findings` and of `generators` plus the generators of
    `findings`. `get_findings` makes one request (paced and retried by the caller)."""
    items = list(findings)
    products = sorted({str(f["ProductArn"]) for f in items})
    wanted = generators | {str(f.get("GeneratorId")) for f in items}
    if not products or not wanted:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for filters in finding_filters(products, wanted):
        token: str | None = None
        while True:
            request: dict[str, Any] = {"Filters": filters, "MaxResults": PAGE_SIZE}
            if token:
                request["NextToken"] = token
            page = get_findings(request)
            for stored in page.get("Findings", []):
                if stored.get("GeneratorId") in wanted:  # a PREFIX filter also matches other checks
                    found[stored["Id"]] = stored
            token = page.get("NextToken")
            if not token:
                break
    return found


def with_history(
    finding: dict[str, Any], stored: dict[str, Any] | None, updated_at: str | None
) -> dict[str, Any] | None:
    """`finding` as it should be sent, given the hub's version `stored` (None: the hub has none).

    UpdatedAt becomes `updated_at` (the run's; None keeps the finding's own, as a spool replay does);
    CreatedAt and FirstObservedAt stay those of the first sighting. None when the hub already holds the same
    or a later UpdatedAt: it would ignore the import, and an old replay must not overwrite a newer run."""
    changes: dict[str, Any] = {} if updated_at is None else {"UpdatedAt": updated_at}
    if stored is not None:
        changes["CreatedAt"] = stored.get("CreatedAt", finding["CreatedAt"])
        changes["FirstObservedAt"] = stored.get("FirstObservedAt", changes["CreatedAt"])
        sent = changes.get("UpdatedAt", finding.get("UpdatedAt", ""))
        if (timestamp_ns(stored.get("UpdatedAt", "")) or 0) >= (timestamp_ns(sent) or 0):
            return None
    return with_fields(finding, changes)  # a copy that keeps the builder's size, adjusted
