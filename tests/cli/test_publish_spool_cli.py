"""The spool through the command line: `publish --resume` of an unusable file is one line and exit 2 with
nothing written; `scan --publish` replays the spool of its output folder first and leaves nothing stale."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_exit_contract import MGMT, organization

from rootguard.sandbox import securityhub as hub
from rootguard.settings import SPOOL_FILE

REGION = "us-east-1"


def _scan_findings(cli, tmp_path: Path) -> list[dict[str, Any]]:
    """The findings a scan of organization() builds (written by a scan without --publish)."""
    code, _, err = cli(organization(), "scan")
    assert code == 0, err
    return json.loads((tmp_path / "out" / "findings.asff.json").read_text())


def _entry(finding: dict[str, Any], **changes: Any) -> str:
    entry = {
        "account_id": MGMT,
        "region": REGION,
        "finding": finding,
        "error_code": "InternalException",
        "attempts": 5,
    }
    entry.update(changes)
    return json.dumps(entry) + "\n"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\xff\xfe\x00\x01\n", "line 1: not UTF-8"),
        (b'[{"Id": "x"}]\n', "line 1: not a spool entry"),
        (b"[" * 100_000 + b"]" * 100_000 + b"\n", "line 1: nested too deeply"),
        (b'{"account_id": "111111111111", "region": "us-ea', "line 1: cut short"),
        (b"x" * (3 * 1024 * 1024), "line 1: longer than"),
        (
            b'{"account_id": "111111111111", "region": "us-east-1", "finding": {}}\n',
            "line 1: the finding has no",
        ),
        (b"\n\n  \n", "the spool is empty"),
    ],
    ids=["not-utf8", "wrong-shape", "deep", "truncated", "huge", "no-fields", "blank"],
)
def test_resume_of_an_unusable_spool_is_one_line_exit_2_and_writes_nothing(
    cli, tmp_path: Path, content: bytes, words: str
) -> None:
    spool = tmp_path / "given.jsonl"
    spool.write_bytes(content)
    out = tmp_path / "out"

    code, _, err = cli(organization(), "publish", "--resume", str(spool), "--output-dir", str(out))

    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("rootguard: error:") and words in err, err
    assert spool.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["given.jsonl"] + (["out"] if out.exists() else [])
    assert not any(p.name.endswith(".quarantine") for p in tmp_path.rglob("*"))


def test_resume_of_a_folder_is_one_line_exit_2(cli, tmp_path: Path) -> None:
    code, _, err = cli(
        organization(), "publish", "--resume", str(tmp_path), "--output-dir", str(tmp_path / "o")
    )
    assert code == 2 and err.count("\n") == 1 and "folder" in err, err


def test_scan_publish_replays_the_spool_first_and_leaves_nothing_stale(cli, tmp_path: Path) -> None:
    findings = _scan_findings(cli, tmp_path)
    out = tmp_path / "out"
    newer = findings[0]  # the scan produces this Id again: its spooled older version must never land
    stale = {
        **newer,
        "Title": "STALE",
        "CreatedAt": "2024-01-01T00:00:00.000Z",
        "UpdatedAt": "2024-01-01T00:00:00.000Z",
    }
    gone = {**findings[1], "Id": findings[1]["Id"] + "-left-the-organization"}  # not produced by the scan
    (out / SPOOL_FILE).write_text(_entry(stale) + _entry(gone) + "not json\n")

    code, _, err = cli(organization(), "scan", "--publish", "--format", "json")

    assert code == 3, err  # one unreadable line was set aside: a run to look at, once
    stored = {f["Id"]: f for f in hub.findings(MGMT, REGION)}
    assert stored[newer["Id"]]["Title"] != "STALE"
    assert stored[newer["Id"]]["CreatedAt"] != "2024-01-01T00:00:00.000Z"  # never imported, not even first
    assert gone["Id"] in stored  # replayed (and then archived by the sweep: no check produces it)
    assert not (out / SPOOL_FILE).exists()
    assert (out / (SPOOL_FILE + ".quarantine")).read_text() == "not json\n"
    assert "1 unreadable spool line(s) moved" in err or "line 3" in err

    code, _, err = cli(organization(), "scan", "--publish")
    assert code == 0, err  # the next run is clean: nothing stale, nothing left to say
