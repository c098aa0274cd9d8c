"""Which AWS actions each principal performed against the sandbox.

The request pipeline records every request it serves while a sandbox runs, refused ones included: who called
(access key, account, principal kind), which IAM action (`service:Action`), in which Region, and how it ended
(`ok`, or the error code the pipeline or the service answered). Calls are counted per distinct record rather
than kept one by one; a root session's access key is not part of its record (each AssumeRoot makes a new
one, which would add entries with every scan of a long-running served sandbox), so a 10,000-account scan
costs a few entries per member account at most, and repeating it costs no more.

Tests use it to hold the deploy policies to what the code really does: the scanner policy must allow exactly
the actions a full scan and publish recorded for the scanner principal (see tests/deploy).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

UNAUTHENTICATED = "unauthenticated"


class Caller(Protocol):
    """What the recorder reads of a caller (rootguard.sandbox.state.Principal has it); typed by shape so
    the state, which holds a recorder, and the recorder do not import each other."""

    @property
    def account_id(self) -> str: ...

    @property
    def kind(self) -> str: ...


@dataclass(frozen=True)
class RecordedCall:
    """One distinct kind of call; `RecordedCalls` counts how often it happened."""

    action: str  # IAM action, "service:Action"
    access_key_id: str  # "" for calls in a root session
    account_id: str  # the caller's account ("" when unauthenticated)
    principal_kind: str  # user, role, root, root-session, or "unauthenticated"
    region: str
    outcome: str  # "ok" or the error code answered


class ActionRecorder:
    """Thread-safe counter of recorded calls."""

    def __init__(self) -> None:
        self._calls: Counter[RecordedCall] = Counter()
        self._lock = threading.Lock()

    def record(
        self,
        principal: Caller | None,
        access_key_id: str,
        service: str,
        action: str,
        region: str,
        outcome: str,
    ) -> None:
        in_root_session = principal is not None and principal.kind == "root-session"
        call = RecordedCall(
            action=f"{service}:{action}",
            access_key_id="" if in_root_session else access_key_id,
            account_id=principal.account_id if principal else "",
            principal_kind=principal.kind if principal else UNAUTHENTICATED,
            region=region,
            outcome=outcome,
        )
        with self._lock:
            self._calls[call] += 1

    def calls(self) -> Counter[RecordedCall]:
        """A snapshot: each distinct call and how many times it was made."""
        with self._lock:
            return Counter(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


def outcome_of(status: int, headers: Mapping[str, Any], body: object) -> str:
    """ "ok" for a 2xx/3xx response, else the error code the response names (or "HTTP <status>")."""
    if status < 400:
        return "ok"
    for name, value in headers.items():
        if name.lower() == "x-amzn-errortype" and value:
            return str(value).split(":", 1)[0].rsplit("#", 1)[-1]
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    for start, end in (("<Code>", "</Code>"), ('"__type":', ","), ('"__type":', "}")):
        i = text.find(start)
        if i >= 0:
            j = text.find(end, i + len(start))
            if j > i:
                code = text[i + len(start) : j].strip().strip('"')
                return code.rsplit("#", 1)[-1] or f"HTTP {status}"
    return f"HTTP {status}"
