"""`rootguard report`: the reports again from results.json, a trend over several runs, and one-line errors
(exit 2) for input it cannot use; and `rootguard scan --output-formats`."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from reports_helpers import RUN_AT, member, org_result, write_results
from test_html import Page

from rootguard.models import NotEvaluatedReason, Status


def runs_of(tmp_path: Path) -> list[Path]:
    """Three daily runs as the scheduled scan stores them, members with root credentials going 3 -> 2 -> 0,
    the middle run without the member check (its member counts are unknown, not zero)."""
    base = tmp_path / "bucket" / "runs"
    org = org_result("iam_org_root_sessions_enabled", Status.PASS, "RootSessions is enabled.")
    sessions_off = org_result("iam_org_root_sessions_enabled", Status.FAIL, "RootSessions is not enabled.")

    def members(failing: int) -> list:
        return [
            member(
                f"2000000000{i:02d}",
                f"m{i}",
                Status.FAIL if i < failing else Status.PASS,
                kinds=("password",),
            )
            for i in range(6)
        ] + [member("200000000099", "gone", Status.NOT_EVALUATED, reason=NotEvaluatedReason.SUSPENDED)]

    day = timedelta(days=1)
    return [
        write_results(base / "2026/01/02/build-1/results.json", [sessions_off, *members(3)], run_at=RUN_AT),
        write_results(base / "2026/01/03/build-2/results.json", [org], run_at=RUN_AT + day),
        write_results(base / "2026/01/04/build-3/results.json", [org, *members(0)], run_at=RUN_AT + 2 * day),
    ]


def test_a_trend_over_the_runs_of_a_bucket(rootguard, tmp_path: Path) -> None:
    runs_of(tmp_path)
    state = tmp_path / "bucket" / "state"
    state.mkdir()
    shutil.copy(tmp_path / "bucket/runs/2026/01/04/build-3/results.json", state / "results.json")  # same run
    out = tmp_path / "report"
    code, printed, err = rootguard("report", str(tmp_path / "bucket"), "--output-dir", str(out))
    assert code == 0, err
    assert (
        "Trend over 3 runs, 2026-01-02 to 2026-01-04; member accounts with root credentials 3 -> 0" in printed
    )
    page = Page((out / "report.html").read_text(encoding="utf-8"))
    (trend,) = page.all("svg", **{"data-chart": "trend"})
    assert trend["data-runs"] == "3", "the state/ copy of the latest run counts once"
    series = {}
    for circle in page.all("circle"):
        series.setdefault(circle["data-series"], []).append(int(circle["data-value"]))
    assert series == {"pass": [3, 6], "fail": [3, 0], "ne": [0, 0]}, (
        "the run without the member check is a gap"
    )
    # The page itself is the latest run's.
    counts = {a["data-count"]: a["data-value"] for a in page.all("span") if "data-count" in a}
    assert counts["members-with-root-credentials"] == "0" and counts["members-clean"] == "6"
    assert (out / "results.csv").is_file() and not (out / "findings.ocsf.json").exists()


def test_one_file_renders_again_twice_in_the_same_folder(rootguard, demo_scan, tmp_path: Path) -> None:
    out = tmp_path / "again"
    for _ in (1, 2):
        code, printed, err = rootguard(
            "report", str(demo_scan.output_dir / "results.json"), "--output-dir", str(out),
            "--output-formats", "html", "csv,json-ocsf",
        )  # fmt: skip
        assert code == 0, err
        assert "o-rootguard01, run of 2026-01-02 03:04 UTC" in printed and "Trend" not in printed
    assert sorted(p.name for p in out.iterdir()) == ["findings.ocsf.json", "report.html", "results.csv"]
    for name in ("results.csv", "findings.ocsf.json"):
        assert (out / name).read_bytes() == (demo_scan.output_dir / name).read_bytes(), name
    again = (out / "report.html").read_text(encoding="utf-8")
    assert 'data-chart="trend"' not in again and "Results file" in again


def test_a_glob_the_shell_did_not_expand(rootguard, tmp_path: Path) -> None:
    runs_of(tmp_path)
    pattern = str(tmp_path / "bucket" / "runs" / "**" / "results.json")
    code, printed, err = rootguard("report", pattern, "--output-dir", str(tmp_path / "o"))
    assert code == 0 and "Trend over 3 runs" in printed, err


def _bad(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return str(path)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda t: str(t / "missing.json"), "no such file"),
        (lambda t: _bad(t, "x.json", "{"), "not valid JSON"),
        (lambda t: _bad(t, "x.json", b"\xff\xfe"), "not UTF-8"),
        (lambda t: _bad(t, "x.json", "[]"), "not a rootguard results file"),
        (lambda t: _bad(t, "x.json", '{"results": []}'), "no 'rootguard' section"),
        (lambda t: _bad(t, "x.json", '{"rootguard": {"run_at": "soon"}, "results": []}'), "rootguard.run_at"),
        (
            lambda t: _bad(t, "x.json", '{"rootguard": {"run_at": "2026-01-02T00:00:00Z"}, "results": []}'),
            "holds no results",
        ),
        (
            lambda t: _bad(
                t, "x.json", '{"rootguard": {"run_at": "2026-01-02T00:00:00Z"}, "results": [{"check_id": 1}]}'
            ),
            "results[0]",
        ),
        (lambda t: str(t), "no results.json in this folder"),
        (lambda t: str(t / "nothing-*.json"), "matches no file"),
    ],
)
def test_unusable_input_is_one_line_exit_2(rootguard, tmp_path: Path, make, words: str) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    code, _, err = rootguard("report", make(inputs), "--output-dir", str(tmp_path / "out"))
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("rootguard: error:") and words in err, err


def test_runs_of_two_organizations_are_refused(rootguard, tmp_path: Path) -> None:
    a = write_results(tmp_path / "a/results.json", [member("200000000001", "a", Status.PASS)])
    b = write_results(
        tmp_path / "b/results.json", [member("200000000001", "a", Status.PASS)], organization="o-other00001"
    )
    code, _, err = rootguard("report", str(a), str(b), "--output-dir", str(tmp_path / "out"))
    assert code == 2 and "2 organizations (o-hostile0001, o-other00001)" in err and err.count("\n") == 1, err


@pytest.mark.parametrize(
    ("formats", "words"),
    [(("json-asff",), "'json-asff': use one or more of csv, json-ocsf, html"), ((",",), "nothing given")],
)
def test_report_formats_are_checked(rootguard, demo_scan, tmp_path: Path, formats, words: str) -> None:
    code, _, err = rootguard(
        "report",
        str(demo_scan.output_dir / "results.json"),
        "--output-dir",
        str(tmp_path),
        "--output-formats",
        *formats,
    )
    assert code == 2 and words in err and err.count("\n") == 1, err


def test_an_output_dir_that_is_a_file_is_one_line(rootguard, demo_scan, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = rootguard(
        "report", str(demo_scan.output_dir / "results.json"), "--output-dir", str(blocker)
    )
    assert code == 2 and "is a file, not a folder" in err, err


# ------------------------------------------------------------------------------------ scan --output-formats


@pytest.fixture
def scan(demo_sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path):
    from rootguard.cli import main

    for name, value in demo_sandbox.env().items():
        monkeypatch.setenv(name, value)

    def run(*args: str) -> tuple[int, str, str, Path]:
        out = tmp_path / "scan"
        capsys.readouterr()
        code = main(["scan", "--output-dir", str(out), *args])
        printed, err = capsys.readouterr()
        return code, printed, err, out

    return run


def test_scan_writes_every_format_by_default_and_only_those_asked_for(scan) -> None:
    code, printed, err, out = scan()
    assert code == 3, err  # the demo is partial (SCP-blocked accounts)
    assert sorted(p.name for p in out.iterdir()) == [
        "findings.asff.json", "findings.ocsf.json", "report.html", "results.csv", "results.json",
    ]  # fmt: skip
    for name in ("results.csv", "findings.ocsf.json", "report.html"):
        assert str(out / name) in printed, name
    shutil.rmtree(out)
    code, printed, err, out = scan("--output-formats", "csv", "html")
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "results.csv", "results.json"]
    assert "asff" not in printed


def test_a_dry_run_always_writes_the_asff_it_shows(scan) -> None:
    _code, printed, err, out = scan("--output-formats", "html", "--publish", "--dry-run")
    assert (out / "findings.asff.json").is_file() and "nothing was sent" in printed, err


def test_json_stdout_is_unchanged_by_the_reports(scan) -> None:
    _code, printed, _err, out = scan("--format", "json", "--output-formats", "csv,json-ocsf,html")
    assert json.loads(printed) == json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("value", ["pdf", "csv,xlsx"])
def test_unknown_output_formats_are_one_line_exit_2(scan, value: str) -> None:
    code, _, err, out = scan("--output-formats", value)
    assert code == 2 and "use one or more of csv, json-ocsf, json-asff, html" in err and err.count("\n") == 1
    assert not out.exists(), "nothing was collected or written"
