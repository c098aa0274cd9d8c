"""The demo organization's results.json and finding ids stay byte for byte what they were.

Security Hub updates a finding in place only when its Id is unchanged; a new Id is a duplicate finding on every
dashboard. Any change to these files must be deliberate: regenerate them with
``python tests/golden/regenerate.py`` and say why in the commit.
"""

from __future__ import annotations

from pathlib import Path

from golden_support import IDS_FILE, RESULTS_FILE, finding_ids, normalized_results
from regenerate import scan_demo


def test_demo_results_and_finding_ids_are_unchanged(tmp_path: Path) -> None:
    results, asff = scan_demo(tmp_path)
    assert normalized_results(results) == RESULTS_FILE.read_text(encoding="utf-8")
    assert finding_ids(asff) == IDS_FILE.read_text(encoding="utf-8")
