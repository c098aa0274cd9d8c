"""setup.cfg lists every package explicitly (findings/ and mappings/ are mapped into rootguard): a package
folder missing from the list would silently be missing from the wheel."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _listed(option: str) -> list[str]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    return [line.strip() for line in cfg["options"][option].splitlines() if line.strip()]


def test_every_package_folder_is_listed() -> None:
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "rootguard").rglob("__init__.py")
        if "__pycache__" not in path.parts
    }
    on_disk |= {"rootguard.findings", "rootguard.mappings"}
    on_disk |= {f"rootguard.prowler.checks.{p.name}" for p in (ROOT / "checks").iterdir() if p.is_dir()}
    assert on_disk == set(_listed("packages"))
