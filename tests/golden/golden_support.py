"""The demo organization's scan output, normalized, as the golden files pin it.

Seeding gives the demo's root credentials the time the sandbox started (``password_created``, key ``created``,
MFA ``enabled``); everything else in results.json is fixed by the scenario and the run time. Those values are
replaced by ``<seeded>`` so that two runs compare byte for byte.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).parent / "data"
RESULTS_FILE = GOLDEN_DIR / "demo-results.json"
IDS_FILE = GOLDEN_DIR / "demo-finding-ids.txt"
RUN_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
_SEEDED_KEYS = re.compile(r"(^|\.)(password_created|created|enabled)$")


def _normalize(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _normalize(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize(v, key) for v in value]
    if isinstance(value, str) and _SEEDED_KEYS.search(key) and value:
        return "<seeded>"
    return value


def normalized_results(path: Path) -> str:
    """results.json with the seeding times replaced, as indented JSON text."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    return json.dumps(_normalize(doc), indent=2, sort_keys=False) + "\n"


def finding_ids(path: Path) -> str:
    """The Id of every finding in an ASFF file, one per line, in file order."""
    return "".join(f"{f['Id']}\n" for f in json.loads(path.read_text(encoding="utf-8")))
