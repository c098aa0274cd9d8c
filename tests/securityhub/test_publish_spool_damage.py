"""A damaged spool never breaks a publish or a replay: bad lines are moved aside with one warning each, the good
entries still replay, and nothing a run fails to import is lost because of an older bad line."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from publisher_helpers import (
    MEMBER_CHECK,
    MEMBERS,
    MGMT,
    REGION,
    RUN_1,
    FailedFindingsInjector,
    central_findings,
    member_result,
)

from rootguard.sandbox import securityhub as hub
from rootguard.securityhub import Publisher
from rootguard.securityhub.spool import SpoolEntry, add_to_spool, quarantine_path, read_spool, write_spool


def _entry(finding: dict[str, Any]) -> SpoolEntry:
    return SpoolEntry(account_id=MGMT, region=REGION, finding=finding, error_code="InternalException")


def _line(entry: SpoolEntry) -> bytes:
    return entry.model_dump_json().encode() + b"\n"


def damaged_spool(path: Path, good: list[SpoolEntry]) -> dict[int, str]:
    """Two good entries among every kind of damage; returns {line number: what is wrong with it}."""
    no_product = good[0].model_dump(mode="json")
    del no_product["finding"]["ProductArn"]
    other_account = good[0].model_dump(mode="json")
    other_account["account_id"] = "999999999999"  # names a hub its finding cannot be imported into
    lines: list[tuple[bytes, str]] = [
        (_line(good[0]), ""),
        (_line(good[1])[:150] + b"\n", "torn"),
        (b"\xff\xfe not UTF-8 \x80\n", "not UTF-8"),
        ((json.dumps(no_product) + "\n").encode(), "ProductArn"),
        (b"[1, 2, 3]\n", "not a spool entry"),
        (b"[" * 50_000 + b"]" * 50_000 + b"\n", "nested too deeply"),
        ((json.dumps(other_account) + "\n").encode(), "AwsAccountId"),
        (_line(good[1]), ""),
        (_line(good[0])[:-40], "torn"),  # a last line cut short, no newline
    ]
    path.write_bytes(b"".join(raw for raw, _ in lines))
    return {n: why for n, (_, why) in enumerate(lines, start=1) if why}


def _stored() -> dict[str, dict[str, Any]]:
    return {f["Id"]: f for f in hub.findings(MGMT, REGION)}


def test_resume_replays_the_good_entries_and_moves_every_bad_line_aside(
    hub_sandbox: Any, fast_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    findings = central_findings([member_result(a) for a in MEMBERS[:2]])
    path = Path(fast_settings.spool_path)
    bad = damaged_spool(path, [_entry(f) for f in findings])
    raw = path.read_bytes().split(b"\n")

    with caplog.at_level(logging.WARNING, logger="rootguard"):
        report = Publisher(hub_sandbox.session(), fast_settings).resume(path)

    assert (report.imported, report.spooled, report.quarantined) == (2, 0, len(bad))
    assert set(_stored()) == {f["Id"] for f in findings}
    assert not path.exists()  # everything usable landed, everything else was moved aside
    quarantined = quarantine_path(path).read_bytes()
    assert quarantined == b"".join(raw[n - 1] + b"\n" for n in sorted(bad))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for number, why in bad.items():
        (line,) = [w for w in warnings if f"{path} line {number}:" in w]
        assert why in line and "\n" not in line


def test_a_failing_publish_spools_its_findings_beside_a_damaged_spool(
    hub_sandbox: Any, fast_settings: Any
) -> None:
    """The run's failures were logged as spooled and then lost when the old spool could not be read."""
    old = central_findings([member_result(a) for a in MEMBERS[:2]])
    path = Path(fast_settings.spool_path)
    bad = damaged_spool(path, [_entry(f) for f in old])
    session = hub_sandbox.session()
    findings = central_findings([member_result(MEMBERS[2])])
    FailedFindingsInjector({findings[0]["Id"]: "InternalException"}).install(session)

    report = Publisher(session, fast_settings).publish(findings, checks_ran=[MEMBER_CHECK], run_at=RUN_1)

    assert report.spooled == 1
    held = {e.finding["Id"] for e in read_spool(path)}
    assert held == {findings[0]["Id"], *(f["Id"] for f in old)}
    assert quarantine_path(path).read_bytes().count(b"\n") == len(bad)


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    stray = tmp_path / ".spool.jsonl.k1ll3d.tmp"
    stray.write_text('{"half": ')
    finding = central_findings([member_result(MEMBERS[0])])[0]
    add_to_spool(path, [_entry(finding)])
    assert not stray.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spool.jsonl", "spool.jsonl.lock"]
    write_spool(path, [])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spool.jsonl.lock"]


def test_an_entry_must_carry_what_a_replay_needs() -> None:
    finding = central_findings([member_result(MEMBERS[0])])[0]
    for field in ("Id", "ProductArn", "UpdatedAt", "AwsAccountId"):
        broken = {k: v for k, v in finding.items() if k != field}
        with pytest.raises(ValueError, match=field):
            _entry(broken)
    with pytest.raises(ValueError, match="region"):
        SpoolEntry(account_id=MGMT, region="eu-west-1", finding=finding)
