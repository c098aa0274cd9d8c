"""The publisher against the sandbox's Security Hub (in-process, real quotas)."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path
from typing import Any

import pytest
from publisher_helpers import (
    MEMBER_CHECK,
    MEMBERS,
    MGMT,
    ORG_CHECK,
    REGION,
    RUN_1,
    RUN_2,
    RUN_3,
    FailedFindingsInjector,
    central_findings,
    member_result,
    org_result,
    per_member_findings,
    scenario,
)

from rootguard.aws import identify
from rootguard.findings.ids import product_arn
from rootguard.models import Status
from rootguard.sandbox import securityhub as hub
from rootguard.securityhub import (
    Publisher,
    PublishSettings,
    SecurityHubNotEnabledError,
)
from rootguard.securityhub.spool import read_spool

CHECKS = [MEMBER_CHECK, ORG_CHECK]
OURS = product_arn("aws", REGION, MGMT)


def stored(account: str = MGMT) -> dict[str, dict[str, Any]]:
    return {f["Id"]: f for f in hub.findings(account, REGION)}


def results(statuses: dict[str, Status] | None = None) -> list:
    statuses = statuses or {a: Status.FAIL for a in MEMBERS}
    return [member_result(a, s) for a, s in statuses.items()] + [org_result()]


def test_first_run_imports_everything_under_the_scanning_account(
    hub_sandbox: Any, fast_settings: Any
) -> None:
    findings = central_findings(results())
    report = Publisher(hub_sandbox.session(), fast_settings).publish(
        findings, checks_ran=CHECKS, run_at=RUN_1
    )
    assert (report.imported, report.updated, report.archived, report.spooled, report.skipped) == (
        4,
        0,
        0,
        0,
        0,
    )
    assert report.calls == 1 and report.errors == []
    assert set(stored()) == {f["Id"] for f in findings}
    assert all(f["ProductArn"] == OURS and f["RecordState"] == "ACTIVE" for f in stored().values())
    assert not Path(fast_settings.spool_path).exists()


def test_rerun_gives_same_ids_and_keeps_created_and_first_observed(
    hub_sandbox: Any, fast_settings: Any
) -> None:
    publisher = Publisher(hub_sandbox.session(), fast_settings)
    publisher.publish(central_findings(results(), RUN_1), checks_ran=CHECKS, run_at=RUN_1)
    first = stored()
    report = publisher.publish(central_findings(results(), RUN_2), checks_ran=CHECKS, run_at=RUN_2)
    assert (report.imported, report.updated, report.archived, report.spooled) == (0, 4, 0, 0)
    second = stored()
    assert set(second) == set(first)
    for fid, finding in second.items():
        assert finding["CreatedAt"] == first[fid]["CreatedAt"] == "2025-03-01T08:00:00.000Z"
        assert finding["FirstObservedAt"] == first[fid]["FirstObservedAt"]
        assert finding["UpdatedAt"] == "2025-03-02T08:00:00.000Z"
        assert finding["LastObservedAt"] == "2025-03-02T08:00:00.000Z"


def test_replaying_an_older_run_is_skipped_not_sent(hub_sandbox: Any, fast_settings: Any) -> None:
    publisher = Publisher(hub_sandbox.session(), fast_settings)
    publisher.publish(central_findings(results(), RUN_2), checks_ran=CHECKS, run_at=RUN_2)
    report = publisher.publish(central_findings(results(), RUN_1), checks_ran=CHECKS, run_at=RUN_1)
    assert (report.imported, report.updated, report.skipped, report.calls) == (0, 0, 4, 0)
    assert all(f["UpdatedAt"].startswith("2025-03-02") for f in stored().values())


def test_fixed_and_departed_accounts_are_archived_only_in_scope(hub_sandbox: Any, fast_settings: Any) -> None:
    session = hub_sandbox.session()
    # another product's finding and a finding of a check that will not run, both ACTIVE in the same hub
    hub.enable_import_findings_for_product(
        MGMT, REGION, f"arn:aws:securityhub:{REGION}::product/prowler/prowler"
    )
    prowler = dict(central_findings([member_result(MEMBERS[0])])[0])
    prowler.update(Id="prowler-iam-x", ProductArn=f"arn:aws:securityhub:{REGION}::product/prowler/prowler",
                   GeneratorId="prowler-iam_root_mfa_enabled")  # fmt: skip
    other_check = central_findings(
        [member_result(MEMBERS[0], check="organizations_scps_allow_root_sessions")]
    )[0]
    client = session.client("securityhub")
    assert client.batch_import_findings(Findings=[prowler, other_check])["SuccessCount"] == 2

    publisher = Publisher(session, fast_settings)
    publisher.publish(central_findings(results(), RUN_1), checks_ran=CHECKS, run_at=RUN_1)
    # run 2: member 0 fixed (PASS, same id), member 2 left the organization (no result at all)
    later = central_findings(results({MEMBERS[0]: Status.PASS, MEMBERS[1]: Status.FAIL}), RUN_2)
    report = publisher.publish(later, checks_ran=CHECKS, run_at=RUN_2)
    assert (report.updated, report.archived) == (3, 1)
    now = stored()
    departed = next(f for f in now.values() if f["Id"].endswith(f"/{MEMBER_CHECK}/{MEMBERS[2]}"))
    assert departed["RecordState"] == "ARCHIVED"
    assert departed["UpdatedAt"] == "2025-03-02T08:00:00.000Z"
    assert departed["CreatedAt"] == "2025-03-01T08:00:00.000Z"
    assert now["prowler-iam-x"]["RecordState"] == "ACTIVE"
    assert now[other_check["Id"]]["RecordState"] == "ACTIVE"
    fixed = next(f for f in now.values() if f["Id"].endswith(f"/{MEMBER_CHECK}/{MEMBERS[0]}"))
    assert (fixed["RecordState"], fixed["Compliance"]["Status"]) == ("ACTIVE", "PASSED")
    # run 3 sweeps nothing new: the archived finding is not archived again
    again = publisher.publish(central_findings(results({MEMBERS[0]: Status.PASS, MEMBERS[1]: Status.FAIL}), RUN_3),
                              checks_ran=CHECKS, run_at=RUN_3)  # fmt: skip
    assert again.archived == 0


def test_no_sweep_for_checks_that_did_not_complete(hub_sandbox: Any, fast_settings: Any) -> None:
    publisher = Publisher(hub_sandbox.session(), fast_settings)
    publisher.publish(central_findings(results(), RUN_1), checks_ran=CHECKS, run_at=RUN_1)
    # run 2: the member collect failed: only the organization result, and the member check did not complete
    report = publisher.publish(
        central_findings([org_result()], RUN_2), checks_ran=CHECKS, completed_checks=[ORG_CHECK], run_at=RUN_2
    )
    assert report.archived == 0
    assert all(f["RecordState"] == "ACTIVE" for f in stored().values())


def test_foreign_account_is_refused_in_central_mode(hub_sandbox: Any, fast_settings: Any) -> None:
    mine = central_findings([member_result(MEMBERS[0])])
    foreign = central_findings([member_result(MEMBERS[1])], account=MEMBERS[1])
    report = Publisher(hub_sandbox.session(), fast_settings).publish(
        mine + foreign, checks_ran=[MEMBER_CHECK], run_at=RUN_1
    )
    assert (report.imported, report.skipped, report.spooled) == (1, 1, 0)
    assert len(report.errors) == 1
    assert f"AwsAccountId {MEMBERS[1]}" in report.errors[0] and MGMT in report.errors[0]
    assert hub.findings(MEMBERS[1], REGION) == []


def test_disabled_hub_is_one_line_naming_account_region_and_fix(
    sandbox_factory: Any, fast_settings: Any
) -> None:
    sb = sandbox_factory(scenario(hub={}))
    with pytest.raises(SecurityHubNotEnabledError) as info:
        Publisher(sb.session(), fast_settings).publish(
            central_findings([member_result(MEMBERS[0])]), checks_ran=[MEMBER_CHECK], run_at=RUN_1
        )
    message = str(info.value)
    assert "\n" not in message
    assert MGMT in message and REGION in message
    assert f"aws securityhub enable-security-hub --region {REGION}" in message
    assert "rootguard securityhub setup" not in message  # it creates insights; it cannot enable the hub
    assert info.value.report is not None and info.value.report.spooled == 1
    assert len(read_spool(fast_settings.spool_path)) == 1


def test_injected_failed_findings_are_retried_then_land(hub_sandbox: Any, fast_settings: Any) -> None:
    session = hub_sandbox.session()
    findings = central_findings(results())
    flaky = {findings[0]["Id"]: "InternalException", findings[1]["Id"]: "TooManyRequestsException"}
    injector = FailedFindingsInjector(flaky, times=2).install(session)
    report = Publisher(session, fast_settings).publish(findings, checks_ran=CHECKS, run_at=RUN_1)
    assert (report.imported, report.failed_retried, report.spooled) == (4, 2, 0)
    assert injector.failures == {fid: 2 for fid in flaky}
    assert set(stored()) == {f["Id"] for f in findings}


def test_persistent_and_invalid_failures_go_to_the_spool(
    hub_sandbox: Any, fast_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    session = hub_sandbox.session()
    findings = central_findings(results())
    stuck, invalid = findings[0]["Id"], findings[1]["Id"]
    injector = FailedFindingsInjector({stuck: "InternalException", invalid: "InvalidInput"}).install(session)
    with caplog.at_level(logging.INFO, logger="rootguard"):
        report = Publisher(session, fast_settings).publish(findings, checks_ran=CHECKS, run_at=RUN_1)
    assert (report.imported, report.spooled, report.rejected, report.failed_retried) == (2, 2, 1, 1)
    assert injector.failures[stuck] == 1 + fast_settings.retry_rounds  # retried, then given up
    assert injector.failures[invalid] == 1  # InvalidInput is never retried
    spooled = {e.finding["Id"]: e for e in read_spool(fast_settings.spool_path)}
    assert set(spooled) == {stuck, invalid}
    assert spooled[stuck].error_code == "InternalException" and spooled[stuck].account_id == MGMT
    assert spooled[stuck].region == REGION and spooled[stuck].finding == findings[0]
    assert "--resume" in report.summary()
    # logs name ids, never bodies
    assert stuck in caplog.text
    assert findings[0]["Description"] not in caplog.text and '"Resources"' not in caplog.text


def test_resume_replays_the_spool_and_removes_what_landed(hub_sandbox: Any, fast_settings: Any) -> None:
    session = hub_sandbox.session()
    findings = central_findings(results())
    stuck = findings[0]["Id"]
    FailedFindingsInjector({stuck: "InternalException"}, times=1 + fast_settings.retry_rounds).install(
        session
    )
    first = Publisher(session, fast_settings).publish(findings, checks_ran=CHECKS, run_at=RUN_1)
    assert first.spooled == 1 and stuck not in stored()

    report = Publisher(hub_sandbox.session(), fast_settings).resume(fast_settings.spool_path)
    assert (report.imported, report.spooled) == (1, 0)
    assert stored()[stuck]["UpdatedAt"] == "2025-03-01T08:00:00.000Z"  # the original run's, not "now"
    assert not Path(fast_settings.spool_path).exists()
    assert Publisher(hub_sandbox.session(), fast_settings).resume(fast_settings.spool_path).imported == 0


def test_resume_keeps_what_fails_again_with_its_latest_error(hub_sandbox: Any, fast_settings: Any) -> None:
    session = hub_sandbox.session()
    findings = central_findings(results())
    FailedFindingsInjector({findings[0]["Id"]: "InvalidInput"}).install(session)
    Publisher(session, fast_settings).publish(findings, checks_ran=CHECKS, run_at=RUN_1)
    replay = hub_sandbox.session()
    FailedFindingsInjector({findings[0]["Id"]: "InternalException"}).install(replay)
    report = Publisher(replay, fast_settings).resume(fast_settings.spool_path)
    assert report.spooled == 1
    [left] = read_spool(fast_settings.spool_path)
    assert left.error_code == "InternalException" and left.attempts == 1 + 1 + fast_settings.retry_rounds


def test_resume_does_not_overwrite_a_newer_run(hub_sandbox: Any, fast_settings: Any) -> None:
    session = hub_sandbox.session()
    old = central_findings(results(), RUN_1)
    FailedFindingsInjector({old[0]["Id"]: "InvalidInput"}).install(session)
    Publisher(session, fast_settings).publish(old, checks_ran=CHECKS, run_at=RUN_1)
    Publisher(hub_sandbox.session(), fast_settings).publish(
        central_findings(results(), RUN_2), checks_ran=CHECKS, run_at=RUN_2
    )
    report = Publisher(hub_sandbox.session(), fast_settings).resume(fast_settings.spool_path)
    assert (report.imported, report.updated, report.skipped) == (0, 0, 1)
    assert stored()[old[0]["Id"]]["UpdatedAt"] == "2025-03-02T08:00:00.000Z"
    assert read_spool(fast_settings.spool_path) == []


def test_per_member_mode_lands_each_finding_in_its_own_account(hub_sandbox: Any, tmp_path: Path) -> None:
    settings = PublishSettings(placement="per-member", member_role_name="rootguard-publisher",
                               spool_path=tmp_path / "spool.jsonl")  # fmt: skip
    findings = per_member_findings(results())
    report = Publisher(hub_sandbox.session(), settings).publish(findings, checks_ran=CHECKS, run_at=RUN_1)
    assert (report.imported, report.targets, report.spooled) == (4, 4, 0)
    for account in MEMBERS:
        [only] = hub.findings(account, REGION)
        assert only["AwsAccountId"] == account
        assert only["ProductArn"] == product_arn("aws", REGION, account)
    [org] = hub.findings(MGMT, REGION)
    assert org["GeneratorId"] == f"rootguard/{ORG_CHECK}"


def test_per_member_unreachable_account_is_spooled_with_its_role(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    sb = sandbox_factory(scenario(hub={"*": [REGION]}))
    sb.inject(service="sts", action="AssumeRole", code="AccessDenied", message="no trust")
    settings = PublishSettings(placement="per-member", member_role_name="rootguard-publisher",
                               spool_path=tmp_path / "spool.jsonl")  # fmt: skip
    report = Publisher(sb.session(), settings).publish(
        per_member_findings(results()), checks_ran=CHECKS, run_at=RUN_1
    )
    assert (report.imported, report.spooled) == (1, 3)
    assert any("cannot assume arn:aws:iam::" in e and ":role/rootguard-publisher" in e for e in report.errors)
    assert {e.role_name for e in read_spool(settings.spool_path)} == {"rootguard-publisher"}


def test_dry_run_writes_asff_and_sends_nothing(hub_sandbox: Any, fast_settings: Any, tmp_path: Path) -> None:
    findings = central_findings(results())
    publisher = Publisher(hub_sandbox.session(), fast_settings)
    report = publisher.publish(findings, checks_ran=CHECKS, run_at=RUN_1, dry_run_path=tmp_path / "a.json")
    assert report.dry_run and report.written == 4 and "nothing sent" in report.summary()
    assert json.loads((tmp_path / "a.json").read_text()) == findings
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o600  # it lists the weak spots
    publisher.publish(findings, checks_ran=CHECKS, run_at=RUN_1, dry_run_path=tmp_path / "a.jsonl")
    assert [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()] == findings
    assert stored() == {}


def test_summary_finding_counts_clean_members(hub_sandbox: Any, tmp_path: Path) -> None:
    settings = PublishSettings(summary_finding=True, spool_path=tmp_path / "spool.jsonl")
    statuses = {MEMBERS[0]: Status.PASS, MEMBERS[1]: Status.FAIL, MEMBERS[2]: Status.NOT_EVALUATED}
    report = Publisher(hub_sandbox.session(), settings).publish(
        central_findings(results(statuses)), checks_ran=CHECKS, run_at=RUN_1
    )
    assert report.imported == 5
    [summary] = [f for f in stored().values() if f["GeneratorId"].endswith("_summary")]
    assert summary["Title"] == "1 of 3 member accounts have no root user credentials"
    assert summary["Compliance"]["Status"] == "FAILED"
    assert summary["Severity"]["Label"] != "INFORMATIONAL"


def test_every_request_takes_a_token_of_its_account_and_region(hub_sandbox: Any, tmp_path: Path) -> None:
    hub_sandbox.clear_faults(quotas=True)  # the fake clock below cannot drive the sandbox's own buckets
    clock = {"now": 0.0}
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock["now"] += seconds

    settings = PublishSettings(rate_per_second=2, burst=2, max_in_flight=1, spool_path=tmp_path / "s.jsonl")
    accounts = [f"{900000000000 + i:012d}" for i in range(500)]
    findings = central_findings([member_result(a) for a in accounts])
    publisher = Publisher(hub_sandbox.session(), settings, clock=lambda: clock["now"], sleep=sleep)
    report = publisher.publish(findings, checks_ran=[MEMBER_CHECK], run_at=RUN_1)
    assert (report.imported, report.calls) == (500, 5)
    # 5 imports at 2/s after a burst of 2: the last leaves 1.5 s after the first, never sooner
    assert sum(slept) == pytest.approx(1.5)
    assert len(stored()) == 500


def test_a_known_caller_is_not_asked_again(hub_sandbox: Any, fast_settings: Any) -> None:
    caller = identify(hub_sandbox.session())
    hub_sandbox.clear_recorded_calls()
    report = Publisher(hub_sandbox.session(), fast_settings, caller=caller).publish(
        central_findings(results()), checks_ran=CHECKS, run_at=RUN_1
    )
    assert report.imported == 4
    assert "sts:GetCallerIdentity" not in hub_sandbox.recorded_actions()


def test_without_a_caller_the_publisher_identifies_the_session_once(
    hub_sandbox: Any, fast_settings: Any
) -> None:
    publisher = Publisher(hub_sandbox.session(), fast_settings)
    assert publisher.caller() == identify(hub_sandbox.session())
    assert publisher.caller() is publisher.caller()


def test_a_dry_run_does_not_even_identify_the_caller(
    hub_sandbox: Any, fast_settings: Any, tmp_path: Path
) -> None:
    hub_sandbox.clear_recorded_calls()
    Publisher(hub_sandbox.session(), fast_settings).publish(
        central_findings(results()), checks_ran=CHECKS, run_at=RUN_1, dry_run_path=tmp_path / "a.json"
    )
    assert hub_sandbox.recorded_actions(principal="any") == set()
