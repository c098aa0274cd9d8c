"""`rootguard publish` on files a person hands it: empty or wrong input is one line and exit 2, never a
silent "0 imported"; a dry run writes its own file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_exit_contract import organization


def write(path: Path, text: str | bytes) -> str:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("content", "flag", "words"),
    [
        ("[]", None, "holds no findings"),
        ('{"results": []}', None, "holds no results"),
        ('{"results": 5}', None, "'results' must be a list of results, not int"),
        ('{"results": null}', None, "'results' must be a list of results, not NoneType"),
        ('{"results": [{"check_id": "x"}]}', None, "results[0].status: Field required"),
        ("", "--from-prowler", "no rootguard findings"),
        ("[]", "--from-prowler", "no rootguard findings"),
        ('[{"metadata": {"event_code": "iam_root_mfa_enabled"}}]', "--from-prowler", "1 of other checks"),
        ("", "--resume", "the spool is empty"),
        (b"\xff\xfe\x00", None, "not UTF-8"),
        (b"\xff\xfe\x00", "--from-prowler", "not UTF-8"),
        ("[" * 100_000 + "]" * 100_000, None, "nested too deeply"),
        ('{"a": 1', None, "not valid JSON"),
    ],
)
def test_unusable_input_is_one_line_exit_2(cli, tmp_path: Path, content, flag, words: str) -> None:
    path = write(tmp_path / "input.json", content)
    args = ["publish", path] if flag is None else ["publish", flag, path]
    code, _, err = cli(organization(), *args, "--output-dir", str(tmp_path / "out"))
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("rootguard: error:") and words in err, err


def test_a_dry_run_of_prowler_output_keeps_the_scans_findings_file(cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli(organization(), "scan")[0] == 0
    scan_findings = (out / "findings.asff.json").read_text()
    results = json.loads((out / "results.json").read_text())
    source = write(tmp_path / "results-copy.json", json.dumps(results))
    code, printed, err = cli(organization(), "publish", source, "--dry-run", "--output-dir", str(out))
    assert code == 0, err
    assert (out / "findings.asff.json").read_text() == scan_findings
    assert (out / "publish-dry-run.asff.json").is_file() and "nothing sent" in printed
