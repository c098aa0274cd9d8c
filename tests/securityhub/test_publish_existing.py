"""Reading rootguard's earlier findings from a hub, and keeping their history in this run's findings."""

from __future__ import annotations

from typing import Any

from publisher_helpers import (
    MEMBER_CHECK,
    MEMBERS,
    MGMT,
    ORG_CHECK,
    REGION,
    RUN_1,
    RUN_2,
    RUN_3,
    central_findings,
    member_result,
    org_result,
    synthetic_accounts,
)

from rootguard.findings.build import iso_timestamp
from rootguard.findings.ids import generator_id, product_arn
from rootguard.sandbox import securityhub as hub
from rootguard.securityhub.existing import GENERATOR_PREFIX, finding_filters, read_existing, with_history

PROWLER = f"arn:aws:securityhub:{REGION}::product/prowler/prowler"


def reader(sandbox: Any) -> tuple[Any, list[dict[str, Any]]]:
    """A GetFindings call as the publisher makes it, and the requests it was given."""
    client = sandbox.session().client("securityhub")
    requests: list[dict[str, Any]] = []

    def get_findings(request: dict[str, Any]) -> dict[str, Any]:
        requests.append(request)
        return client.get_findings(**request)

    return get_findings, requests


def test_only_our_product_and_the_generators_involved_are_read(hub_sandbox: Any) -> None:
    client = hub_sandbox.session().client("securityhub")
    ours = central_findings([member_result(a) for a in MEMBERS] + [org_result()], RUN_1)
    other_check = central_findings(
        [member_result(MEMBERS[0], check="organizations_scps_allow_root_sessions")]
    )
    hub.enable_import_findings_for_product(MGMT, REGION, PROWLER)
    prowler = dict(
        ours[0], Id="prowler-iam-x", ProductArn=PROWLER, GeneratorId="prowler-iam_root_mfa_enabled"
    )
    assert client.batch_import_findings(Findings=ours + other_check + [prowler])["FailedCount"] == 0
    get_findings, requests = reader(hub_sandbox)
    this_run = central_findings([member_result(MEMBERS[0])], RUN_2)  # only a member finding this time
    found = read_existing(get_findings, this_run, {generator_id(ORG_CHECK)})
    assert set(found) == {f["Id"] for f in ours}
    [request] = requests
    assert request["Filters"]["ProductArn"] == [
        {"Value": product_arn("aws", REGION, MGMT), "Comparison": "EQUALS"}
    ]


def test_every_page_is_read(hub_sandbox: Any) -> None:
    client = hub_sandbox.session().client("securityhub")
    findings = central_findings([member_result(a) for a in synthetic_accounts(250)], RUN_1)
    for start in range(0, 250, 100):
        client.batch_import_findings(Findings=findings[start : start + 100])
    get_findings, requests = reader(hub_sandbox)
    assert len(read_existing(get_findings, findings[:1], set())) == 250
    assert len(requests) == 3 and all(r["MaxResults"] == 100 for r in requests)


def test_many_generators_are_read_by_prefix_and_many_products_in_slices() -> None:
    generators = {generator_id(f"check_{i}") for i in range(21)}
    products = [product_arn("aws", REGION, f"{i:012d}") for i in range(45)]
    filters = list(finding_filters(products, generators))
    assert [len(f["ProductArn"]) for f in filters] == [20, 20, 5]
    assert all(f["GeneratorId"] == [{"Value": GENERATOR_PREFIX, "Comparison": "PREFIX"}] for f in filters)
    few = next(finding_filters(products[:1], {generator_id(MEMBER_CHECK)}))
    assert few["GeneratorId"] == [{"Value": generator_id(MEMBER_CHECK), "Comparison": "EQUALS"}]


def test_history_keeps_the_first_sighting_and_takes_the_runs_update_time() -> None:
    [stored] = central_findings([member_result(MEMBERS[0])], RUN_1)
    [again] = central_findings([member_result(MEMBERS[0])], RUN_2)
    sent = with_history(again, stored, iso_timestamp(RUN_2))
    assert sent is not None
    assert (sent["CreatedAt"], sent["FirstObservedAt"]) == (stored["CreatedAt"], stored["FirstObservedAt"])
    assert (sent["UpdatedAt"], sent["LastObservedAt"]) == (iso_timestamp(RUN_2), again["LastObservedAt"])
    assert with_history(again, None, iso_timestamp(RUN_2)) == again


def test_a_version_the_hub_already_holds_or_outdated_is_not_sent() -> None:
    [older] = central_findings([member_result(MEMBERS[0])], RUN_1)
    [newer] = central_findings([member_result(MEMBERS[0])], RUN_3)
    assert with_history(older, newer, iso_timestamp(RUN_2)) is None  # an old run replayed late
    assert with_history(newer, newer, None) is None  # a spool replay of what already landed
    history = {"CreatedAt": older["CreatedAt"], "FirstObservedAt": older["FirstObservedAt"]}
    assert with_history(newer, older, None) == dict(newer, **history)  # a replay keeps its own UpdatedAt


def test_what_this_run_produces_again_is_kept_as_its_history_only(hub_sandbox: Any) -> None:
    """A scheduled run reads back every finding it sends: holding the hub's whole copies would hold every
    finding twice. Those it does not produce stay whole, for the archive sweep."""
    client = hub_sandbox.session().client("securityhub")
    stored = central_findings([member_result(a) for a in MEMBERS], RUN_1)
    client.batch_import_findings(Findings=stored)
    again = central_findings([member_result(a) for a in MEMBERS[:2]], RUN_2)

    found = read_existing(reader(hub_sandbox)[0], again, {generator_id(MEMBER_CHECK)})

    for f in again:
        assert set(found[f["Id"]]) == {
            "Id",
            "GeneratorId",
            "RecordState",
            "CreatedAt",
            "FirstObservedAt",
            "UpdatedAt",
        }
        sent = with_history(f, found[f["Id"]], iso_timestamp(RUN_2))
        assert sent is not None and sent["CreatedAt"] == iso_timestamp(RUN_1)  # the first sighting's
    gone = stored[2]["Id"]
    assert found[gone]["Description"] == stored[2]["Description"]  # whole: the sweep re-imports it
