"""Take docs/report.png: the demo organization's HTML report in headless Chromium, as the README shows it.

    .venv/bin/python tools/report_screenshot.py [--output docs/report.png] [--width 1280]

Scans the demo sandbox in-process at the golden run time (tests/golden), renders report.html and captures the
whole page. Run it by hand after changing the report's look; the picture is not checked by CI (fonts and
Chromium versions change pixels), the browser test checks the page itself.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from headless import Browser  # noqa: E402

RUN_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)  # tests/golden/golden_support.py


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "report.png")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args(argv)

    from rootguard.sandbox import DEMO_SCENARIO, Sandbox
    from rootguard.scan import run_scan
    from rootguard.settings import Config

    with tempfile.TemporaryDirectory(prefix="rootguard-screenshot-") as tmp:
        with Sandbox(DEMO_SCENARIO) as sb:
            outcome = run_scan(
                sb.session(), Config(output_formats=["html"]), output_dir=Path(tmp), run_at=RUN_AT
            )
        with Browser.start() as browser:
            page = browser.open(outcome.files["html"].resolve().as_uri())
            errors = page.console_errors()
            if errors:
                print("\n".join(errors), file=sys.stderr)
                return 1
            page.screenshot(args.output, width=args.width, height=800)  # lay the page out at that width first
            height = int(page.evaluate("Math.ceil(document.documentElement.scrollHeight)"))
            page.screenshot(args.output, width=args.width, height=height)
    print(f"wrote {args.output} ({args.width}x{height})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
