"""results.json and findings.asff.json, written element by element: the same parsed content as one indented
dump of the whole document, valid JSON in every shape, and memory that does not grow with the file."""

from __future__ import annotations

import io
import json
import sys
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "findings"))

from findings_samples import MGMT, RUN_AT
from test_templates import varied_results

from rootguard.findings import Placement, build_findings
from rootguard.outputs import (
    JsonArrayWriter,
    dump_json,
    results_document,
    stream_findings,
    stream_results,
    write_findings,
    write_json_array,
    write_results,
)

META = {
    "version": "0",
    "run_at": RUN_AT.isoformat(),
    "caller": "arn:aws:iam::111122223333:user/x",
    "checks": [],
}


@pytest.mark.parametrize(
    "items",
    [
        [],
        [1],
        [{"a": [1, 2]}, "ü ✓", None, 2.5, {"nested": {"deep": []}}],
        [datetime(2025, 1, 1, tzinfo=UTC)],
    ],
)
@pytest.mark.parametrize("level", [0, 1, 3])
def test_the_array_writer_writes_valid_json_at_any_depth(items: list[Any], level: int) -> None:
    out = io.StringIO()
    out.write("[" * level)
    with JsonArrayWriter(out, level=level) as array:
        array.extend(items)
    out.write("]" * level)
    parsed = json.loads(out.getvalue())
    for _ in range(level):
        parsed = parsed[0]
    assert parsed == json.loads(json.dumps(items, default=str))
    assert array.count == len(items)


def test_elements_given_as_json_text_and_a_closed_array() -> None:
    out = io.StringIO()
    array = JsonArrayWriter(out)
    array.write_json('{"already":"json"}')
    array.write({"b": 1})
    array.close()
    array.close()  # closing twice writes nothing more
    assert json.loads(out.getvalue()) == [{"already": "json"}, {"b": 1}]
    assert out.getvalue().count("\n") == 3  # one element per line
    with pytest.raises(ValueError, match="closed"):
        array.write(1)


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    write_json_array(path, [1, 2])

    def items() -> Any:
        yield 3
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_json_array(path, items())
    assert json.loads(path.read_text()) == [1, 2]


def test_results_file_parses_to_the_indented_document(tmp_path: Path) -> None:
    results = varied_results(600, seed=4)
    write_results(tmp_path / "results.json", results, META)
    written = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert written == json.loads(dump_json(results_document(results, META)))
    assert list(written) == ["rootguard", "summary", "results"]


def test_findings_file_parses_to_the_indented_array(tmp_path: Path) -> None:
    findings = build_findings(
        varied_results(600, seed=8), Placement(account_id=MGMT, region="eu-west-1"), RUN_AT
    )
    write_findings(tmp_path / "f.json", findings)
    assert json.loads((tmp_path / "f.json").read_text(encoding="utf-8")) == json.loads(dump_json(findings))
    empty = io.StringIO()
    assert stream_findings(empty, []) == 0 and json.loads(empty.getvalue()) == []


def test_writing_holds_one_finding_at_a_time(tmp_path: Path) -> None:
    findings = build_findings(
        varied_results(3000, seed=1), Placement(account_id=MGMT, region="eu-west-1"), RUN_AT
    )
    path = tmp_path / "f.json"
    write_findings(path, findings[:10])  # warm-up: imports, encoder
    tracemalloc.start()
    try:
        write_findings(path, findings)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = path.stat().st_size
    assert size > 5_000_000
    assert peak < size / 20, (peak, size)  # a whole-document dump holds the file's text and more


def test_standard_output_in_any_encoding_gets_the_whole_document() -> None:
    """`scan --format json|asff` writes to standard output, whose encoding may be ASCII (LANG=C) or cp1252:
    every non-ASCII character is escaped there, so the document is whole and parses to the same content."""
    results = varied_results(200, seed=4)
    findings = build_findings(results, Placement(account_id=MGMT, region="eu-west-1"), RUN_AT)
    assert any(not f["Description"].isascii() for f in findings)  # cut texts end with an ellipsis
    for encoding in ("ascii", "cp1252"):
        for write, expected in (
            (
                lambda h: stream_results(h, results, META, ascii_only=True),
                results_document(results, META),
            ),
            (lambda h: stream_findings(h, findings, ascii_only=True), findings),
        ):
            raw = io.BytesIO()
            handle = io.TextIOWrapper(raw, encoding=encoding, errors="strict")
            write(handle)
            handle.flush()
            assert raw.getvalue().isascii()
            assert json.loads(raw.getvalue()) == json.loads(dump_json(expected))
