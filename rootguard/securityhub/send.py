"""BatchImportFindings for one hub: batches in flight at once, each failure classified, the retriable ones
sent again in rounds until they land or the rounds run out.

A request can fail as a whole (a ClientError or a connection error: every finding in it shares the error)
or in part (FailedFindings in the response). Either way, rootguard.aws.errors decides what is retriable;
a disabled hub (InvalidAccessException) stops the rounds, since nothing more would land there.
"""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError

from rootguard.aws.errors import (
    HUB_NOT_ENABLED,
    error_code,
    error_message,
    is_retriable,
    is_retriable_exception,
    is_throttling,
)
from rootguard.securityhub.batching import batches
from rootguard.securityhub.outcome import Failure, HubOutcome, Item, ids_preview
from rootguard.securityhub.report import hub_not_enabled_message
from rootguard.securityhub.retry import RetryRounds
from rootguard.securityhub.targets import Target

log = logging.getLogger(__name__)

Response = tuple[dict[str, Any], BaseException | None]


def _import_batch(client: BaseClient, group: list[dict[str, Any]]) -> Response:
    try:
        return client.batch_import_findings(Findings=group), None
    except (ClientError, BotoCoreError) as exc:
        return {}, exc


def send(
    client: BaseClient,
    target: Target,
    items: list[Item],
    outcome: HubOutcome,
    *,
    max_in_flight: int,
    rounds: RetryRounds,
) -> None:
    """Import `items` into the hub `client` talks to, recording in `outcome` what landed and what failed."""
    pending = items
    attempts: Counter[str] = Counter()
    last_error: dict[str, tuple[str, str]] = {}
    retried: set[str] = set()
    round_number = 0
    while pending:
        rounds.wait(round_number)
        groups = list(batches(i.finding for i in pending))
        by_id = {i.id: i for i in pending}
        workers = min(max_in_flight, len(groups))
        if workers <= 1:
            results = [_import_batch(client, g) for g in groups]
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rootguard-import") as pool:
                results = list(pool.map(lambda g: _import_batch(client, g), groups))
        retry: list[Item] = []
        for group, (response, exc) in zip(groups, results, strict=True):
            outcome.calls += 1
            batch_items = [by_id[str(f["Id"])] for f in group]
            for item in batch_items:
                attempts[item.id] += 1
            if exc is not None:
                code, message = error_code(exc), error_message(exc)
                if code == HUB_NOT_ENABLED:
                    outcome.hub_disabled = True
                    outcome.error = hub_not_enabled_message(target)
                if is_throttling(code):
                    outcome.throttled += 1
                retriable = is_retriable_exception(exc)
                for item in batch_items:
                    last_error[item.id] = (code, message)
                    if retriable and not outcome.hub_disabled:
                        retry.append(item)
                    else:
                        outcome.failures.append(Failure(item, code, message, attempts[item.id], retriable))
                continue
            failed = {f.get("Id"): f for f in response.get("FailedFindings") or []}
            for item in batch_items:
                problem = failed.get(item.id)
                if problem is None:
                    outcome.landed.append(item)
                    continue
                code, message = str(problem.get("ErrorCode", "")), str(problem.get("ErrorMessage", ""))
                last_error[item.id] = (code, message)
                retriable = is_retriable(code)
                if retriable and not outcome.hub_disabled:
                    retry.append(item)
                else:
                    outcome.failures.append(Failure(item, code, message, attempts[item.id], retriable))
        round_number += 1
        if retry and (round_number > rounds.rounds or outcome.hub_disabled):
            for item in retry:
                code, message = last_error[item.id]
                outcome.failures.append(Failure(item, code, message, attempts[item.id], True))
            retry = []
        if retry:
            retried.update(i.id for i in retry)
            log.warning(
                "%s: retrying %d finding(s): %s", target, len(retry), ids_preview(i.id for i in retry)
            )
        pending = retry
    outcome.retried = len(retried)
