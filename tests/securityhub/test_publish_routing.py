"""Routing: each finding goes to the hub (account, Region) it names; what cannot go anywhere is refused."""

from __future__ import annotations

from publisher_helpers import (
    MEMBERS,
    MGMT,
    REGION,
    RUN_1,
    central_findings,
    member_result,
    org_result,
    per_member_findings,
)

from rootguard.securityhub.targets import Target, route, target_of


def test_central_placement_sends_everything_to_the_publishing_accounts_hub() -> None:
    findings = central_findings([member_result(a) for a in MEMBERS] + [org_result()], RUN_1)
    routes = route(findings, placement="central", publishing_account=MGMT)
    assert list(routes.hubs) == [Target(MGMT, REGION)]
    assert [i.finding for i in routes.hubs[Target(MGMT, REGION)]] == findings
    assert (routes.refused, routes.skipped, routes.duplicates) == ([], 0, 0)


def test_central_placement_refuses_findings_naming_another_account() -> None:
    mine = central_findings([member_result(MEMBERS[0])], RUN_1)
    foreign = central_findings([member_result(a) for a in MEMBERS[1:]], RUN_1, account=MEMBERS[1])
    routes = route(mine + foreign, placement="central", publishing_account=MGMT)
    assert [i.id for i in routes.hubs[Target(MGMT, REGION)]] == [mine[0]["Id"]]
    [line] = routes.refused
    assert line.startswith(f"refused 2 finding(s) with AwsAccountId {MEMBERS[1]}") and MGMT in line
    assert routes.skipped == 2


def test_per_member_placement_groups_by_account_in_a_stable_order() -> None:
    findings = per_member_findings([member_result(a) for a in reversed(MEMBERS)] + [org_result()], RUN_1)
    routes = route(findings, placement="per-member", publishing_account=MGMT)
    assert list(routes.hubs) == [Target(MGMT, REGION)] + [Target(a, REGION) for a in MEMBERS]
    assert all(i.finding["AwsAccountId"] == t.account_id for t, items in routes.hubs.items() for i in items)
    assert routes.refused == []


def test_the_region_and_partition_come_from_the_product_arn() -> None:
    [finding] = central_findings([member_result(MEMBERS[0])], RUN_1, region="eu-west-1")
    assert target_of(finding) == Target(MGMT, "eu-west-1", "aws")
    gov = dict(finding, ProductArn=f"arn:aws-us-gov:securityhub:us-gov-west-1:{MGMT}:product/{MGMT}/default")
    assert target_of(gov) == Target(MGMT, "us-gov-west-1", "aws-us-gov")


def test_findings_without_a_valid_account_or_product_are_refused_by_id() -> None:
    [good] = central_findings([member_result(MEMBERS[0])], RUN_1)
    short_account = dict(good, Id="bad-account", AwsAccountId="12345")
    other_service = dict(good, Id="bad-product", ProductArn="arn:aws:iam::111111111111:role/x")
    routes = route([good, short_account, other_service], placement="per-member", publishing_account=MGMT)
    assert [i.id for items in routes.hubs.values() for i in items] == [good["Id"]]
    assert routes.refused == [
        "refused 2 finding(s) without a valid AwsAccountId and ProductArn: bad-account, bad-product"
    ]
    assert routes.skipped == 2


def test_a_duplicate_id_is_sent_once_the_last_given_wins() -> None:
    first = central_findings([member_result(MEMBERS[0])], RUN_1)[0]
    second = dict(first, Title="the later version")
    routes = route([first, second], placement="central", publishing_account=MGMT)
    [item] = routes.hubs[Target(MGMT, REGION)]
    assert item.finding["Title"] == "the later version"
    assert (routes.duplicates, routes.skipped) == (1, 1)
