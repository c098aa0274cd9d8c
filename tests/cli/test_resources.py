"""`rootguard deploy show|write` and `rootguard prowler checks-folder`: the installed files, without a checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

import rootguard.prowler
from rootguard.cli import main
from rootguard.cli.resources import deploy_files
from rootguard.rules import CHECK_IDS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _on_disk() -> dict[str, Path]:
    """What deploy/ holds, named as the commands name them."""
    out = {p.stem: p for p in DEPLOY.glob("*.yaml")}
    out |= {p.stem: p for p in (DEPLOY / "policies").glob("*.json")}
    return out


def test_every_template_and_policy_is_offered() -> None:
    assert set(deploy_files()) == set(_on_disk())
    assert {"scanner-policy", "scanner-role", "scheduled-scan"} <= set(deploy_files())


@pytest.mark.parametrize("name", sorted(_on_disk()))
def test_show_prints_the_file_exactly(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy", "show", name]) == 0
    assert capsys.readouterr().out == _on_disk()[name].read_text(encoding="utf-8")


def test_show_unknown_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy", "show", "admin-policy"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(
        "rootguard: error: no deployment file 'admin-policy'; known: member-import-policy, "
    )


def test_write_lays_out_the_deploy_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "deploy"
    assert main(["deploy", "write", str(target)]) == 0
    written = {p.relative_to(target) for p in target.rglob("*") if p.is_file()}
    assert written == {p.relative_to(DEPLOY) for p in _on_disk().values()}
    for relative in written:
        assert (target / relative).read_bytes() == (DEPLOY / relative).read_bytes()
    assert len(capsys.readouterr().out.splitlines()) == len(written)
    assert main(["deploy", "write", str(target)]) == 0  # the same content again is fine


def test_write_keeps_an_edited_file_unless_forced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edited = tmp_path / "policies" / "scanner-policy.json"
    edited.parent.mkdir()
    edited.write_text("{}\n")
    assert main(["deploy", "write", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "scanner-policy.json exists and differs (--force replaces it)" in err
    assert edited.read_text() == "{}\n" and not (tmp_path / "scanner-role.yaml").exists()
    assert main(["deploy", "write", str(tmp_path), "--force"]) == 0
    assert edited.read_text() == (DEPLOY / "policies" / "scanner-policy.json").read_text()


def test_checks_folder_prints_the_folder_prowler_takes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prowler", "checks-folder"]) == 0
    printed = Path(capsys.readouterr().out.strip())
    assert printed == rootguard.prowler.checks_path()
    assert sorted(p.name for p in printed.iterdir() if p.is_dir()) == sorted(CHECK_IDS)


def test_checks_folder_refuses_a_folder_prowler_would_misread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    check = tmp_path / "iam_example_check"
    check.mkdir()
    (check / "iam_example_check.metadata.json").write_text("{}")
    (tmp_path / "__pycache__").mkdir()
    monkeypatch.setattr(rootguard.prowler, "checks_path", lambda: tmp_path)
    assert main(["prowler", "checks-folder"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not checks, which Prowler would run: __pycache__" in err
