"""Write tests/golden/data/ from a scan of the demo organization: `python tests/golden/regenerate.py`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from golden_support import GOLDEN_DIR, IDS_FILE, RESULTS_FILE, RUN_AT, finding_ids, normalized_results


def scan_demo(output_dir: Path) -> tuple[Path, Path]:
    """Scan the demo sandbox in-process at the fixed run time; the paths of results.json and the ASFF file."""
    from rootguard.sandbox import DEMO_SCENARIO, Sandbox
    from rootguard.scan import run_scan
    from rootguard.settings import Config

    with Sandbox(DEMO_SCENARIO) as sb:
        outcome = run_scan(sb.session(), Config(), output_dir=output_dir, run_at=RUN_AT)
    return outcome.files["results"], outcome.files["asff"]


def main() -> int:
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        results, asff = scan_demo(Path(tmp))
        RESULTS_FILE.write_text(normalized_results(results), encoding="utf-8")
        IDS_FILE.write_text(finding_ids(asff), encoding="utf-8")
    print(f"wrote {RESULTS_FILE} and {IDS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
