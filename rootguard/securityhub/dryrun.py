"""The dry run's output: the findings exactly as they would be sent, in a file, and nothing sent."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rootguard.files import write_atomic


def write_asff(findings: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Write findings as JSON Lines when the name ends in .jsonl, else as one JSON array (what
    `aws securityhub batch-import-findings --findings file://...` takes). Returns how many were written.

    Atomic and private (0600) like the spool: the file lists an organization's weak spots."""
    p = Path(path)
    items = list(findings)
    if p.suffix == ".jsonl":
        text = "".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) + "\n" for f in items)
    else:
        text = json.dumps(items, ensure_ascii=False, indent=1) + "\n"
    write_atomic(p, text, mode=0o600, durable=True)
    return len(items)
