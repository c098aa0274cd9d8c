"""Listing to the end: every page of an Organizations List call, or an error that says the list is partial.

botocore retries each request (adaptive mode) a few times. A listing of thousands of accounts is hundreds of
requests in a row, and under heavy throttling some of them still fail after botocore's attempts: a listing
that kept whatever pages it had read would silently drop accounts (and their findings would then be
archived). So each page is retried here too, from the same NextToken, with backoff, while the error is
throttling or transient and the listing's time budget lasts. A listing that still cannot finish returns what
it read and the error, and the caller marks its facts incomplete: never complete by omission.

The time budget is the run's, shared by every listing made with the same policy (collect_facts makes one per
run), not each listing's: an organization read of a thousand OUs under a saturated or dead endpoint must not
spend the budget a thousand times. Once a listing has given up on a throttled or failing endpoint the policy
is `exhausted`, and callers walking many parents stop there (what is left is marked incomplete).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.aws import aws_error, classify_exception
from rootguard.models import AwsError, ErrorKind

log = logging.getLogger("rootguard.collect")

_RETRIED = (ErrorKind.THROTTLING, ErrorKind.TRANSIENT)


@dataclass
class ListingPolicy:
    """How hard listings try: extra rounds per page on top of botocore's retries, with full-jitter
    exponential backoff, within one time budget shared by every listing that uses this policy (from its
    first use)."""

    rounds: int = 8
    base_delay_s: float = 0.5
    max_delay_s: float = 16.0
    budget_s: float = 600.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)
    # Set when a listing gave up on throttling or a transient failure: the endpoint is saturated or down.
    exhausted: bool = False
    _started: float | None = None

    def delay(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.max_delay_s, self.base_delay_s * 2**attempt))

    def remaining(self) -> float:
        now = self.clock()
        if self._started is None:
            self._started = now
        return self.budget_s - (now - self._started)

    def gives_up(self, kind: ErrorKind, attempt: int) -> bool:
        """Whether a failed page is final: not retriable, or out of rounds or budget (then `exhausted`)."""
        if kind not in _RETRIED:
            return True
        if attempt >= self.rounds or self.remaining() <= 0:
            self.exhausted = True
            return True
        return False

    def wait(self, attempt: int) -> float:
        pause = min(self.delay(attempt), max(0.0, self.remaining()))
        self.sleep(pause)
        return pause


def list_all(
    client: BaseClient,
    operation: str,
    result_key: str,
    policy: ListingPolicy | None = None,
    *,
    on_page: Callable[[list[Mapping[str, Any]]], None] | None = None,
    **params: Any,
) -> tuple[list[Mapping[str, Any]], AwsError | None]:
    """Every item of every page of `operation`, and None; or the items read so far and the error that ended
    the listing (not retriable, or retries and budget used up). `on_page` sees each page's items as soon as
    the page is read."""
    policy = policy or ListingPolicy()
    call = getattr(client, operation)
    items: list[Mapping[str, Any]] = []
    token: str | None = None
    policy.remaining()  # the budget starts with the first listing
    while True:
        attempt = 0
        while True:
            request = dict(params, NextToken=token) if token else dict(params)
            try:
                page = call(**request)
                break
            except (ClientError, BotoCoreError) as exc:
                kind = classify_exception(exc)
                if policy.gives_up(kind, attempt):
                    error = aws_error(exc)
                    log.warning("%s stopped after %d item(s): %s", operation, len(items), error)
                    return items, error
                wait = policy.wait(attempt)
                log.debug("%s: %s, page retried after %.1f s", operation, kind.value, wait)
                attempt += 1
        page_items = page.get(result_key, [])
        items.extend(page_items)
        if on_page is not None and page_items:
            on_page(page_items)
        token = page.get("NextToken")
        if not token:
            return items, None


def call_once(
    client: BaseClient, operation: str, policy: ListingPolicy | None = None, **params: Any
) -> tuple[Mapping[str, Any] | None, AwsError | None]:
    """One request, retried like a listing's page: the answer and None, or None and the error."""
    items, error = _single(client, operation, policy or ListingPolicy(), params)
    return (items if error is None else None), error


def _single(
    client: BaseClient, operation: str, policy: ListingPolicy, params: dict[str, Any]
) -> tuple[Mapping[str, Any], AwsError | None]:
    call = getattr(client, operation)
    policy.remaining()
    attempt = 0
    while True:
        try:
            return call(**params), None
        except (ClientError, BotoCoreError) as exc:
            kind = classify_exception(exc)
            if policy.gives_up(kind, attempt):
                return {}, aws_error(exc)
            policy.wait(attempt)
            attempt += 1
