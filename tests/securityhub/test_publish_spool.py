"""The spool file: round trip, merge, settle, atomicity and errors."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from publisher_helpers import MEMBERS, central_findings, member_result

from rootguard.securityhub.spool import (
    BadLine,
    SpoolEntry,
    SpoolError,
    add_to_spool,
    iter_spool,
    merge_entries,
    read_spool,
    settle_spool,
    write_spool,
)


def entry(
    fid: str = "rootguard/x",
    updated: str = "2025-01-01T00:00:00.000Z",
    *,
    account_id: str = "111111111111",
    region: str = "us-east-1",
    **changes: object,
) -> SpoolEntry:
    finding = {
        "Id": fid,
        "ProductArn": f"arn:aws:securityhub:{region}:{account_id}:product/{account_id}/default",
        "GeneratorId": "rootguard/iam_member_root_credentials_absent",
        "AwsAccountId": account_id,
        "CreatedAt": updated,
        "UpdatedAt": updated,
    }
    values: dict[str, object] = {"account_id": account_id, "region": region, "finding": finding}
    values.update(changes)
    return SpoolEntry.model_validate(values)


def test_round_trip_keeps_every_field_and_real_findings(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    findings = central_findings([member_result(a) for a in MEMBERS])
    entries = [
        SpoolEntry(account_id="111111111111", region="us-east-1", finding=f, error_code="InternalException",
                   error_message="boom", attempts=3, role_name="rootguard-publisher", kind="finding")
        for f in findings
    ]  # fmt: skip
    assert write_spool(path, entries) == 3
    assert read_spool(path) == entries
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["finding"] == findings[0]


def test_spool_file_is_private_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "out" / "spool.jsonl"
    write_spool(path, [entry()])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["spool.jsonl", "spool.jsonl.lock"]


def test_writing_nothing_removes_the_spool(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    write_spool(path, [entry()])
    write_spool(path, [])
    assert not path.exists()
    assert read_spool(path) == []


def test_merge_keeps_the_newest_version_of_each_finding() -> None:
    old = [entry("a", "2025-01-01T00:00:00Z"), entry("b", "2025-01-05T00:00:00Z")]
    new = [entry("a", "2025-01-02T00:00:00Z"), entry("b", "2025-01-04T00:00:00Z"), entry("c")]
    merged = merge_entries(old, new)
    assert [(e.finding["Id"], e.finding["UpdatedAt"]) for e in merged] == [
        ("a", "2025-01-02T00:00:00Z"),
        ("b", "2025-01-05T00:00:00Z"),
        ("c", "2025-01-01T00:00:00.000Z"),
    ]


def test_same_id_in_different_hubs_are_different_entries() -> None:
    merged = merge_entries(
        [entry("a")], [entry("a", region="eu-west-1"), entry("a", account_id="222222222222")]
    )
    assert len(merged) == 3


def test_add_merges_into_what_is_already_spooled(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    assert add_to_spool(path, [entry("a"), entry("b")]) == 2
    assert add_to_spool(path, [entry("b", "2025-02-01T00:00:00Z"), entry("c")]) == 3
    assert {e.finding["Id"]: e.updated_at for e in read_spool(path)}["b"] == "2025-02-01T00:00:00Z"


def test_settle_removes_done_replaces_failed_and_keeps_newer_entries(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    a, b = entry("a"), entry("b")
    write_spool(path, [a, b])
    add_to_spool(path, [entry("c")])  # added by another run meanwhile
    again = b.model_copy(update={"error_code": "InternalException", "attempts": 2})
    remaining = settle_spool(path, {(*a.key, a.updated_at): None, (*b.key, b.updated_at): again})
    assert remaining == 2
    assert [(e.finding["Id"], e.error_code) for e in read_spool(path)] == [
        ("b", "InternalException"),
        ("c", ""),
    ]


def test_settle_does_not_remove_an_entry_replaced_by_a_newer_version(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    a = entry("a")
    write_spool(path, [a])
    add_to_spool(path, [entry("a", "2025-06-01T00:00:00Z")])
    settle_spool(path, {(*a.key, a.updated_at): None})
    assert [e.updated_at for e in read_spool(path)] == ["2025-06-01T00:00:00Z"]


def test_a_corrupt_line_is_skipped_and_named(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    write_spool(path, [entry()])
    with path.open("a") as handle:
        handle.write('{"account_id": "12", "region": "us-east-1", "finding": {}}\n')
    assert read_spool(path) == [entry()]
    (_good, bad) = list(iter_spool(path))
    assert isinstance(bad, BadLine) and bad.number == 2
    assert bad.problem.startswith("account_id: String should match pattern")


def test_not_json_is_named(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    path.write_text("not json\n")
    (bad,) = list(iter_spool(path))
    assert isinstance(bad, BadLine) and bad.number == 1 and "not valid JSON" in bad.problem


def test_a_folder_is_not_a_spool(tmp_path: Path) -> None:
    with pytest.raises(SpoolError, match="is a folder"):
        read_spool(tmp_path)
