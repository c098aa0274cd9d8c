"""The audit log is opened before anything changes, and every change has an intent before it and an outcome
after it: `rootguard remediate` in-process, on the sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from remediate_helpers import HARDWARE, LEFTOVERS, MGMT, everything_off, root_state, scenario

from rootguard.cli import main
from rootguard.sandbox import Sandbox


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], sandbox_factory: Any):
    """`rootguard ARGS` on a sandbox started from `scenario_`: (exit status, stdout, stderr, sandbox)."""

    def run(sb: Sandbox, *args: str) -> tuple[int, str, str]:
        for name, value in sb.env().items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _features(sb: Sandbox) -> tuple[list[str], list[str]]:
    """Trusted access and the organization features, as `rootguard remediate enable-centralized-root` sees them."""
    org = sb.session().client("organizations")
    trusted = sorted(
        p["ServicePrincipal"]
        for p in org.list_aws_service_access_for_organization()["EnabledServicePrincipals"]
    )
    try:
        features = sb.session().client("iam").list_organizations_features()["EnabledFeatures"]
    except Exception as exc:  # trusted access off: the call itself is refused
        assert "ServiceAccessNotEnabled" in type(exc).__name__
        features = []
    return trusted, sorted(features)


COMMANDS = {
    "delete": ["delete-root-credentials", "--account", LEFTOVERS, "--account", HARDWARE],
    "password": ["allow-password-recovery", "--account", HARDWARE],
    "enable": ["enable-centralized-root"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("where", ["under-a-file", "a-directory"])
def test_an_unusable_audit_log_is_one_line_exit_2_and_nothing_changes(
    cli, sandbox_factory: Any, tmp_path: Path, command: str, where: str
) -> None:
    sb = sandbox_factory(everything_off() if command == "enable" else scenario())
    if command == "password":
        sb.root_user(HARDWARE).clear()  # no password: allowing recovery would create a login profile
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file\n")
    log = blocker / "audit.jsonl" if where == "under-a-file" else tmp_path
    before = ({a: root_state(sb, a) for a in (LEFTOVERS, HARDWARE)}, _features(sb))

    code, out, err = cli(
        sb, "remediate", *COMMANDS[command], "--apply", "--yes", "--audit-log", str(log), "--output-dir",
        str(tmp_path / "out"),
    )  # fmt: skip

    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("rootguard: error:") and "audit log" in err, err
    assert "Traceback" not in err
    assert ({a: root_state(sb, a) for a in (LEFTOVERS, HARDWARE)}, _features(sb)) == before
    assert blocker.read_text() == "a regular file\n"


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_change_has_an_intent_before_it_and_its_outcome_before_the_next(
    cli, sandbox_factory: Any, tmp_path: Path
) -> None:
    sb = sandbox_factory(scenario())
    log = tmp_path / "audit.jsonl"

    code, out, err = cli(
        sb, "remediate", "delete-root-credentials", "--account", LEFTOVERS, "--account", HARDWARE, "--apply",
        "--yes", "--audit-log", str(log),
    )  # fmt: skip

    assert code == 0, (out, err)
    records = _records(log)
    assert records[0]["action"] == "rootguard:StartRun" and records[-1]["action"] == "rootguard:EndRun"
    assert len({r["run"] for r in records}) == 1
    changes = [r for r in records if r["change"]]
    # 6 steps in LEFTOVERS, 2 in HARDWARE: intent, outcome, intent, outcome, ...
    assert len(changes) == 2 * 8
    for intent, outcome in zip(changes[::2], changes[1::2], strict=True):
        assert intent["outcome"] == "INTENT" and outcome["outcome"] == "DONE"
        assert intent["change"] == outcome["change"]
        assert (intent["action"], intent["account"], intent["target"]) == (
            outcome["action"],
            outcome["account"],
            outcome["target"],
        )
        assert intent["timestamp"] <= outcome["timestamp"]
    assert len({r["change"] for r in changes}) == 8
    assert all(not sb.root_user(a).has_credentials for a in (LEFTOVERS, HARDWARE))


def test_a_rerun_reports_an_open_intent_and_records_what_the_reaudit_sees(
    cli, sandbox_factory: Any, tmp_path: Path
) -> None:
    """A run killed between an intent and its outcome leaves the intent open; the next run names it, re-audits
    that account, and closes it with what it observed."""
    sb = sandbox_factory(scenario())
    log = tmp_path / "audit.jsonl"
    code, _, err = cli(
        sb, "remediate", "delete-root-credentials", "--account", LEFTOVERS, "--apply", "--yes", "--audit-log",
        str(log),
    )  # fmt: skip
    assert code == 0, err
    lines = log.read_text(encoding="utf-8").splitlines()
    first_outcome = next(i for i, line in enumerate(lines) if '"outcome":"DONE"' in line)
    log.write_text("\n".join(lines[:first_outcome]) + "\n", encoding="utf-8")  # as if killed right there
    open_intent = json.loads(lines[first_outcome - 1])

    code, out, err = cli(
        sb, "remediate", "delete-root-credentials", "--account", HARDWARE, "--audit-log", str(log)
    )  # a dry run for another account

    assert code == 0, (out, err)
    assert "unfinished" in out and LEFTOVERS in out and open_intent["action"] in out, out
    closing = [r for r in _records(log) if r["change"] == open_intent["change"]]
    assert [r["outcome"] for r in closing] == ["INTENT", "OBSERVED_DONE"]
    assert closing[1]["run"] != open_intent["run"]

    code, out, _ = cli(
        sb, "remediate", "delete-root-credentials", "--account", HARDWARE, "--audit-log", str(log)
    )
    assert "unfinished" not in out  # reported once, then closed


def test_password_recovery_writes_intent_then_outcome(cli, sandbox_factory: Any, tmp_path: Path) -> None:
    sb = sandbox_factory(scenario())
    sb.root_user(HARDWARE).clear()
    log = tmp_path / "audit.jsonl"

    code, out, err = cli(
        sb, "remediate", "allow-password-recovery", "--account", HARDWARE, "--apply", "--yes", "--audit-log",
        str(log),
    )  # fmt: skip

    assert code == 0, (out, err)
    assert sb.root_user(HARDWARE).password
    changes = [(r["action"], r["outcome"]) for r in _records(log) if r["change"]]
    assert changes == [("iam:CreateLoginProfile", "INTENT"), ("iam:CreateLoginProfile", "DONE")]


def test_enable_writes_intent_then_outcome_for_each_step(cli, sandbox_factory: Any, tmp_path: Path) -> None:
    sb = sandbox_factory(everything_off())
    log = tmp_path / "audit.jsonl"

    code, out, err = cli(
        sb, "remediate", "enable-centralized-root", "--apply", "--yes", "--audit-log", str(log)
    )

    assert code == 0, (out, err)
    outcomes = [r["outcome"] for r in _records(log) if r["change"]]
    assert outcomes == ["INTENT", "DONE"] * 3
    assert MGMT in out or "o-remediate01" in out
