"""checks/ must hold only valid Prowler check folders: Prowler takes every subfolder for a check."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rootguard.rules import CHECK_IDS

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ROOT / "checks"


def folders() -> list[Path]:
    return sorted(p for p in CHECKS.iterdir() if p.is_dir())


def test_checks_holds_exactly_the_rule_folders() -> None:
    assert sorted(p.name for p in folders()) == sorted(CHECK_IDS)
    assert not [p for p in CHECKS.iterdir() if p.is_file()], (
        "files directly in checks/ are ignored by Prowler"
    )


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_folder_is_a_valid_prowler_check(check_id: str) -> None:
    from prowler.lib.check.models import CheckMetadata

    folder = CHECKS / check_id
    names = {p.name for p in folder.iterdir() if p.name != "__pycache__"}
    assert names == {"__init__.py", f"{check_id}.py", f"{check_id}.metadata.json"}
    meta = CheckMetadata.parse_file(folder / f"{check_id}.metadata.json")
    assert meta.CheckID == check_id
    assert meta.ServiceName == check_id.split("_", 1)[0]
    assert not meta.CheckTitle.startswith("Ensure") and len(meta.CheckTitle) <= 150
    assert f"class {check_id}(Check)" in (folder / f"{check_id}.py").read_text()
    assert "iam_client" not in (folder / f"{check_id}.py").read_text()


def test_no_id_equals_a_prowler_builtin() -> None:
    import prowler

    services = Path(prowler.__file__).parent / "providers" / "aws" / "services"
    builtins = {
        p.name for p in services.glob("*/*") if p.is_dir() and (p / f"{p.name}.metadata.json").exists()
    }
    assert builtins, "Prowler's built-in checks were not found"
    assert not builtins & set(CHECK_IDS)


def test_metadata_is_generated_and_up_to_date() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_checks.py"), "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout
    for folder in folders():
        json.loads((folder / f"{folder.name}.metadata.json").read_text())
