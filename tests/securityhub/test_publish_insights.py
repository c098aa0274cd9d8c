"""rootguard's Security Hub insights: created once, repaired when they drift, errors in one line."""

from __future__ import annotations

from typing import Any

import pytest
from publisher_helpers import MGMT, REGION, RUN_1, central_findings, member_result, scenario

from rootguard.aws import identify
from rootguard.errors import AwsSetupError
from rootguard.findings.ids import product_arn
from rootguard.models import Status
from rootguard.sandbox import securityhub as hub
from rootguard.securityhub.insights import (
    MEMBERS_WITH_ROOT,
    POSTURE_BY_CHECK,
    ensure_insights,
    insight_definitions,
    setup_insights,
)

OURS = product_arn("aws", REGION, MGMT)


def by_name() -> dict[str, dict[str, Any]]:
    return {i["Name"]: i for i in hub.insights(MGMT, REGION)}


def test_setup_creates_the_insights_once_however_often_it_runs(hub_sandbox: Any) -> None:
    first = setup_insights(hub_sandbox.session())
    assert [(c.name, c.action) for c in first] == [
        (MEMBERS_WITH_ROOT, "created"),
        (POSTURE_BY_CHECK, "created"),
    ]
    for _ in range(3):
        again = setup_insights(hub_sandbox.session())
        assert {c.action for c in again} == {"unchanged"}
        assert [c.arn for c in again] == [c.arn for c in first]
    assert len(hub.insights(MGMT, REGION)) == 2
    members = by_name()[MEMBERS_WITH_ROOT]
    assert members["GroupByAttribute"] == "ResourceId"
    assert members["Filters"]["ProductArn"] == [{"Value": OURS, "Comparison": "EQUALS"}]
    assert members["Filters"]["GeneratorId"] == [
        {"Value": "rootguard/iam_member_root_credentials_absent", "Comparison": "EQUALS"}
    ]
    assert by_name()[POSTURE_BY_CHECK]["GroupByAttribute"] == "GeneratorId"


def test_a_drifted_insight_is_updated_in_place(hub_sandbox: Any) -> None:
    client = hub_sandbox.session().client("securityhub")
    created = ensure_insights(client, OURS)
    arn = created[0].arn
    client.update_insight(InsightArn=arn, GroupByAttribute="AwsAccountId")
    changes = ensure_insights(client, OURS)
    assert (changes[0].name, changes[0].action, changes[0].arn) == (MEMBERS_WITH_ROOT, "updated", arn)
    assert by_name()[MEMBERS_WITH_ROOT]["GroupByAttribute"] == "ResourceId"
    assert len(hub.insights(MGMT, REGION)) == 2


def test_filter_order_is_not_drift(hub_sandbox: Any) -> None:
    client = hub_sandbox.session().client("securityhub")
    spec = insight_definitions(OURS)[0]
    reordered = dict(reversed(list(spec.filters.items())))
    client.create_insight(Name=spec.name, Filters=reordered, GroupByAttribute=spec.group_by)
    assert ensure_insights(client, OURS)[0].action == "unchanged"


def test_the_members_insight_groups_failing_members(hub_sandbox: Any) -> None:
    session = hub_sandbox.session()
    client = session.client("securityhub")
    findings = central_findings(
        [member_result("222222222221"), member_result("222222222222", Status.PASS)], RUN_1
    )
    client.batch_import_findings(Findings=findings)
    arn = ensure_insights(client, OURS)[0].arn
    values = client.get_insight_results(InsightArn=arn)["InsightResults"]["ResultValues"]
    # ResourceId is multi-valued: every member finding also names its organization, so the organization
    # appears as one more row whose count is the number of failing members
    assert sorted((v["GroupByAttributeValue"], v["Count"]) for v in values) == [
        ("AWS::::Account:222222222221", 1),
        ("arn:aws:organizations::111111111111:organization/o-publisher01", 1),
    ]


def test_setup_with_the_hub_off_is_one_actionable_line(sandbox_factory: Any) -> None:
    sb = sandbox_factory(scenario(hub={}))
    with pytest.raises(AwsSetupError) as info:
        setup_insights(sb.session())
    assert f"enable-security-hub --region {REGION}" in str(info.value) and MGMT in str(info.value)


def test_setup_with_a_known_caller_uses_its_account_and_region(hub_sandbox: Any) -> None:
    caller = identify(hub_sandbox.session())
    hub_sandbox.clear_recorded_calls()
    changes = setup_insights(hub_sandbox.session(), caller=caller)
    assert {c.action for c in changes} == {"created"}
    assert "sts:GetCallerIdentity" not in hub_sandbox.recorded_actions()
    assert by_name()[MEMBERS_WITH_ROOT]["Filters"]["ProductArn"] == [{"Value": OURS, "Comparison": "EQUALS"}]
