"""checks/ must hold only valid Prowler check folders: Prowler takes every subfolder for a check."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rootguard.rules import CHECK_IDS, MEMBER_CHECK_ID, spec_for

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


def test_generated_files_are_up_to_date() -> None:
    """checks/, setup.cfg's generated blocks, the ASFF schema and the deploy policies match their sources."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "regenerate.py"), "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for folder in folders():
        json.loads((folder / f"{folder.name}.metadata.json").read_text())


def test_a_stale_check_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rootguard.prowler import generate

    copy = tmp_path / "checks"
    shutil.copytree(CHECKS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    setup_cfg = tmp_path / "setup.cfg"
    shutil.copy(ROOT / "setup.cfg", setup_cfg)
    monkeypatch.setattr(generate, "CHECKS_DIR", copy)
    monkeypatch.setattr(generate, "SETUP_CFG", setup_cfg)
    assert generate.stale_paths() == []
    edited = copy / MEMBER_CHECK_ID / f"{MEMBER_CHECK_ID}.metadata.json"
    edited.write_text(edited.read_text().replace('"high"', '"low"'))
    (copy / "iam_old_check_removed").mkdir()
    setup_cfg.write_text(setup_cfg.read_text().replace(f"    {MEMBER_CHECK_ID} = ", "    renamed = "))
    assert sorted(generate.stale_paths()) == sorted([edited, copy / "iam_old_check_removed", setup_cfg])
    generate.write()
    assert generate.stale_paths() == []


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_metadata_comes_from_the_spec_and_prowler_accepts_it(check_id: str) -> None:
    from prowler.lib.check.models import CheckMetadata

    from rootguard.prowler.generate import metadata

    spec = spec_for(check_id)
    meta = CheckMetadata(**metadata(spec))
    assert (meta.CheckTitle, meta.Severity.value) == (spec.title, spec.severity.fail.lower())
    assert meta.Remediation.Recommendation.Text == spec.remediation.text


@pytest.mark.parametrize("check_id", CHECK_IDS)
def test_prowler_accepts_the_check_class(check_id: str) -> None:
    """Prowler's Check() validates folder == file == class == CheckID itself; an adapter must not pull in
    Prowler's service clients (they inventory whole services)."""
    import importlib

    service = check_id.split("_", 1)[0]
    module = importlib.import_module(f"rootguard.prowler.services.{service}.{check_id}.{check_id}")
    check = getattr(module, check_id)()
    assert check.CheckID == check_id and check.ServiceName == service
    assert Path(module.__file__).resolve() == (CHECKS / check_id / f"{check_id}.py").resolve()
    source = Path(module.__file__).read_text()
    assert "_client" not in source and "prowler.providers.aws.services" not in source


def test_installed_entry_points_register_every_check() -> None:
    """`prowler aws --checks <id>` resolves entry points whose value has `.services.<ServiceName>.`."""
    import importlib.metadata
    import importlib.util

    eps = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="prowler.checks.aws")}
    ours = {name: value for name, value in eps.items() if value.startswith("rootguard.")}
    assert sorted(ours) == sorted(CHECK_IDS), "re-run `make install` after `make regenerate`"
    for check_id, value in ours.items():
        assert f".services.{check_id.split('_', 1)[0]}.{check_id}.{check_id}" in value
        spec = importlib.util.find_spec(value)
        assert spec is not None and spec.origin is not None
        assert (Path(spec.origin).parent / f"{check_id}.metadata.json").is_file()


def test_checks_folder_has_no_stray_folders_after_imports() -> None:
    """Prowler takes every subfolder of checks/ for a check: importing the adapters must not leave a
    __pycache__ (or anything else) directly in checks/."""
    import importlib

    for check_id in CHECK_IDS:
        service = check_id.split("_", 1)[0]
        importlib.import_module(f"rootguard.prowler.services.{service}.{check_id}.{check_id}")
    assert sorted(p.name for p in CHECKS.iterdir()) == sorted(CHECK_IDS)
