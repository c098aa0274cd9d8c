"""The fault matrix: every call rootguard makes, under each kind of failure, keeps the same promises.

For each (fault, call) cell, on one sandbox organization whose fault-free run is clean (exit 0):

1. a fault-free `scan --publish` fixes the baseline: its results, and the findings in Security Hub;
2. the fault is injected on that call (every matching request, for the whole run) and `scan --publish` runs;
3. the invariants below are checked, the fault is lifted, and a fault-free `scan --publish` (which also
   replays the spool) must bring Security Hub back to exactly the baseline's findings.

Invariants (`ROOTGUARD_FAULT_MATRIX_TABLE=PATH` writes the matrix there as a Markdown table):

- `one`: every member account has exactly one member-check result, or the member check says on the
  organization that its account list is incomplete (and then no account has two);
- `no-false-pass`: every result is its baseline's verdict or NOT_EVALUATED: a fault never turns anything
  into PASS (or into FAIL);
- `no-archive`: no finding of the baseline was archived (every baseline resource is still there, so nothing
  was resolved: an archive would be a fault's doing);
- `kept`: every finding of the run's ASFF file is in Security Hub with this run's UpdatedAt, or in the spool;
- `exit`: 3 when something in scope was not evaluated or a finding was spooled, 4 when Security Hub refused
  rootguard outright (set-up error, files still written), else 0; never 1 (FAILED is not in the default
  --fail-on) and never 2;
- `no-traceback`: stderr has no traceback, and every line rootguard writes there is one line;
- `converges`: after the fault is lifted, one fault-free run (which replays the spool first) restores the
  baseline exactly and leaves the spool empty.

Faults: `throttle` (the service's own throttling error), `5xx` (ServiceUnavailable, 503), `denied` (the
service's AccessDenied), `reset` (the connection drops without an answer), `dead` (nothing listens at the
endpoint for that call). Each is persistent: every matching request fails for the whole run, the hardest
case; retries must give up within the run's budget (here max_attempts 2 and retry_budget_seconds 2 for the
collection, max_attempts 2 and retry_rounds 1 for Security Hub).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.config import Config

from rootguard.cli import main
from rootguard.models import NotEvaluatedReason
from rootguard.sandbox import DEMO_SCENARIO, Sandbox

pytestmark = pytest.mark.slow

MGMT = "111111111111"
MEMBER_CHECK = "iam_member_root_credentials_absent"
FAULTS: dict[str, dict[str, Any]] = {
    "throttle": {},  # code filled per service below
    "5xx": {"code": "ServiceUnavailable", "status": 503},
    "denied": {},
    "reset": {"code": "ConnectionReset"},
    "dead": {"code": "ConnectionRefused"},
}
THROTTLING = {"sts": "Throttling", "iam": "Throttling", "organizations": "TooManyRequestsException",
              "securityhub": "TooManyRequestsException"}  # fmt: skip
DENIED = {"sts": "AccessDenied", "iam": "AccessDenied", "organizations": "AccessDeniedException",
          "securityhub": "AccessDeniedException"}  # fmt: skip

# (label, service, action patterns, calling account or None for any): every call a scan --publish makes.
CALLS: list[tuple[str, str, tuple[str, ...], str | None]] = [
    ("DescribeOrganization", "organizations", ("DescribeOrganization",), None),
    ("ListAccounts, ListAccountsForParent", "organizations", ("ListAccounts*",), None),
    ("ListRoots", "organizations", ("ListRoots",), None),
    ("ListOrganizationalUnitsForParent", "organizations", ("ListOrganizationalUnitsForParent",), None),
    ("SCP reads (ListPolicies, DescribePolicy, ListTargetsForPolicy)", "organizations", ("*Polic*",), None),
    ("ListAWSServiceAccessForOrganization", "organizations", ("ListAWSServiceAccess*",), None),
    ("ListDelegatedAdministrators", "organizations", ("ListDelegatedAdministrators",), None),
    ("iam:ListOrganizationsFeatures", "iam", ("ListOrganizationsFeatures",), None),
    ("management root (GetAccountSummary, ListVirtualMFADevices)", "iam",
     ("GetAccountSummary", "ListVirtualMFADevices"), MGMT),
    ("sts:AssumeRoot", "sts", ("AssumeRoot",), None),
    ("root session: GetAccountSummary", "iam", ("GetAccountSummary",), None),
    ("root session: GetLoginProfile, List{AccessKeys,MFADevices,SigningCertificates}", "iam",
     ("GetLoginProfile", "List[AMS]*"), None),
    ("GetFindings", "securityhub", ("GetFindings",), None),
    ("BatchImportFindings", "securityhub", ("BatchImportFindings",), None),
    ("BatchUpdateFindings", "securityhub", ("BatchUpdateFindings",), None),
]  # fmt: skip
CONFIG = "max_attempts: 1\nretry_budget_seconds: 1\nsecurityhub: {max_attempts: 1, retry_rounds: 0}\n"
# The baseline and the healing runs: a schedule's defaults. Runs follow each other within seconds, so the
# sandbox's Security Hub quotas (GetFindings 3/s, burst 6) can throttle them: the defaults' retries absorb
# that, as they would against AWS; the faulted run keeps CONFIG's single attempts.
DEFAULT_CONFIG = "{}\n"


def matrix_scenario() -> dict[str, Any]:
    """The demo organization without its legacy deny-root SCP: every in-scope member can be audited, so the
    fault-free run exits 0, and a deny-root SCP with the root-session exemption still has to be read for the
    SCP check to PASS. Members with credentials FAIL (not in the default --fail-on)."""
    data = yaml.safe_load(Path(DEMO_SCENARIO).read_text(encoding="utf-8"))
    org = data["organization"]
    org["scps"] = [s for s in org["scps"] if s["name"] != "DenyRootUser"]
    data["securityhub"].pop("other_controls", None)
    data["securityhub"]["root_controls_without_credentials"] = "NOT_APPLICABLE"
    data["securityhub"]["standards"] = []
    return data


@dataclass
class Run:
    rc: int
    out: str
    err: str
    results: list[dict[str, Any]]
    asff: list[dict[str, Any]]
    spooled: dict[str, str]  # this run's findings held in the spool: id -> UpdatedAt


@dataclass
class Matrix:
    sb: Sandbox
    root: Path
    baseline: Run | None = None
    hub_baseline: dict[str, dict[str, Any]] = field(default_factory=dict)
    cells: dict[tuple[str, str], dict[str, bool | str]] = field(default_factory=dict)
    count: int = 0

    def run(self, *argv: str, config_text: str = CONFIG) -> Run:
        """One run in the same output folder, as a schedule would (the spool lives there)."""
        self.count += 1
        out_dir = self.root / "out"
        config = self.root / "rootguard.yaml"
        config.write_text(config_text, encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main([*argv, "--output-dir", str(out_dir), "--config", str(config)])
        return Run(rc, out.getvalue(), err.getvalue(), *self._files(out_dir))

    def _files(self, out_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str]]:
        results_file, asff_file = out_dir / "results.json", out_dir / "findings.asff.json"
        results = json.loads(results_file.read_text())["results"] if results_file.exists() else []
        asff = json.loads(asff_file.read_text()) if asff_file.exists() else []
        spooled: dict[str, str] = {}
        spool = out_dir / "securityhub-spool.jsonl"
        stamps = {f["UpdatedAt"] for f in asff}
        if spool.exists():
            for line in spool.read_text(encoding="utf-8").splitlines():
                finding = json.loads(line)["finding"]
                if finding.get("UpdatedAt") in stamps:
                    spooled[finding["Id"]] = finding["UpdatedAt"]
        return results, asff, spooled

    def hub(self) -> dict[str, dict[str, Any]]:
        """rootguard's findings in the management account's hub (the scan's central placement)."""
        # The judge reads under the sandbox's GetFindings quota too, right after a run that spent it: it
        # retries as long as it takes (the runs under test keep their own retry settings).
        patient = Config(retries={"mode": "standard", "max_attempts": 30})
        client = self.sb.session(MGMT).client("securityhub", region_name="us-east-1", config=patient)
        found: dict[str, dict[str, Any]] = {}
        for page in client.get_paginator("get_findings").paginate(
            Filters={"Id": [{"Value": "rootguard/", "Comparison": "PREFIX"}]}, MaxResults=100
        ):
            for finding in page["Findings"]:
                found[finding["Id"]] = finding
        return found


def verdicts(results: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(check, member account or "organization") -> status. An organization-level result is keyed on the
    organization whatever resource it names (the caller's account stands in when the organization could not
    be read)."""
    return {(r["check_id"], subject(r)): r["status"] for r in results}


def subject(r: dict[str, Any]) -> str:
    member = r["check_id"] == MEMBER_CHECK and r["resource"]["kind"] == "ACCOUNT"
    return r["resource"]["id"] if member and "organization_error" not in r["details"] else "organization"


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Any:
    sb = Sandbox(matrix_scenario()).start()
    with pytest.MonkeyPatch.context() as mp:
        for name, value in sb.env(MGMT).items():
            mp.setenv(name, value)
        mp.delenv("AWS_PROFILE", raising=False)
        m = Matrix(sb, tmp_path_factory.mktemp("fault-matrix"))
        m.baseline = m.run("scan", "--publish", config_text=DEFAULT_CONFIG)
        assert m.baseline.rc == 0, m.baseline.out + m.baseline.err
        assert not m.baseline.spooled
        m.hub_baseline = m.hub()
        assert set(m.hub_baseline) == {f["Id"] for f in m.baseline.asff}
        yield m
    sb.stop()
    table = os.environ.get("ROOTGUARD_FAULT_MATRIX_TABLE")  # a path: write the table there (Markdown)
    if m.cells and table:
        Path(table).write_text(render(m.cells), encoding="utf-8")


def render(cells: dict[tuple[str, str], dict[str, bool | str]]) -> str:
    faults = list(FAULTS)
    lines = ["| call | " + " | ".join(faults) + " |", "|---|" + "---|" * len(faults)]
    for label, *_ in CALLS:
        row = []
        for fault in faults:
            cell = cells.get((fault, label))
            if cell is None:
                row.append("")
                continue
            held = all(v for k, v in cell.items() if k != "exit-code")
            row.append(f"{'held' if held else 'BROKEN'} (exit {cell['exit-code']})")
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def fault_rule(fault: str, service: str, action: str, account: str | None) -> dict[str, Any]:
    rule: dict[str, Any] = {"service": service, "action": action, **FAULTS[fault]}
    if fault == "throttle":
        rule["code"] = THROTTLING[service]
    if fault == "denied":
        rule["code"] = DENIED[service]
    if account is not None:
        rule["account"] = account
    return rule


def expected_exit(run: Run, hub_refused: bool) -> set[int]:
    in_scope_ne = [
        r for r in run.results
        if r["status"] == "NOT_EVALUATED" and not NotEvaluatedReason(r["reason"]).out_of_scope
    ]  # fmt: skip
    if hub_refused:
        return {4}
    return {3} if in_scope_ne or run.spooled else {0}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize(("label", "service", "action", "account"), CALLS, ids=[c[0] for c in CALLS])
def test_fault_matrix(
    matrix: Matrix, fault: str, label: str, service: str, action: tuple[str, ...], account: str | None
) -> None:
    m = matrix
    assert m.baseline is not None
    base = verdicts(m.baseline.results)
    members = {r["resource"]["id"] for r in m.baseline.results if r["check_id"] == MEMBER_CHECK}

    for pattern in action:
        m.sb.inject(**fault_rule(fault, service, pattern, account))
    try:
        run = m.run("scan", "--publish")
    finally:
        m.sb.clear_faults()
    hub = m.hub()
    cell: dict[str, bool | str] = {"exit-code": str(run.rc)}

    # one: exactly one member result per account, or the explicit incomplete marker
    member_results = Counter(r["resource"]["id"] for r in run.results if r["check_id"] == MEMBER_CHECK)
    # the marker: a NOT_EVALUATED member-check result about the organization (on the organization, or on
    # the caller's account when the organization itself could not be read)
    marker = any(
        r["check_id"] == MEMBER_CHECK
        and r["status"] == "NOT_EVALUATED"
        and (r["resource"]["kind"] == "ORGANIZATION" or "organization_error" in r["details"])
        for r in run.results
    )
    per_account = {a: n for a, n in member_results.items() if a in members}
    cell["one"] = all(n == 1 for n in per_account.values()) and (marker or set(per_account) == members)

    # no-false-pass: baseline verdict or NOT_EVALUATED, never better, never a new FAIL
    now = verdicts(run.results)
    cell["no-false-pass"] = all(
        status == "NOT_EVALUATED" or base.get(key) == status for key, status in now.items()
    ) and all(key in now or marker for key in base)

    # no-archive: nothing the baseline published was archived
    cell["no-archive"] = all(hub.get(fid, {}).get("RecordState") == "ACTIVE" for fid in m.hub_baseline)

    # kept: every finding of this run is in the hub at this run's UpdatedAt, or in the spool
    hub_refused = run.rc == 4
    cell["kept"] = all(
        hub.get(f["Id"], {}).get("UpdatedAt") == f["UpdatedAt"] or run.spooled.get(f["Id"]) == f["UpdatedAt"]
        for f in run.asff
    ) and (bool(run.asff) or run.rc == 4)

    # exit: as documented
    cell["exit"] = run.rc in expected_exit(run, hub_refused) and run.rc not in (1, 2)

    # no-traceback: no traceback; every rootguard line on stderr is a line of its own
    cell["no-traceback"] = "Traceback" not in run.err and "Traceback" not in run.out

    # converges: a fault-free run (which replays the spool) restores the baseline
    healed = m.run("scan", "--publish", config_text=DEFAULT_CONFIG)
    active = {fid for fid, f in m.hub().items() if f["RecordState"] == "ACTIVE"}
    # (findings a fault made the run write under other ids, say the account's when the organization could
    # not be read, are archived by the healing run: history, not active findings)
    spool = m.root / "out" / "securityhub-spool.jsonl"
    drained = not spool.exists() or not spool.read_text(encoding="utf-8").strip()
    cell["converges"] = (
        healed.rc == 0 and verdicts(healed.results) == base and active == set(m.hub_baseline) and drained
    )
    m.cells[(fault, label)] = cell
    broken = [k for k, v in cell.items() if k != "exit-code" and not v]
    assert not broken, (
        f"{fault} on {label}: {broken} (exit {run.rc})\n{run.out[-3000:]}\n{run.err[-3000:]}\n"
        f"healing run (exit {healed.rc}):\n{healed.out[-2000:]}\n{healed.err[-2000:]}"
    )
