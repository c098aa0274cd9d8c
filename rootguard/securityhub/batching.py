"""Cut findings into BatchImportFindings requests: at most 100 findings and 6 MB each, measured."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rootguard.findings.validate import serialized_size

MAX_BATCH_FINDINGS = 100
MAX_REQUEST_BYTES = 6 * 1024 * 1024
# The request body is {"Findings":[f1,f2,...]}: the envelope plus one comma per finding after the first.
_ENVELOPE_BYTES = len(b'{"Findings":[]}')


def batches(
    findings: Iterable[dict[str, Any]],
    *,
    max_findings: int = MAX_BATCH_FINDINGS,
    max_bytes: int = MAX_REQUEST_BYTES,
) -> Iterator[list[dict[str, Any]]]:
    """Consecutive batches within both limits, order kept. A finding too large for any request raises
    ValueError naming it (the builders' 240 KB limit makes this unreachable for valid findings)."""
    if not 1 <= max_findings <= MAX_BATCH_FINDINGS:
        raise ValueError(f"max_findings must be between 1 and {MAX_BATCH_FINDINGS}, got {max_findings}")
    budget = max_bytes - _ENVELOPE_BYTES
    batch: list[dict[str, Any]] = []
    used = 0
    for finding in findings:
        size = serialized_size(finding)
        if size > budget:
            raise ValueError(f"finding {finding.get('Id', '?')}: {size} bytes cannot fit in a request")
        extra = size + (1 if batch else 0)
        if batch and (len(batch) == max_findings or used + extra > budget):
            yield batch
            batch, used, extra = [], 0, size
        batch.append(finding)
        used += extra
    if batch:
        yield batch
