"""What happens to each finding in one hub (an account in a Region), from routing to the report and spool.

Routing wraps every finding in an :class:`Item`; the send records in a :class:`HubOutcome` what landed, what
Security Hub CSPM already held in a newer version, and what failed (a :class:`Failure`, with the error and
how it was classified); the report counts outcomes and the spool keeps their failures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from rootguard.securityhub.spool import SpoolEntry

Kind = Literal["finding", "archive"]  # a finding of this run, or the ARCHIVED copy of a resolved one


@dataclass
class Item:
    """One finding on its way to a hub."""

    finding: dict[str, Any]
    kind: Kind = "finding"
    existed: bool = False  # the hub already held it: an update, not a new finding
    source: SpoolEntry | None = None  # on replay, the spool entry it came from

    @property
    def id(self) -> str:
        return str(self.finding.get("Id", ""))


@dataclass
class Failure:
    """A finding that did not land; it goes to the spool."""

    item: Item
    code: str
    message: str
    attempts: int  # import requests that carried it; 0 when the hub could not be reached at all
    retriable: bool = False  # how its last error was classified: False is a permanent (rejected) failure


@dataclass
class HubOutcome:
    """What one hub's publish (or replay) did."""

    landed: list[Item] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    skipped: list[Item] = field(
        default_factory=list
    )  # superseded: the hub holds the same or a later UpdatedAt
    retried: int = 0  # findings sent again after a retriable failure
    calls: int = 0  # BatchImportFindings requests
    throttled: int = 0  # requests that still failed with a throttling error after botocore's retries
    error: str | None = None  # one line when the whole hub failed
    hub_disabled: bool = False

    def give_up(self, items: Iterable[Item], code: str, message: str) -> None:
        """The hub cannot be used at all: every item fails with the same error, never having been sent."""
        self.error = message
        self.failures.extend(Failure(item, code, message, 0) for item in items)

    def landed_counts(self) -> Counter[str]:
        """Landed items as "new", "updated" and "archive"."""
        return Counter(
            i.kind if i.kind == "archive" else ("updated" if i.existed else "new") for i in self.landed
        )


def ids_preview(ids: Iterable[str], limit: int = 5) -> str:
    """The first few finding ids for a log or error line, then how many more: lines name ids, never bodies."""
    items = list(ids)
    head = ", ".join(items[:limit])
    return head + (f" and {len(items) - limit} more" if len(items) > limit else "")
