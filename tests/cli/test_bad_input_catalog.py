"""The bad-input catalog: every path on which rootguard reads a file a person hands it, against every kind of
bad file. Each must end in one line on stderr naming the file and the problem, exit 2, and nothing written:
no file half-made in the output folder, no finding sent, no traceback, and never the file's content echoed.

Paths: `publish FILE` with a results file and with an ASFF file, `publish --from-prowler` with json-ocsf,
json-asff and CSV, `publish --resume SPOOL`, `scan --config`, `report RESULTS`, `sandbox serve --scenario`.
Kinds: empty, not UTF-8, the wrong shape, nested 100,000 deep, huge (48 MB), truncated mid-way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from test_exit_contract import organization

HUGE_BYTES = 48 * 1024 * 1024


def _results_text() -> str:
    return json.dumps(
        {
            "rootguard": {"version": "0", "run_at": "2026-01-01T00:00:00+00:00", "organization": "o-x"},
            "results": [
                {
                    "check_id": "iam_org_root_sessions_enabled",
                    "status": "PASS",
                    "resource": {"kind": "ORGANIZATION", "id": "o-exitcontract1", "arn": "arn:aws:x"},
                    "message": "fine",
                }
            ],
        },
        indent=2,
    )


def _asff_text() -> str:
    return json.dumps(
        [{"SchemaVersion": "2018-10-08", "Id": "rootguard/x", "ProductArn": "arn:aws:x"}], indent=2
    )


def _ocsf_text() -> str:
    return json.dumps(
        [{"metadata": {"event_code": "iam_org_root_sessions_enabled"}, "status_code": "PASS"}], indent=2
    )


def _spool_text() -> str:
    entry = {
        "version": 1,
        "account_id": "111111111111",
        "region": "us-east-1",
        "finding": {"Id": "rootguard/x"},
    }
    return json.dumps(entry) + "\n"


def _config_text() -> str:
    return "max_workers: 8\nexcluded_accounts: ['123456789012']\nsecurityhub:\n  burst: 5\n"


def _scenario_text() -> str:
    return "name: t\norganization:\n  management_account: {id: '111111111111'}\naccounts:\n  - {id: '222222222222'}\n"


def _csv_text() -> str:
    return "AUTH_METHOD;TIMESTAMP;ACCOUNT_UID;CHECK_ID;STATUS\nprofile;2026-01-01;111111111111;x;PASS\n"


# path -> (file name, a good file's text to truncate, a wrong-shape text, how the command line names the file)
PATHS: dict[str, tuple[str, Callable[[], str], str, Callable[[str, Path], list[str]]]] = {
    "results": ("results.json", _results_text, '{"results": 5}', lambda f, o: ["publish", f, "--output-dir", str(o)]),
    "asff": ("findings.asff.json", _asff_text, "[5, 6]", lambda f, o: ["publish", f, "--output-dir", str(o)]),
    "prowler-ocsf": ("prowler.ocsf.json", _ocsf_text, '{"metadata": 1}',
                     lambda f, o: ["publish", "--from-prowler", f, "--output-dir", str(o)]),
    "prowler-asff": ("prowler.asff.json", _asff_text, '[{"Id": []}]',
                     lambda f, o: ["publish", "--from-prowler", f, "--output-dir", str(o)]),
    "prowler-csv": ("prowler.csv", _csv_text, "a;b\n1;2\n",
                    lambda f, o: ["publish", "--from-prowler", f, "--output-dir", str(o)]),
    "spool": ("securityhub-spool.jsonl", _spool_text, '{"version": 1}\n[]\n',
              lambda f, o: ["publish", "--resume", f, "--output-dir", str(o)]),
    "config": ("rootguard.yaml", _config_text, "- 1\n- 2\n",
               lambda f, o: ["scan", "--config", f, "--output-dir", str(o)]),
    "report": ("results.json", _results_text, '{"results": {"a": 1}}',
               lambda f, o: ["report", f, "--output-dir", str(o)]),
    "scenario": ("scenario.yaml", _scenario_text, "organization: 5\n",
                 lambda f, o: ["sandbox", "serve", "--scenario", f, "--port", "0"]),
}  # fmt: skip


def bad_bytes(kind: str, path: str) -> bytes:
    name, good, wrong, _ = PATHS[path]
    if kind == "empty":
        return b""
    if kind == "not-utf8":
        return good().encode("utf-8")[:40] + b"\xff\xfe\xc3\x28 caf\xe9\n"
    if kind == "wrong-shape":
        return wrong.encode()
    if kind == "deep":
        depth = 100_000
        if name.endswith((".yaml", ".csv")):
            return (b"a: " + b"[" * depth + b"]" * depth + b"\n") if name.endswith(".yaml") else b"[" * depth
        line = b"[" * depth + b"]" * depth
        return line + (b"\n" if name.endswith(".jsonl") else b"")
    if kind == "huge":
        # valid-looking start, then a very long string that never closes: no parser can use it
        return good().encode()[:20] + b'"' + b"x" * HUGE_BYTES
    if kind == "truncated":
        data = good().encode()
        return data[: len(data) // 2]
    raise AssertionError(kind)


KINDS = ["empty", "not-utf8", "wrong-shape", "deep", "huge", "truncated"]


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


# An empty rootguard.yaml is the empty YAML document: every default, the strict reading (tests/test_config_file.py).
FILE_CASES = [(p, k) for p in PATHS if p != "scenario" for k in KINDS if (p, k) != ("config", "empty")]


@pytest.mark.parametrize(("path", "kind"), FILE_CASES)
def test_a_bad_file_is_one_line_exit_2_and_nothing_written(cli, tmp_path: Path, path: str, kind: str) -> None:
    name, _, _, argv = PATHS[path]
    source = tmp_path / "in" / name
    source.parent.mkdir()
    source.write_bytes(bad_bytes(kind, path))
    out = tmp_path / "out"
    out.mkdir()
    if path == "spool":  # --resume names a spool elsewhere; the folder's own spool must not be touched either
        (out / "securityhub-spool.jsonl").write_text("")
    before = listing(out)
    code, stdout, err = cli(organization(), *argv(str(source), out))
    assert code == 2, (code, stdout[-500:], err[-2000:])
    assert err.startswith("rootguard: error:") and err.count("\n") == 1, err[-2000:]
    assert len(err) < 600, f"the error echoes the input: {err[:300]}..."
    assert str(source) in err or name in err, err
    assert "Traceback" not in err + stdout
    assert listing(out) == before, "something was written"
    hub = cli.sandbox().session("111111111111").client("securityhub", region_name="us-east-1")
    assert hub.get_findings()["Findings"] == [], "a finding was sent"
    assert source.read_bytes() == bad_bytes(kind, path), "the input was changed"


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_a_bad_scenario_is_one_line_exit_2(tmp_path: Path, kind: str) -> None:
    """`sandbox serve` serves until stopped: a bad scenario must end it before it listens (a subprocess, so a
    scenario wrongly accepted fails the test by timeout instead of hanging it)."""
    name, _, _, argv = PATHS["scenario"]
    source = tmp_path / name
    source.write_bytes(bad_bytes(kind, "scenario"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.run(
        [sys.executable, "-m", "rootguard", *argv(str(source), tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 2, (proc.returncode, proc.stdout[-500:], proc.stderr[-2000:])
    err = proc.stderr
    assert err.startswith("rootguard: error:") and err.count("\n") == 1, err[-2000:]
    assert len(err) < 600 and (str(source) in err or name in err), err


@pytest.mark.parametrize("path", ["results", "asff", "prowler-ocsf", "prowler-csv", "spool"])
def test_a_bad_file_is_exit_2_before_any_aws_call(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, path: str
) -> None:
    """The input is read before AWS is asked anything: with AWS unreachable, a bad file is still exit 2 (a
    usage error to fix), not 4."""
    from rootguard.cli import main

    name, _, _, argv = PATHS[path]
    source = tmp_path / name
    source.write_bytes(bad_bytes("wrong-shape", path))
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE01")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    assert main(argv(str(source), tmp_path / "out")) == 2
