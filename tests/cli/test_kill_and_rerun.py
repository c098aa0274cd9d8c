"""`kill -9` at seeded random points, then a re-run: a publish, a replay and a remediation converge, and the
audit log tells the truth about every change that was made.

Each trial serves a fresh sandbox organization, starts `rootguard` as a subprocess against it, and sends
SIGKILL at a point drawn from a seeded generator (after so many findings landed, while the spool is being
written, after so many audit log lines, plus a random few milliseconds). It checks what the killed run left
behind (never half a spool, never a change without its intent line), runs the command again to completion,
and checks the end state against the sandbox itself.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from rootguard.findings import Placement, build_findings
from rootguard.models import ResourceKind, Result, ResultResource, Status
from rootguard.remediate import AuditLog
from rootguard.remediate.models import CredentialKind, fingerprint
from rootguard.sandbox import Sandbox
from rootguard.sandbox import securityhub as hub
from rootguard.securityhub.spool import BadLine, iter_spool
from rootguard.settings import SPOOL_FILE

pytestmark = pytest.mark.slow

MGMT = "111111111111"
ORG = "o-killtests01"
REGION = "us-east-1"
MEMBER_CHECK = "iam_member_root_credentials_absent"
SEEDS = (11, 12, 13, 14)


def organization(accounts: list[dict[str, Any]] | None = None, hub_on: bool = True) -> dict[str, Any]:
    return {
        "name": "kill-tests",
        "seed": 5,
        "organization": {
            "id": ORG,
            "management_account": {"id": MGMT},
            "trusted_access": ["iam.amazonaws.com"],
            "root_access_features": ["RootCredentialsManagement", "RootSessions"],
        },
        "accounts": accounts or [],
        "securityhub": {"enabled": {MGMT: [REGION]} if hub_on else {}},
    }


def start(sb: Sandbox, *args: str, limit_bytes: int | None = None) -> subprocess.Popen[str]:
    def limits() -> None:  # runs in the child only
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.Popen(
        [sys.executable, "-m", "rootguard.cli", *args],
        env={**os.environ, **sb.env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        preexec_fn=limits,
    )


def kill_when(proc: subprocess.Popen[str], ready: Callable[[], bool], extra: float = 0.0) -> bool:
    """SIGKILL once `ready()` holds (polled every millisecond) and `extra` more seconds have passed; False
    when the run ended first."""
    deadline = time.monotonic() + 300
    while proc.poll() is None and not ready():
        if time.monotonic() > deadline:
            raise AssertionError("the run never reached the point to kill it at")
        time.sleep(0.001)
    if proc.poll() is not None:
        return False
    time.sleep(extra)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return True


def stored_count() -> int:
    return len(hub.state(MGMT, REGION).findings)


def writing(folder: Path) -> Callable[[], bool]:
    """True while a spool write is under way (its temporary file exists)."""
    return lambda: folder.exists() and any(folder.glob(f".{SPOOL_FILE}.*.tmp"))


def finish(sb: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    proc = start(sb, *args)
    out, err = proc.communicate(timeout=600)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def spool_state(folder: Path) -> list[str]:
    """The spool a killed run left: every line must be an entry (writes are atomic), no key twice."""
    spool = folder / SPOOL_FILE
    items = list(iter_spool(spool))
    assert not [i for i in items if isinstance(i, BadLine)], "a kill left half a spool"
    keys = [i.key for i in items if not isinstance(i, BadLine)]
    assert len(keys) == len(set(keys)), "a finding is spooled twice"
    return [k[2] for k in keys]


def leftovers(folder: Path) -> list[str]:
    """Files a finished run must not leave: temporaries of killed writers, quarantined lines."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".quarantine")))


def findings_file(path: Path, count: int) -> list[str]:
    accounts = [f"{900000000000 + i:012d}" for i in range(count)]
    results = [
        Result(
            check_id=MEMBER_CHECK,
            status=Status.FAIL if i % 4 == 0 else Status.PASS,
            resource=ResultResource(
                kind=ResourceKind.ACCOUNT, id=a, arn=f"arn:aws:organizations::{MGMT}:account/{ORG}/{a}"
            ),
            message=f"Root user of {a}: checked.",
            details={"kinds": ["password"]} if i % 4 == 0 else {},
        )
        for i, a in enumerate(accounts)
    ]
    findings = build_findings(
        results, Placement(account_id=MGMT, region=REGION), datetime(2025, 1, 1, tzinfo=UTC)
    )
    path.write_text(json.dumps(findings))
    return [f["Id"] for f in findings]


