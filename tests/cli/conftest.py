"""The in-process command line on the in-process sandbox: `cli(scenario, *args)`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rootguard.cli import main
from rootguard.sandbox import Sandbox


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """Run `rootguard ARGS` against a sandbox organization; returns (exit status, stdout, stderr). One sandbox
    runs at a time: a new scenario stops the previous one."""
    running: list[tuple[dict[str, Any], Sandbox]] = []

    def run(scenario: dict[str, Any], *args: str) -> tuple[int, str, str]:
        if not running or running[-1][0] != scenario:
            if running:
                running.pop()[1].stop()
            running.append((scenario, Sandbox(scenario).start()))
        for name, value in running[-1][1].env().items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = main([*args, "--output-dir", str(tmp_path / "out")] if args[0] == "scan" else list(args))
        out, err = capsys.readouterr()
        return code, out, err

    run.sandbox = lambda: running[-1][1]  # type: ignore[attr-defined]  # the sandbox of the last call
    yield run
    for _, sb in running:
        sb.stop()
