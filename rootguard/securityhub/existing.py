"""rootguard's earlier findings in a hub, and what they mean for this run's findings.

Security Hub CSPM updates a finding only when the import carries a later UpdatedAt, and keeps whatever
CreatedAt and FirstObservedAt the import says. So before sending, the publisher reads what the hub holds
(GetFindings on rootguard's products and the GeneratorIds involved, ACTIVE and ARCHIVED alike) to keep the
first sighting's timestamps and to leave out what the hub already holds in the same or a newer version.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rootguard.aws.errors import error_code, error_message
from rootguard.findings.timestamps import timestamp_ns
from rootguard.findings.validate import with_fields

log = logging.getLogger(__name__)

GENERATOR_PREFIX = "rootguard/"
MAX_FILTER_VALUES = 20  # values per StringFilter list that GetFindings accepts
PAGE_SIZE = 100  # GetFindings' largest MaxResults
READ_RESTARTS = 8  # how often one read starts again after an expired NextToken
_INVALID_INPUT = frozenset({"InvalidInputException", "InvalidInput"})

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


# What a stored finding this run produces again is needed for: its history (with_history) and its state.
HISTORY_FIELDS = ("Id", "GeneratorId", "RecordState", "CreatedAt", "FirstObservedAt", "UpdatedAt")


def history_of(stored: dict[str, Any]) -> dict[str, Any]:
    """The few fields of a stored finding that this run's version of it needs. A scheduled run reads back
    every finding it sends; keeping the hub's whole copy (larger than the finding sent: Security Hub adds
    fields) would hold a second copy of every finding. Stored findings this run does not produce stay whole:
    the archive sweep re-imports them."""
    return {name: stored[name] for name in HISTORY_FIELDS if name in stored}


class TokenExpired(Exception):
    """A GetFindings page answered that its NextToken is invalid or has expired."""


def is_expired_token(exc: BaseException) -> bool:
    """Security Hub's answer to a NextToken it no longer honours (it expired, or the result set it walked
    changed under it, e.g. another publisher imported meanwhile): InvalidInputException naming NextToken."""
    code = error_code(exc)
    return code in _INVALID_INPUT and "nexttoken" in error_message(exc).lower().replace(" ", "")


def read_existing(
    get_findings: GetFindings,
    findings: Iterable[dict[str, Any]],
    generators: set[str],
    *,
    restarts: int = 0,
    before_restart: Callable[[int], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """The hub's findings, by Id, of the products of `findings` and of `generators` plus the generators of
    `findings`: whole for Ids `findings` does not hold (the sweep may archive them), only their history
    (history_of) for the others. `get_findings` makes one request (paced and retried by the caller).

    A NextToken that expires part way (another run importing into the same hub invalidates it) restarts that
    filter's read from its first page, up to `restarts` times, calling `before_restart(n)` first (a backoff);
    the findings already read are kept and refreshed. Past that, the error is raised."""
    products_seen: set[str] = set()
    wanted = set(generators)
    produced: set[str] = set()
    for f in findings:
        products_seen.add(str(f["ProductArn"]))
        wanted.add(str(f.get("GeneratorId")))
        produced.add(str(f.get("Id")))
    products = sorted(products_seen)
    if not products or not wanted:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for filters in finding_filters(products, wanted):
        for attempt in range(restarts + 1):
            try:
                _read_pages(get_findings, filters, wanted, produced, found)
                break
            except TokenExpired as expired:
                if attempt == restarts:
                    raise expired.__cause__ or expired from None
                log.warning(
                    "GetFindings: the NextToken expired after %d page(s) (another run importing into the same "
                    "hub?); reading again from the first page (restart %d of %d)",
                    expired.args[0],
                    attempt + 1,
                    restarts,
                )
                if before_restart is not None:
                    before_restart(attempt + 1)
    return found


def _read_pages(
    get_findings: GetFindings,
    filters: dict[str, Any],
    wanted: set[str],
    produced: set[str],
    found: dict[str, dict[str, Any]],
) -> None:
    token: str | None = None
    pages = 0
    while True:
        request: dict[str, Any] = {"Filters": filters, "MaxResults": PAGE_SIZE}
        if token:
            request["NextToken"] = token
        try:
            page = get_findings(request)
        except Exception as exc:
            if token and is_expired_token(exc):
                raise TokenExpired(pages) from exc
            raise
        pages += 1
        for stored in page.get("Findings", []):
            if stored.get("GeneratorId") in wanted:  # a PREFIX filter also matches other checks
                fid = stored["Id"]
                found[fid] = history_of(stored) if fid in produced else stored
        token = page.get("NextToken")
        if not token:
            return


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
