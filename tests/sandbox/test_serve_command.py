"""The serve command: `python -m rootguard.sandbox` and `rootguard sandbox serve` parse and fail alike."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
import yaml
from sandbox_helpers import scenario

from rootguard.cli import main as rootguard_main
from rootguard.sandbox import state
from rootguard.sandbox.serve import DEFAULT_PORT, serve_main

PORT_ERROR = "rootguard: error: --port must be between 0 and 65535"


@contextmanager
def serving(argv: list[str]) -> Iterator[dict[str, str]]:
    """serve_main(argv) in a thread until the block ends; the exported variables (and `#` comment lines)."""
    out = io.StringIO()
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(serve_main(argv, out=out, stop=stop)))
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while "# ready" not in out.getvalue():
            assert thread.is_alive(), out.getvalue()
            assert time.monotonic() < deadline, out.getvalue()
            time.sleep(0.02)
        lines = out.getvalue().splitlines()
        exports = dict(
            line.removeprefix("export ").split("=", 1) for line in lines if line.startswith("export ")
        )
        yield {**exports, "#": lines[0]}
    finally:
        stop.set()
        thread.join(timeout=30)
    assert result == [0]
    assert state.active() is None


def port_of(exports: dict[str, str]) -> int:
    return int(exports["AWS_ENDPOINT_URL"].rsplit(":", 1)[1])


@contextmanager
def port_taken(port: int) -> Iterator[None]:
    """`port` on 127.0.0.1 is busy for the block (held here, or already held by another process)."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            pass  # someone else holds it: busy all the same
        yield


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "unit.yaml"
    path.write_text(yaml.safe_dump(scenario(name="from-a-file")))
    return path


@pytest.mark.parametrize("value", ["-1", "65536", "70000", "-70000", "five"])
def test_a_port_outside_the_range_is_one_line_and_starts_nothing(value: str, capsys) -> None:
    assert serve_main(["--port", value]) == 2
    assert capsys.readouterr().err.splitlines() == [PORT_ERROR]
    assert state.active() is None


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no such file"),
        (b"name: caf\xe9\n", "not UTF-8 text (byte 9)"),
        (b"name: [unclosed\n", "line 2 is not valid YAML"),
    ],
)
def test_an_unreadable_scenario_is_one_line_naming_the_file(
    tmp_path: Path, content: bytes | None, problem: str, capsys
) -> None:
    path = tmp_path / "scenario.yaml"
    if content is not None:
        path.write_bytes(content)
    for argv in ([str(path)], ["--scenario", str(path)]):
        assert serve_main([*argv, "--port", "0"]) == 2
        assert capsys.readouterr().err.splitlines() == [f"rootguard: error: {path}: {problem}"]
    assert state.active() is None


def test_an_invalid_scenario_is_one_line_naming_the_field(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("organization:\n  management_account: {id: '1234'}\n")
    assert serve_main([str(bad), "--port", "0"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"rootguard: error: {bad}: organization.management_account.id: '1234' is not a 12-digit account id "
        "(quote it in YAML)"
    ]
    assert state.active() is None


def test_two_different_scenarios_are_refused(scenario_file: Path, capsys) -> None:
    assert serve_main([str(scenario_file), "--scenario", "other.yaml"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "rootguard: error: give the scenario once: SCENARIO or --scenario FILE"
    ]


@pytest.mark.parametrize("spelling", ["positional", "option"])
def test_both_spellings_serve_the_scenario(scenario_file: Path, spelling: str) -> None:
    argv = [str(scenario_file)] if spelling == "positional" else ["--scenario", str(scenario_file)]
    with serving([*argv, "--port", "0"]) as exports:
        assert exports["#"].startswith(
            "# rootguard sandbox: scenario 'from-a-file', organization o-unittest001"
        )
        sts = boto3.client(
            "sts",
            endpoint_url=exports["AWS_ENDPOINT_URL"],
            region_name=exports["AWS_DEFAULT_REGION"],
            aws_access_key_id=exports["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=exports["AWS_SECRET_ACCESS_KEY"].strip("'"),
        )
        assert sts.get_caller_identity()["Account"] == "111111111111"


def test_port_zero_takes_a_free_port_even_when_5000_is_free() -> None:
    with serving(["--port", "0"]) as exports:
        assert port_of(exports) != DEFAULT_PORT


def test_no_port_takes_5000_when_free() -> None:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", DEFAULT_PORT))
        except OSError:
            pytest.skip(f"port {DEFAULT_PORT} is in use on this machine")
    with serving([]) as exports:
        assert port_of(exports) == DEFAULT_PORT


def test_no_port_falls_back_to_a_free_port_when_5000_is_taken() -> None:
    with port_taken(DEFAULT_PORT), serving([]) as exports:
        assert 0 < port_of(exports) != DEFAULT_PORT


def test_an_explicit_port_that_is_taken_exits_1(capsys) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert serve_main(["--port", str(port)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"rootguard: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]
    assert state.active() is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "-1"], PORT_ERROR),
        (["--port", "65536"], PORT_ERROR),
        (["--scenario", "/no/such/scenario.yaml"], "rootguard: error: /no/such/scenario.yaml: no such file"),
    ],
)
def test_rootguard_sandbox_serve_fails_as_serve_main_does(argv: list[str], message: str, capsys) -> None:
    assert rootguard_main(["sandbox", "serve", *argv]) == 2
    assert capsys.readouterr().err.splitlines() == [message]
    assert state.active() is None


def _start(command: list[str]) -> tuple[subprocess.Popen[str], list[str]]:
    """A serve command in its own process, read up to `# ready`."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("# ready"):
            return process, lines
    raise AssertionError(f"{command} ended before it was ready: {process.communicate()[1]}")


@pytest.mark.slow
def test_both_commands_print_the_same_and_stop_on_sigterm(scenario_file: Path) -> None:
    rootguard = str(Path(sys.executable).with_name("rootguard"))
    commands = [
        [sys.executable, "-m", "rootguard.sandbox", str(scenario_file), "--port", "0"],
        [rootguard, "sandbox", "serve", "--scenario", str(scenario_file), "--port", "0"],
    ]
    assert os.access(commands[1][0], os.X_OK)
    outputs = []
    for command in commands:
        process, lines = _start(command)
        try:
            outputs.append([re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", line) for line in lines])
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
    assert outputs[0] == outputs[1]
    assert "export AWS_ENDPOINT_URL=http://127.0.0.1:PORT" in outputs[0]
