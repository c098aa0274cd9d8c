"""Regenerate every generated file of rootguard, or check that none is stale: `make regenerate`.

    python tools/regenerate.py            # write what changed, print each path
    python tools/regenerate.py --check    # exit 1 listing every stale file (the test suite runs this)

What it owns:
- checks/<check_id>/ (the Prowler check folders) and the generated blocks of setup.cfg, from the rules'
  specs, and rootguard's Prowler compliance framework (rootguard/prowler/compliance/*/*.json), from the
  mappings and the specs (rootguard.prowler.generate);
- findings/schema/asff.schema.json, from botocore's Security Hub model (tools/asff_schema.py);
- rootguard/reports/schema/ocsf-compliance-finding.schema.json, from py-ocsf-models (tools/ocsf_schema.py);
- deploy/policies/*.json, from the CloudFormation templates in deploy/ (deploy/build.py).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "deploy")]

import asff_schema  # noqa: E402  (tools/ and deploy/ are script folders, not packages)
import build as deploy_build  # noqa: E402
import ocsf_schema  # noqa: E402

from rootguard.prowler import generate as prowler_generate  # noqa: E402


def _quiet(main: object, argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)  # type: ignore[operator]
    return code, (out.getvalue() + err.getvalue()).strip()


def check() -> list[str]:
    """One line per stale generated file (empty when everything is current)."""
    problems = [f"stale: {p.relative_to(ROOT)}" for p in prowler_generate.stale_paths()]
    for name, main in (
        ("findings/schema/asff.schema.json", asff_schema.main),
        ("rootguard/reports/schema/ocsf-compliance-finding.schema.json", ocsf_schema.main),
        ("deploy/policies", deploy_build.main),
    ):
        code, text = _quiet(main, ["--check"])
        if code:
            problems.append(f"stale: {name}" + (f" ({text.splitlines()[0]})" if text else ""))
    return problems


def write() -> list[str]:
    changed = [str(p.relative_to(ROOT)) for p in prowler_generate.write()]
    for main in (asff_schema.main, ocsf_schema.main, deploy_build.main):
        code, text = _quiet(main, [])
        if code:
            raise SystemExit(f"regenerate: {text}")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/regenerate.py", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list stale generated files and exit 1 if any")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for line in problems:
            print(line)
        if problems:
            print("run `make regenerate` and commit the result")
        return 1 if problems else 0
    for path in write():
        print(f"wrote {path}")
    problems = check()
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
