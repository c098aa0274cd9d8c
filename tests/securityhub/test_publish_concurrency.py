"""Two publishers at once converge: a read whose NextToken expires starts again instead of spooling every
finding, and publishers sharing an output folder take turns through its lock."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from publisher_helpers import MEMBER_CHECK, MGMT, REGION, RUN_1, RUN_2, central_findings, member_result

from rootguard.models import Status
from rootguard.sandbox import securityhub as hub
from rootguard.securityhub import Publisher, PublishSettings
from rootguard.securityhub.lock import publish_lock
from rootguard.securityhub.spool import read_spool


def _findings(count: int, run_at: Any = RUN_1) -> list[dict[str, Any]]:
    accounts = [f"{900000000000 + i:012d}" for i in range(count)]
    return central_findings([member_result(a, Status.PASS) for a in accounts], run_at)


def _stored() -> dict[str, dict[str, Any]]:
    return {f["Id"]: f for f in hub.findings(MGMT, REGION)}


class ImportBetweenPages:
    """After the first GetFindings page, another publisher imports a finding, as a concurrent run does: the
    hub's open NextTokens stop working (the sandbox invalidates them on import)."""

    def __init__(self, sb: Any, finding: dict[str, Any], times: int = 1) -> None:
        self.other = sb.session().client("securityhub")
        self.finding = finding
        self.left = times

    def install(self, session: Any) -> Any:
        session.events.register("after-call.securityhub.GetFindings", self._after)
        return session

    def _after(self, parsed: dict[str, Any], **_: Any) -> None:
        if self.left and parsed.get("NextToken"):
            self.left -= 1
            self.other.batch_import_findings(Findings=[self.finding])


def test_an_expired_next_token_reads_again_instead_of_spooling_everything(
    hub_sandbox: Any, fast_settings: PublishSettings, caplog: pytest.LogCaptureFixture
) -> None:
    first = _findings(250)
    assert (
        Publisher(hub_sandbox.session(), fast_settings)
        .publish(first, checks_ran=[MEMBER_CHECK], run_at=RUN_1)
        .imported
        == 250
    )
    other = central_findings([member_result("999999999999")], RUN_2)[0]
    session = ImportBetweenPages(hub_sandbox, other, times=2).install(hub_sandbox.session())

    with caplog.at_level(logging.WARNING, logger="rootguard"):
        report = Publisher(session, fast_settings).publish(
            _findings(250, RUN_2), checks_ran=[MEMBER_CHECK], run_at=RUN_2, completed_checks=[]
        )

    assert (report.updated, report.imported, report.spooled) == (250, 0, 0), report.errors
    assert not Path(fast_settings.spool_path).exists()
    stored = _stored()
    assert all(stored[f["Id"]]["CreatedAt"] == f["CreatedAt"] for f in first)  # history read, kept
    assert sum("reading again" in r.getMessage() for r in caplog.records) == 2


def test_a_next_token_that_keeps_expiring_gives_up_after_the_bounded_restarts(
    hub_sandbox: Any, fast_settings: PublishSettings
) -> None:
    Publisher(hub_sandbox.session(), fast_settings).publish(
        _findings(150), checks_ran=[MEMBER_CHECK], run_at=RUN_1
    )
    other = central_findings([member_result("999999999999")], RUN_2)[0]
    session = ImportBetweenPages(hub_sandbox, other, times=100).install(hub_sandbox.session())

    report = Publisher(session, fast_settings).publish(
        _findings(150, RUN_2), checks_ran=[MEMBER_CHECK], run_at=RUN_2, completed_checks=[]
    )

    assert report.spooled == 150 and "NextToken" in report.errors[0]  # nothing lost: a later run resumes it
    assert len(read_spool(fast_settings.spool_path)) == 150


@pytest.mark.slow
def test_two_publishers_into_one_hub_at_once_both_converge(hub_sandbox: Any, tmp_path: Path) -> None:
    """Two runs from different folders (no shared lock): each one's imports expire the other's NextTokens."""
    count = 2019
    settings = [
        PublishSettings(spool_path=tmp_path / name / "spool.jsonl", backoff_base_s=0.5, backoff_cap_s=4)
        for name in ("a", "b")
    ]
    Publisher(hub_sandbox.session(), settings[0]).publish(
        _findings(count), checks_ran=[MEMBER_CHECK], run_at=RUN_1
    )
    reports: dict[int, Any] = {}

    def run(n: int) -> None:
        reports[n] = Publisher(hub_sandbox.session(), settings[n]).publish(
            _findings(count, RUN_2), checks_ran=[MEMBER_CHECK], run_at=RUN_2
        )

    threads = [threading.Thread(target=run, args=(n,)) for n in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)

    assert [reports[n].spooled for n in (0, 1)] == [0, 0], [reports[n].errors for n in (0, 1)]
    assert sum(reports[n].updated for n in (0, 1)) == count  # one updated each finding, the other skipped it
    stored = _stored()
    assert len(stored) == count
    assert {f["UpdatedAt"] for f in stored.values()} == {"2025-03-02T08:00:00.000Z"}
    assert {f["CreatedAt"] for f in stored.values()} == {"2025-03-01T08:00:00.000Z"}


def test_publishers_sharing_a_folder_take_turns(
    hub_sandbox: Any, fast_settings: PublishSettings, caplog: pytest.LogCaptureFixture
) -> None:
    folder = Path(fast_settings.spool_path).parent
    released = threading.Event()
    holding = threading.Event()

    def other_run() -> None:
        with publish_lock(folder, 5):
            holding.set()
            released.wait(timeout=30)

    holder = threading.Thread(target=other_run)
    holder.start()
    holding.wait(timeout=10)
    threading.Timer(1.0, released.set).start()
    with caplog.at_level(logging.WARNING, logger="rootguard"):
        report = Publisher(hub_sandbox.session(), fast_settings).publish(
            _findings(3), checks_ran=[MEMBER_CHECK], run_at=RUN_1
        )
    holder.join(timeout=10)

    assert (report.imported, report.spooled) == (3, 0)
    (waiting,) = [r.getMessage() for r in caplog.records if "waiting up to" in r.getMessage()]
    assert str(folder / "publish.lock") in waiting and "pid" in waiting


def test_a_lock_held_too_long_spools_the_run_with_one_line_and_a_later_resume_lands_it(
    hub_sandbox: Any, tmp_path: Path
) -> None:
    settings = PublishSettings(spool_path=tmp_path / "out" / "spool.jsonl", lock_timeout_s=0.5)
    findings = _findings(3)
    with publish_lock(tmp_path / "out", 5):  # another run, busy
        report = Publisher(hub_sandbox.session(), settings).publish(
            findings, checks_ran=[MEMBER_CHECK], run_at=RUN_1
        )
    assert report.spooled == 3 and report.imported == 0
    assert len(report.errors) == 1 and "publish.lock" in report.errors[0] and "\n" not in report.errors[0]
    assert _stored() == {}

    again = Publisher(hub_sandbox.session(), settings).resume()
    assert (again.imported, again.spooled) == (3, 0)
    assert set(_stored()) == {f["Id"] for f in findings}
