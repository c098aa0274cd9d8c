"""The exit status a scheduler relies on, on sandbox organizations written for each case; and what a person
sees on the way (the table, one-line errors). In-process: rootguard.cli.main on the in-process sandbox, with
the sandbox's scanner credentials in the environment, as a user's shell would have them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scp_documents import DENY_ROOT

MGMT = "111111111111"
MEMBERS = ["200000000001", "200000000002", "200000000003"]


def organization(**extra: Any) -> dict[str, Any]:
    """Every check passes: all features, trusted access, both features, members created after root
    credentials management (no root credentials), the management account's root user with hardware MFA."""
    scenario: dict[str, Any] = {
        "organization": {
            "id": "o-exitcontract1",
            "management_account": {"id": MGMT},
            "trusted_access": ["iam.amazonaws.com"],
            "root_access_features": ["RootCredentialsManagement", "RootSessions"],
            "ous": ["Locked"],
        },
        "accounts": [{"id": a, "name": f"member-{i}"} for i, a in enumerate(MEMBERS)],
        "securityhub": {"enabled": {MGMT: ["us-east-1"]}},
    }
    for key, value in extra.items():
        if key == "accounts":
            scenario["accounts"] = value
        else:
            scenario["organization"][key] = value
    return scenario


def results(tmp_path: Path) -> dict[str, Any]:
    return json.loads((tmp_path / "out" / "results.json").read_text())


# --------------------------------------------------------------------------------------------- statuses


def test_a_clean_organization_exits_0_even_asking_for_everything(cli, tmp_path: Path) -> None:
    code, out, _ = cli(organization(), "scan", "--fail-on", "all")
    assert code == 0, out
    summary = results(tmp_path)["summary"]["total"]
    assert summary == {"PASS": 7 - 1 + 3, "FAIL": 0, "NOT_EVALUATED": 0}  # 6 organization checks, 3 members
    assert "Member accounts: 3 clean, 0 with root credentials, 0 not evaluated" in out
    assert MGMT not in out.split("Member accounts")[1], "the management account is not counted as a member"


def test_a_clean_organization_publishes_and_exits_0(cli) -> None:
    code, out, err = cli(organization(), "scan", "--publish")
    assert code == 0, err
    assert "Security Hub CSPM: 9 imported" in out


def test_out_of_scope_accounts_do_not_make_a_run_partial(cli) -> None:
    accounts = [
        {"id": MEMBERS[0]},
        {"id": MEMBERS[1], "status": "SUSPENDED"},
        {"id": MEMBERS[2]},
    ]
    code, out, _ = cli(organization(accounts=accounts), "scan", "--fail-on", "all", "--config", "/dev/null")
    assert code == 0, out
    assert "1 not evaluated (1 of them out of scope)" in out


def test_a_failing_organization_exits_1_when_asked(cli) -> None:
    accounts = [{"id": MEMBERS[0], "joined": "INVITED", "root": {"password": True}}, {"id": MEMBERS[1]}]
    assert cli(organization(accounts=accounts), "scan", "--fail-on", "failed")[0] == 1
    assert cli(organization(accounts=accounts), "scan")[0] == 0  # a FAIL is news, not a broken run


def test_a_partial_run_exits_3_by_default(cli) -> None:
    accounts = [{"id": MEMBERS[0], "ou": "Locked"}, {"id": MEMBERS[1]}]
    scps = [{"name": "DenyRoot", "targets": ["Locked"], "document": DENY_ROOT}]
    code, out, _ = cli(organization(accounts=accounts, scps=scps), "scan")
    assert code == 3
    assert "[SCP_DENIED]" in out and "N/E = not evaluated" in out
    assert cli(organization(accounts=accounts, scps=scps), "scan", "--fail-on", "failed")[0] == 1  # SCP FAIL
    assert cli(organization(accounts=accounts, scps=scps), "scan", "--fail-on", "none")[0] == 0


def test_failed_wins_over_partial(cli) -> None:
    accounts = [{"id": MEMBERS[0], "ou": "Locked"}, {"id": MEMBERS[1], "joined": "INVITED"}]
    scps = [{"name": "DenyRoot", "targets": ["Locked"], "document": DENY_ROOT}]
    assert cli(organization(accounts=accounts, scps=scps), "scan", "--fail-on", "all")[0] == 1


# -------------------------------------------------------------------------------------- what people see


def test_the_member_summary_comes_last(cli) -> None:
    accounts = [{"id": a, "joined": "INVITED"} for a in MEMBERS]
    _, out, _ = cli(organization(accounts=accounts), "scan")
    member_part = out.split("\nMember accounts\n")[1].split("\nFiles:")[0].strip().splitlines()
    assert member_part[-1].strip().startswith("Member accounts: 0 clean, 3 with root credentials")


def test_checks_space_or_comma_separated(cli, tmp_path: Path) -> None:
    ids = ["iam_org_root_sessions_enabled", "organizations_iam_trusted_access_enabled"]
    assert cli(organization(), "scan", "--checks", *ids)[0] == 0
    assert results(tmp_path)["rootguard"]["checks"] == ids
    assert cli(organization(), "scan", "--checks", ",".join(ids))[0] == 0
    assert results(tmp_path)["rootguard"]["checks"] == ids


def test_json_output_carries_the_run_metadata(cli) -> None:
    _, out, _ = cli(organization(), "scan", "--format", "json")
    meta = json.loads(out)["rootguard"]
    assert meta["organization"] == "o-exitcontract1" and meta["caller"].endswith(":user/rootguard-scanner")
    assert meta["version"] and meta["run_at"] and len(meta["checks"]) == 7


def test_dry_run_says_so_and_sends_nothing(cli) -> None:
    code, out, _ = cli(organization(), "scan", "--publish", "--dry-run")
    assert code == 0 and "Dry run: 9 findings would be published" in out and "nothing was sent" in out
    import boto3

    hub = boto3.Session(region_name="us-east-1").client("securityhub")
    assert hub.get_findings()["Findings"] == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["scan", "--dry-run"], "--dry-run goes with --publish"),
        (["scan", "--region", "useast1"], "did you mean us-east-1?"),
        (["securityhub", "setup", "--region", "useast1"], "did you mean us-east-1?"),
        (["scan", "--fail-on", "sometimes"], "--fail-on"),
        (["remediate", "delete-root-credentials", "--account", "123"], "'123' is not a 12-digit account id"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(cli, args: list[str], words: str) -> None:
    code, _, err = cli(organization(), *args)
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.startswith("rootguard") and "error" in line]
    assert len(lines) == 1 and words in lines[0], err
    assert "Traceback" not in err


def test_an_unknown_flag_prints_that_commands_usage(cli) -> None:
    code, _, err = cli(organization(), "scan", "--bogus")
    assert code == 2
    assert "usage: rootguard scan" in err and "unrecognized arguments: --bogus" in err


def test_progress_in_a_log_and_each_account_at_debug(cli) -> None:
    _, _, err = cli(organization(), "scan")
    assert "rootguard: member audit 3/3 100%" in err and "\r" not in err  # stderr is not a terminal here
    _, _, err = cli(organization(), "scan", "-vv")
    for account in MEMBERS:
        assert f"member audit: {account} audited: clean" in err