@pytest.fixture
def served() -> Iterator[Callable[[dict[str, Any]], Sandbox]]:
    running: list[Sandbox] = []

    def serve(scenario: dict[str, Any]) -> Sandbox:
        while running:
            running.pop().stop()
        sb = Sandbox(scenario).serve()
        running.append(sb)
        return sb

    yield serve
    for sb in running:
        sb.stop()


def _stored_ids() -> list[str]:
    """The hub's finding ids. The served sandbox may still be answering the killed run's last request."""
    for _ in range(50):
        try:
            return [f["Id"] for f in hub.findings(MGMT, REGION)]
        except RuntimeError:  # its findings changed while they were copied: read again
            time.sleep(0.1)
    raise AssertionError("the sandbox's findings never stopped changing")


# ------------------------------------------------------------------------------------------------ publish


@pytest.mark.parametrize("seed", SEEDS)
def test_a_killed_publish_converges_on_the_rerun(served, tmp_path: Path, seed: int) -> None:
    """Killed at a seeded point: after some findings landed, or while the spool is being written."""
    sb = served(organization())
    count = 2000
    ids = findings_file(tmp_path / "findings.json", count)
    out = tmp_path / "out"
    # Some requests fail for good (their findings are spooled at the end), others are slow.
    sb.set_latency(service="securityhub", action="BatchImportFindings", fixed_ms=100, jitter_ms=100)
    sb.inject(service="securityhub", action="BatchImportFindings", code="AccessDeniedException", status=403,
              rate=0.25)  # fmt: skip
    rng = random.Random(seed)
    landed = rng.randint(1, count // 2)
    point = writing(out) if seed % 2 else (lambda: stored_count() >= landed)

    killed = kill_when(
        start(sb, "publish", str(tmp_path / "findings.json"), "--output-dir", str(out)),
        point,
        rng.uniform(0, 0.005 if seed % 2 else 0.2),
    )

    assert killed or seed % 2, "the run ended before the point to kill it at"
    if out.exists():
        assert set(spool_state(out)) <= set(ids)
    sb.clear_faults()
    done = finish(sb, "publish", str(tmp_path / "findings.json"), "--output-dir", str(out))
    assert done.returncode == 0, (killed, done.stdout, done.stderr)
    assert sorted(_stored_ids()) == sorted(ids)  # every finding, each once
    assert not (out / SPOOL_FILE).exists() and leftovers(out) == []


# ------------------------------------------------------------------------------------------------ resume


@pytest.mark.parametrize("seed", SEEDS)
def test_a_killed_resume_converges_on_the_rerun(served, tmp_path: Path, seed: int) -> None:
    """Killed at a seeded point: after some entries landed, or while the spool is being rewritten."""
    sb = served(organization(hub_on=False))
    count = 2000
    ids = findings_file(tmp_path / "findings.json", count)
    out = tmp_path / "out"
    spooling = finish(sb, "publish", str(tmp_path / "findings.json"), "--output-dir", str(out))
    assert spooling.returncode == 4 and sorted(spool_state(out)) == sorted(ids), spooling.stderr
    sb.session().client("securityhub").enable_security_hub(EnableDefaultStandards=False)
    sb.set_latency(service="securityhub", action="BatchImportFindings", fixed_ms=100, jitter_ms=100)
    rng = random.Random(seed)
    landed = rng.randint(1, count - 1)
    point = writing(out) if seed % 2 else (lambda: stored_count() >= landed)
    spool = str(out / SPOOL_FILE)

    killed = kill_when(
        start(sb, "publish", "--resume", spool, "--output-dir", str(out)),
        point,
        rng.uniform(0, 0.005 if seed % 2 else 0.2),
    )

    assert killed or seed % 2, "the replay ended before the point to kill it at"
    left = spool_state(out)
    assert set(left) | set(_stored_ids()) == set(ids)  # every finding is in the hub or still in the spool
    sb.clear_faults()
    if (out / SPOOL_FILE).exists():
        done = finish(sb, "publish", "--resume", spool, "--output-dir", str(out))
        assert done.returncode == 0, (killed, done.stdout, done.stderr)
    assert sorted(_stored_ids()) == sorted(ids)
    assert not (out / SPOOL_FILE).exists() and leftovers(out) == []


# -------------------------------------------------------------------------------------------- remediation

DIRTY = ["300000000001", "300000000002", "300000000003"]
ROOT = {
    "password": True,
    "access_keys": [{"status": "Active"}, {"status": "Inactive"}],
    "mfa": [{"type": "virtual"}],
    "signing_certificates": [{"status": "Active"}],
}


def credentials(sb: Sandbox, account: str) -> dict[tuple[str, str], str]:
    """(action that removes it, fingerprint or '') -> a label, for every root credential of the account."""
    root = sb.root_user(account)
    out: dict[tuple[str, str], str] = {}
    if root.password:
        out[("iam:DeleteLoginProfile", "")] = "password"
    for key in root.access_keys:
        out[("iam:DeleteAccessKey", fingerprint(CredentialKind.ACCESS_KEY, key.access_key_id))] = "access key"
    for cert in root.signing_certificates:
        fp = fingerprint(CredentialKind.SIGNING_CERTIFICATE, cert.certificate_id)
        out[("iam:DeleteSigningCertificate", fp)] = "certificate"
    for device in root.mfa_devices:
        out[("iam:DeactivateMFADevice", fingerprint(CredentialKind.MFA_DEVICE, device.serial))] = "mfa"
    return out


def check_log_tells_the_truth(
    sb: Sandbox, log: AuditLog, before: dict[str, dict[tuple[str, str], str]]
) -> None:
    """Every credential that is gone has an INTENT line naming it; every DONE names one that is gone."""
    records = log.read()
    intents = {(r.account, r.action, r.fingerprint) for r in records if r.outcome == "INTENT"}
    done = {(r.account, r.action, r.fingerprint) for r in records if r.outcome in ("DONE", "OBSERVED_DONE")}
    for account, had in before.items():
        now = credentials(sb, account)
        for (action, fp), label in had.items():
            if (action, fp) not in now:
                assert (account, action, fp) in intents, f"{account}: {label} deleted without an intent line"
            else:
                assert (account, action, fp) not in done, f"{account}: {label} logged DONE but still there"


@pytest.mark.parametrize("seed", SEEDS)
def test_a_killed_remediation_leaves_a_truthful_log_and_converges(served, tmp_path: Path, seed: int) -> None:
    sb = served(organization([{"id": a, "joined": "INVITED", "root": ROOT} for a in DIRTY]))
    sb.set_latency(service="iam", fixed_ms=120, jitter_ms=60)
    before = {a: credentials(sb, a) for a in DIRTY}
    log_path = tmp_path / "audit.jsonl"
    command = ["remediate", "delete-root-credentials", *(x for a in DIRTY for x in ("--account", a)),
               "--apply", "--yes", "--audit-log", str(log_path)]  # fmt: skip
    rng = random.Random(seed)
    lines = rng.randint(2, 40)  # a whole run writes about 50 lines: start, 2 x 21 for the changes, re-audits

    killed = kill_when(
        start(sb, *command),
        lambda: log_path.exists() and log_path.read_bytes().count(b"\n") >= lines,
        rng.uniform(0, 0.15),  # the IAM calls take 120-180 ms: often between an intent and its outcome
    )

    assert killed, "the run ended before the point to kill it at"
    check_log_tells_the_truth(sb, AuditLog(log_path), before)
    unfinished = AuditLog(log_path).open_intents()
    sb.clear_faults()
    done = finish(sb, *command)
    assert done.returncode == 0, (lines, done.stdout, done.stderr)
    for intent in unfinished:  # each change the kill left open is named, then closed with what was seen
        assert f"{intent.action} {intent.target}" in done.stdout
    assert AuditLog(log_path).open_intents() == []
    assert all(not sb.root_user(a).has_credentials for a in DIRTY)
    check_log_tells_the_truth(sb, AuditLog(log_path), before)


def test_an_audit_log_that_stops_taking_writes_stops_the_run(served, tmp_path: Path) -> None:
    """A full disk after a few lines (RLIMIT_FSIZE): exit 3, one line, and nothing changed past the log."""
    sb = served(organization([{"id": a, "joined": "INVITED", "root": ROOT} for a in DIRTY]))
    before = {a: credentials(sb, a) for a in DIRTY}
    log_path = tmp_path / "audit.jsonl"
    command = ["remediate", "delete-root-credentials", *(x for a in DIRTY for x in ("--account", a)),
               "--apply", "--yes", "--audit-log", str(log_path)]  # fmt: skip

    proc = start(sb, *command, limit_bytes=2500)  # the start line and a few intents and outcomes
    out, err = proc.communicate(timeout=300)

    assert proc.returncode == 3, (out, err)
    assert err.count("\n") == 1 and "audit log" in err and "cannot write" in err, err
    check_log_tells_the_truth(sb, AuditLog(log_path), before)
    gone = sum(len(before[a]) - len(credentials(sb, a)) for a in DIRTY)
    assert 0 < gone <= len([r for r in AuditLog(log_path).read() if r.outcome == "INTENT"])
    assert any(sb.root_user(a).has_credentials for a in DIRTY)  # it stopped: the rest is untouched
