"""`--strict` (and `strict: true` in the config): every finding against the whole ASFF schema, the same files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rootguard.findings import build
from rootguard.sandbox import DEMO_SCENARIO
from rootguard.settings import ConfigError, load_config

STAMPS = ("FirstObservedAt", "LastObservedAt", "CreatedAt", "UpdatedAt")


def untimed(findings: list[dict]) -> list[dict]:
    """The findings without the run's timestamps (each run has its own)."""
    return [{k: v for k, v in f.items() if k not in STAMPS} for f in findings]


def test_strict_scans_check_every_finding_and_write_the_same_findings(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    original = build.validate_strictly

    def counting(finding: dict) -> None:
        checked.append(finding["Id"])
        original(finding)

    monkeypatch.setattr(build, "validate_strictly", counting)
    asff = tmp_path / "out" / "findings.asff.json"
    code, _, _ = cli(DEMO_SCENARIO, "scan", "--format", "json")
    default = json.loads(asff.read_text())
    assert code in (0, 3) and checked == []
    code, _, _ = cli(DEMO_SCENARIO, "scan", "--format", "json", "--strict")
    assert code in (0, 3)
    assert checked == [f["Id"] for f in default]  # every finding, once
    assert untimed(json.loads(asff.read_text())) == untimed(default)
    config = tmp_path / "strict.yaml"
    config.write_text("strict: true\n")
    checked.clear()
    cli(DEMO_SCENARIO, "scan", "--config", str(config))
    assert len(checked) == len(default)


def test_strict_in_the_config_is_a_switch(tmp_path: Path) -> None:
    path = tmp_path / "rootguard.yaml"
    path.write_text("strict: true\n")
    assert load_config(path).strict is True
    path.write_text("strict: 'yes'\n")
    with pytest.raises(ConfigError, match="strict"):
        load_config(path)
