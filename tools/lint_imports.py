"""Check rootguard's import contracts (setup.cfg, [importlinter]) on the package as it installs.

findings/, mappings/ and deploy/ live at the top of the repository and install as rootguard.findings,
rootguard.mappings and rootguard.deploy (setup.cfg's package_dir). import-linter walks a package's folder, so
this lays the Python files out as the wheel does, in a temporary folder, and runs `lint-imports` there: the
contracts see exactly the modules a user gets. `make lint` runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYOUT = {
    "rootguard": ROOT / "rootguard",
    "rootguard/deploy": ROOT / "deploy",
    "rootguard/findings": ROOT / "findings",
    "rootguard/mappings": ROOT / "mappings",
}


def lay_out(target: Path) -> None:
    for dest, source in LAYOUT.items():
        shutil.copytree(
            source,
            target / dest,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.json", "*.yaml", "*.md"),
            dirs_exist_ok=True,
        )


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="rootguard-imports-") as tmp:
        lay_out(Path(tmp))
        env = {**os.environ, "PYTHONPATH": tmp}
        lint = Path(sys.executable).with_name("lint-imports")
        command = [str(lint), "--no-cache", str(ROOT / "setup.cfg")]
        return subprocess.run(command, env=env, cwd=tmp, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
