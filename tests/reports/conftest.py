"""Shared fixtures of the report tests: the demo organization's scan (once per session, in-process, at the
golden run time) and `rootguard` in-process; their data and helpers are in reports_helpers.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from reports_helpers import RUN_AT, DemoScan

from rootguard.cli import main
from rootguard.sandbox import DEMO_SCENARIO, Sandbox


@pytest.fixture(scope="session")
def demo_scan(tmp_path_factory: pytest.TempPathFactory) -> DemoScan:
    """`rootguard scan` of the demo organization (every output format), as the golden test pins it."""
    from rootguard.scan import run_scan
    from rootguard.settings import Config

    out = tmp_path_factory.mktemp("demo-scan")
    with Sandbox(DEMO_SCENARIO) as sb:
        run_scan(sb.session(), Config(), output_dir=out, run_at=RUN_AT)
    return DemoScan(out, json.loads((out / "results.json").read_text(encoding="utf-8")))


@pytest.fixture
def rootguard(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[..., tuple[int, str, str]]]:
    """`rootguard ARGS` in-process, without AWS: (exit status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    yield run
