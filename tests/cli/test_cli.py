"""The command line through a subprocess against the served sandbox: commands, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rootguard.sandbox import DEMO_SCENARIO, Sandbox

ROOTGUARD = [sys.executable, "-m", "rootguard.cli"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served():
    with Sandbox(DEMO_SCENARIO).serve() as sb:
        yield sb


def run(sb: Sandbox | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(sb.env() if sb else {})}
    return subprocess.run([*ROOTGUARD, *args], env=env, capture_output=True, text=True, timeout=300)


def test_scan_writes_files_and_reports_partial(served, tmp_path: Path) -> None:
    p = run(served, "scan", "--output-dir", str(tmp_path))
    assert p.returncode == 3, p.stderr  # the demo has accounts an SCP keeps from being evaluated
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["summary"]["total"] == {"PASS": 11, "FAIL": 5, "NOT_EVALUATED": 3}
    asff = json.loads((tmp_path / "findings.asff.json").read_text())
    assert len(asff) == 19 and "666666666661" in p.stdout


def test_fail_on_failed_gates_pipelines(served, tmp_path: Path) -> None:
    assert run(served, "scan", "--output-dir", str(tmp_path), "--fail-on", "failed").returncode == 1


def test_publish_twice_updates_and_keeps_ids(served, tmp_path: Path) -> None:
    first = run(served, "scan", "--output-dir", str(tmp_path), "--publish", "--format", "asff")
    second = run(served, "scan", "--output-dir", str(tmp_path), "--publish", "--format", "asff")
    assert first.returncode == second.returncode == 3
    ids1 = {f["Id"] for f in json.loads(first.stdout)}
    ids2 = {f["Id"] for f in json.loads(second.stdout)}
    assert ids1 == ids2 and len(ids1) == 19
    hub = served.session().client("securityhub")
    stored = hub.get_findings(Filters={"GeneratorId": [{"Value": "rootguard/", "Comparison": "PREFIX"}]})
    assert len(stored["Findings"]) == 19


def test_securityhub_setup_is_idempotent(served) -> None:
    first = run(served, "securityhub", "setup")
    second = run(served, "securityhub", "setup")
    assert first.returncode == second.returncode == 0
    assert "created" in first.stdout or "unchanged" in first.stdout
    assert "created" not in second.stdout


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["scan", "--checks", "nope"], 2, "unknown check id 'nope'"),
        (["scan", "--profile", "no-such-profile"], 4, "profile 'no-such-profile' not found"),
        (["scan", "--max-workers", "0"], 2, "--max-workers"),
        (["publish", "/no/such/file.json"], 2, "no such file"),
        (["publish", "--resume", "/no/such/spool.jsonl"], 2, "no such spool file"),
        (["bogus"], 2, "invalid choice"),
    ],
)
def test_user_errors_are_one_line_and_non_zero(served, args, code, text) -> None:
    p = run(served, *args)
    assert p.returncode == code, p.stderr
    assert text in p.stderr
    assert "Traceback" not in p.stderr


def test_bad_config_names_the_field(served, tmp_path: Path) -> None:
    cfg = tmp_path / "rootguard.yaml"
    cfg.write_text("allowed_delegated_admins: ['12']\n")
    p = run(served, "scan", "--config", str(cfg))
    assert p.returncode == 2 and "allowed_delegated_admins" in p.stderr and "'12'" in p.stderr


@pytest.fixture
def refused_in_german(served):
    """The demo, where AssumeRoot into one member is refused with a message that is not ASCII."""
    served.inject(
        service="sts",
        action="AssumeRoot",
        target="666666666661",
        code="AccessDenied",
        message="Zugriff verweigert \u2013 Richtlinie \u00abRoot\u00bb greift",
    )
    yield served
    served.clear_faults()


@pytest.mark.parametrize("fmt", ["table", "json", "asff"])
def test_output_survives_an_ascii_terminal(refused_in_german, tmp_path: Path, fmt: str) -> None:
    """Under LANG=C standard output is ASCII: non-ASCII text (here an AWS error message) is escaped there, not a
    traceback halfway through; a machine format is whole and matches the file written beside it, which keeps
    the text as UTF-8."""
    env = {**os.environ, **refused_in_german.env(), "PYTHONIOENCODING": "ascii:strict"}
    p = subprocess.run(
        [*ROOTGUARD, "scan", "--output-dir", str(tmp_path), "--format", fmt],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 3, p.stderr
    assert p.stdout.isascii() and "Traceback" not in p.stderr
    if fmt == "table":
        line = next(line for line in p.stdout.splitlines() if "666666666661" in line)
        assert "Zugriff verweigert \\u2013 Richtlinie \\xabRoot\\xbb greift" in line, line
        return
    name = "results.json" if fmt == "json" else "findings.asff.json"
    written = (tmp_path / name).read_text(encoding="utf-8")
    assert "\u00abRoot\u00bb" in written
    printed, filed = json.loads(p.stdout), json.loads(written)
    if fmt == "json":
        printed, filed = printed["results"], filed["results"]
    assert printed == filed


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_reader_that_goes_away_is_a_quiet_exit_141(served, tmp_path: Path, fmt: str) -> None:
    """`rootguard scan --format json | true`: no traceback; exit 141 as a shell reports SIGPIPE; the files are
    written whole all the same. (The reader is gone before the scan prints: a reader that takes a little first
    races the scan, whose whole output may fit in the pipe's buffer.)"""
    env = {**os.environ, **served.env()}
    scan = subprocess.Popen(
        [*ROOTGUARD, "scan", "--output-dir", str(tmp_path), "--format", fmt],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert scan.stdout is not None and scan.stderr is not None
    scan.stdout.close()  # the only reader: every write of the scan now fails with EPIPE
    err = scan.stderr.read().decode()
    assert scan.wait(timeout=300) == 141, err
    assert "Traceback" not in err and "Broken pipe" not in err and "Exception ignored" not in err
    assert json.loads((tmp_path / "results.json").read_text())["summary"]["total"]["PASS"] == 11
