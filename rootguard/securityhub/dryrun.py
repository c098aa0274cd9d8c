"""The dry run's output: the findings exactly as they would be sent, in a file, and nothing sent."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rootguard.files import open_atomic


def write_asff(findings: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Write findings as JSON Lines when the name ends in .jsonl, else as one JSON array (what
    `aws securityhub batch-import-findings --findings file://...` takes). Returns how many were written.

    Atomic and private (0600) like the spool: the file lists an organization's weak spots."""
    p = Path(path)
    items = findings if isinstance(findings, list) else list(findings)
    # Written piece by piece (json.dump streams): never the whole file as one string beside the findings.
    with open_atomic(p, mode=0o600, durable=True) as handle:
        if p.suffix == ".jsonl":
            for f in items:
                handle.write(json.dumps(f, ensure_ascii=False, separators=(",", ":")))
                handle.write("\n")
        else:
            json.dump(items, handle, ensure_ascii=False, indent=1)
            handle.write("\n")
    return len(items)
