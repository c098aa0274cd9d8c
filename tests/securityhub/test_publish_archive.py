"""The archive sweep: which stored findings a completed check no longer produces, and their ARCHIVED copies.

The stored findings come from the sandbox's Security Hub, so they carry what Security Hub adds on import
(ProcessedAt, Workflow, aws/ ProductFields, ...), which a provider must not send back.
"""

from __future__ import annotations

from typing import Any

from publisher_helpers import (
    MEMBER_CHECK,
    MEMBERS,
    ORG_CHECK,
    RUN_1,
    RUN_2,
    central_findings,
    member_result,
    org_result,
)

from rootguard.findings.build import iso_timestamp
from rootguard.findings.ids import generator_id
from rootguard.securityhub.archive import SERVICE_FIELDS, archived_copy, sweep

NOW = iso_timestamp(RUN_2)
MEMBER_GEN, ORG_GEN = generator_id(MEMBER_CHECK), generator_id(ORG_CHECK)


def stored_run_1(sandbox: Any) -> dict[str, dict[str, Any]]:
    """Run 1's findings as Security Hub holds them."""
    client = sandbox.session().client("securityhub")
    findings = central_findings([member_result(a) for a in MEMBERS] + [org_result()], RUN_1)
    assert client.batch_import_findings(Findings=findings)["FailedCount"] == 0
    return {f["Id"]: f for f in client.get_findings(MaxResults=100)["Findings"]}


def member_id(stored: dict[str, dict[str, Any]], account: str) -> str:
    return next(fid for fid in stored if fid.endswith(f"/{MEMBER_CHECK}/{account}"))


def test_only_what_a_completed_check_no_longer_produces_is_archived(hub_sandbox: Any) -> None:
    stored = stored_run_1(hub_sandbox)
    departed = member_id(stored, MEMBERS[2])
    produced = set(stored) - {departed} - {fid for fid, f in stored.items() if f["GeneratorId"] == ORG_GEN}
    # the organization check produced nothing this run, but it did not complete: its finding stays
    archived = sweep(stored, produced=produced, completed={MEMBER_GEN}, updated_at=NOW)
    assert [f["Id"] for f in archived] == [departed]


def test_archived_stored_and_newer_findings_are_left_alone(hub_sandbox: Any) -> None:
    stored = stored_run_1(hub_sandbox)
    gone, newer = member_id(stored, MEMBERS[0]), member_id(stored, MEMBERS[1])
    stored[gone] = dict(stored[gone], RecordState="ARCHIVED")
    stored[newer] = dict(stored[newer], UpdatedAt=NOW)  # written by a later or concurrent run
    archived = sweep(stored, produced=set(), completed={MEMBER_GEN, ORG_GEN}, updated_at=NOW)
    assert {f["Id"] for f in archived} == set(stored) - {gone, newer}


def test_the_archived_copy_is_what_a_provider_may_send_and_security_hub_takes(hub_sandbox: Any) -> None:
    stored = stored_run_1(hub_sandbox)
    fid = member_id(stored, MEMBERS[2])
    copy = archived_copy(stored[fid], NOW)
    assert not SERVICE_FIELDS & set(copy)
    assert not any(k.startswith("aws/") for k in copy["ProductFields"])
    assert (copy["RecordState"], copy["UpdatedAt"], copy["CreatedAt"]) == (
        "ARCHIVED",
        NOW,
        stored[fid]["CreatedAt"],
    )
    assert copy["Severity"] == stored[fid]["FindingProviderFields"]["Severity"]
    client = hub_sandbox.session().client("securityhub")
    assert client.batch_import_findings(Findings=[copy])["SuccessCount"] == 1
    [now] = client.get_findings(Filters={"Id": [{"Value": fid, "Comparison": "EQUALS"}]})["Findings"]
    assert (now["RecordState"], now["CreatedAt"]) == ("ARCHIVED", stored[fid]["CreatedAt"])
