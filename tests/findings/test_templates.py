"""Findings from templates (build_findings) against the model-based reference (build_finding): the same bytes,
the same sizes, the same refusals; the split validation still rejects what varies, and --strict checks all."""

from __future__ import annotations

import copy
import json
import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from findings_samples import MGMT, ORG, RUN_AT, account_arn, sample_results

from rootguard.findings import FindingValidationError, Placement, build_finding, build_findings, safe_details
from rootguard.findings.build import validate_strictly
from rootguard.findings.templates import SHARED_PATHS
from rootguard.findings.templates import safe_details as template_safe_details
from rootguard.findings.validate import (
    SizedFinding,
    compiled_validator,
    json_size,
    partial_validator,
    serialized_size,
)
from rootguard.mappings import load_mappings
from rootguard.models import NotEvaluatedReason, ResourceKind, Result, ResultResource, Status

MEMBER = "iam_member_root_credentials_absent"
ORG_CHECKS = (
    "organizations_iam_trusted_access_enabled",
    "iam_org_root_credentials_management_enabled",
    "iam_org_root_sessions_enabled",
    "organizations_scps_allow_root_sessions",
    "organizations_iam_delegated_admin_allowed",
    "iam_management_root_mfa_no_keys",
)
CENTRAL = Placement(account_id=MGMT, region="eu-west-1")
ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _odd_value(rng: random.Random) -> Any:
    """Detail values of every shape the flattening and masking must treat exactly as the reference does."""
    return rng.choice(
        [
            "plain",
            "  padded  ",
            "   ",
            "",
            None,
            True,
            0,
            3.5,
            "AKIAABCDEFGHIJKLMNOP in a sentence",
            "ASIA1234567890ABCDEF",
            "ünïcödé ✓ 漢字",
            "x" * 1500,
            'line\nbreak\ttab "quoted" \\ back',
            RUN_AT - timedelta(days=rng.randrange(1000)),
            ["a", None, "b"],
            [],
            ("t", 1, False),
            {"nested": {"deeper": "v", "secret_token": "never"}},
            [{"id_suffix": "ABCD", "status": "Active"}, {"id_suffix": "EF01", "status": "Inactive"}],
            frozenset({"only"}),
        ]
    )


def varied_results(count: int, seed: int = 11) -> list[Result]:
    """Results of every check, status and reason with details of every shape, some with over-long names,
    ids, messages, secrets and more than 50 detail fields."""
    rng = random.Random(seed)
    reasons = list(NotEvaluatedReason)
    out: list[Result] = []
    for i in range(count):
        check = MEMBER if i % 7 else ORG_CHECKS[i % len(ORG_CHECKS)]
        status = rng.choice([Status.PASS, Status.PASS, Status.FAIL, Status.NOT_EVALUATED])
        if check == MEMBER:
            account = f"{200000000000 + i:012d}"
            arn = account_arn(account) if i % 13 else f"arn:aws:iam::{account}:root"
            resource = ResultResource(
                kind=ResourceKind.ACCOUNT,
                id=account,
                arn=arn,
                name=rng.choice(["", " ", f"acct-{i}", "n" * 300]),
            )
        else:
            resource = ResultResource(
                kind=ResourceKind.ORGANIZATION,
                id=ORG,
                arn=f"arn:aws:organizations::{MGMT}:organization/{ORG}",
            )
        details: dict[str, Any] = {f"k{j}": _odd_value(rng) for j in range(rng.choice([0, 3, 12, 60]))}
        if status is Status.FAIL:
            details["kinds"] = rng.sample(
                ["password", "active access keys", "MFA devices", "signing certificates"], 2
            )
            details["access_keys"] = [{"key": "****WXYZ", "status": "Active"}]
        if i % 5 == 0:
            details["organization_id"] = ORG
        if i % 17 == 0:
            details["session_key"] = "hidden"
            details["k" * 200] = "long key"
        message = rng.choice(["Short message.", "  ", "m" * 3000, f"Account {i} says ✓."])
        out.append(
            Result(
                check_id=check,
                status=status,
                reason=rng.choice(reasons) if status is Status.NOT_EVALUATED else None,
                resource=resource,
                message=message,
                details=details,
            )
        )
    return out


def reference(results: list[Result], placement: Any, first: dict[str, datetime] | None = None) -> list[Any]:
    mappings = load_mappings()
    out = []
    for r in results:
        where = placement(r) if callable(placement) else placement
        fid = build_finding(r, where, RUN_AT, mapping=mappings[r.check_id])["Id"]
        seen = (first or {}).get(fid)
        out.append(build_finding(r, where, RUN_AT, mapping=mappings[r.check_id], first_observed_at=seen))
    return out


def assert_same(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> None:
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert ENCODE(a) == ENCODE(b), a["Id"]
        assert isinstance(a, SizedFinding) and a.size == serialized_size(dict(b)) == json_size(b)


def test_the_sample_results_build_exactly_as_the_reference_does() -> None:
    results = sample_results()
    assert_same(build_findings(results, CENTRAL, RUN_AT), reference(results, CENTRAL))


def test_a_large_varied_result_set_builds_exactly_as_the_reference_does() -> None:
    results = varied_results(1500)
    assert_same(build_findings(results, CENTRAL, RUN_AT), reference(results, CENTRAL))


def test_per_member_placement_and_first_sightings_match_the_reference() -> None:
    results = varied_results(400, seed=3)

    def where(r: Result) -> Placement:
        account = r.resource.id if r.resource.kind is ResourceKind.ACCOUNT else MGMT
        return Placement(account_id=account, region="us-gov-west-1", partition="aws-us-gov")

    ids = [f["Id"] for f in build_findings(results, where, RUN_AT)]
    first = {fid: RUN_AT - timedelta(days=n) for n, fid in enumerate(ids) if n % 3}
    assert_same(
        build_findings(results, where, RUN_AT, first_observed=first), reference(results, where, first)
    )


def test_partitions_outside_asff_leave_partition_out_as_the_reference_does() -> None:
    results = varied_results(50, seed=5)
    odd = Placement(account_id=MGMT, region="eu-isoe-west-1", partition="aws-iso-e")
    assert_same(build_findings(results, odd, RUN_AT), reference(results, odd))


def test_safe_details_agree_with_the_reference_on_every_shape() -> None:
    rng = random.Random(2)
    for _ in range(500):
        details = {f"f{j}": _odd_value(rng) for j in range(rng.randrange(70))}
        assert template_safe_details(details) == safe_details(details)


def test_what_the_reference_refuses_the_templates_refuse() -> None:
    bad = [
        Result(  # an account id so long the resource Id exceeds 512 characters
            check_id=MEMBER,
            status=Status.PASS,
            resource=ResultResource(kind=ResourceKind.ACCOUNT, id="1" * 600, arn="", name="x"),
            message="m",
        ),
        Result(  # an unknown check
            check_id="no_such_check_here",
            status=Status.PASS,
            resource=ResultResource(kind=ResourceKind.ACCOUNT, id="222233334444", arn="", name="x"),
            message="m",
        ),
    ]
    mappings = load_mappings()
    for result in bad:
        with pytest.raises(ValueError):
            build_finding(result, CENTRAL, RUN_AT, mapping=mappings.get(result.check_id))
        with pytest.raises(ValueError):
            build_findings([result], CENTRAL, RUN_AT)


def test_the_partial_validator_skips_only_the_shared_parts() -> None:
    finding = build_findings(sample_results()[2:3], CENTRAL, RUN_AT)[0]
    partial = partial_validator(SHARED_PATHS)
    assert compiled_validator()(finding) and partial(finding)
    shared_broken = copy.deepcopy(dict(finding))
    shared_broken["Title"] = ""
    shared_broken["Compliance"]["RelatedRequirements"] = [""]
    assert partial(shared_broken) and not compiled_validator()(shared_broken)
    for path, value in (
        (("Id",), "x" * 513),
        (("Description",), " "),
        (("FirstObservedAt",), "yesterday"),
        (("Compliance", "Status"), "MAYBE"),
        (("ProductFields", "rootguard/CheckId"), "x" * 2049),
        (("Resources",), []),
        (("Unknown",), "field"),
    ):
        broken = copy.deepcopy(dict(finding))
        holder = broken
        for part in path[:-1]:
            holder = holder[part]
        holder[path[-1]] = value
        assert not partial(broken), path
    other = copy.deepcopy(dict(finding))
    other["Resources"][0]["Details"]["Other"]["k"] = "  "
    assert not partial(other)


def test_a_broken_shared_part_is_caught_on_the_first_finding_of_each_label(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rootguard.findings import templates

    original = templates.CheckTemplate.__init__

    def broken_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.remediation = {"Recommendation": {"Text": ""}}  # invalid: Text needs a character

    monkeypatch.setattr(templates.CheckTemplate, "__init__", broken_init)
    with pytest.raises(FindingValidationError, match="Remediation"):
        build_findings(sample_results(), CENTRAL, RUN_AT)


def test_strict_validates_every_finding_and_its_size() -> None:
    results = varied_results(200, seed=9)
    assert [dict(f) for f in build_findings(results, CENTRAL, RUN_AT, strict=True)] == [
        dict(f) for f in build_findings(results, CENTRAL, RUN_AT)
    ]
    finding = build_findings(results[:1], CENTRAL, RUN_AT)[0]
    wrong = SizedFinding(finding, size=finding.size + 1)
    with pytest.raises(FindingValidationError, match="computed size"):
        validate_strictly(wrong)
    invalid = SizedFinding(finding, size=None)
    invalid["Description"] = ""
    with pytest.raises(FindingValidationError, match="Description"):
        validate_strictly(invalid)


def test_a_sized_finding_forgets_its_size_when_its_keys_change() -> None:
    finding = build_findings(sample_results()[:1], CENTRAL, RUN_AT)[0]
    size = finding.size
    copied = copy.deepcopy(finding)
    assert isinstance(copied, SizedFinding) and copied.size == size and copied == finding
    finding["UpdatedAt"] = "2030-01-01T00:00:00.000000001Z"
    assert finding.size == json_size(dict(finding)) == size + 6
    finding.pop("UpdatedAt")
    assert finding.size == json_size(dict(finding))


def test_findings_share_their_constant_parts() -> None:
    results = [r for r in varied_results(300) if r.check_id == MEMBER and r.status is Status.PASS]
    findings = build_findings(results, CENTRAL, RUN_AT)
    first, second = findings[0], findings[1]
    assert first["Types"] is second["Types"] and first["Remediation"] is second["Remediation"]
    assert first["Compliance"]["RelatedRequirements"] is second["Compliance"]["RelatedRequirements"]
    assert first["Severity"] is second["Severity"]
    assert first["Resources"][0] is not second["Resources"][0]


def test_an_organization_arn_of_another_shape_gets_no_organization_resource_as_before() -> None:
    odd = [
        Result(
            check_id=MEMBER,
            status=Status.PASS,
            resource=ResultResource(kind=ResourceKind.ACCOUNT, id="222233334444", arn=arn, name="x"),
            message="m",
        )
        for arn in (
            account_arn("222233334444") + "\n",
            f"arn:aws:organizations::{MGMT}:account/{ORG}/" + "\uff12" * 12,  # fullwidth digits: \\d too
            f"arn:aws:organizations::{MGMT}:account/O-UPPER/222233334444",
        )
    ]
    assert_same(build_findings(odd, CENTRAL, RUN_AT), reference(odd, CENTRAL))


def test_a_changed_copy_keeps_an_exact_size_without_serializing() -> None:
    from rootguard.findings.validate import with_fields
    from rootguard.securityhub.existing import with_history

    finding = build_findings(sample_results()[2:3], CENTRAL, RUN_AT)[0]
    stored = {"CreatedAt": "2020-01-01T00:00:00Z", "FirstObservedAt": "2019-12-31T23:59:59.123456789+02:00"}
    stored["UpdatedAt"] = "2024-01-01T00:00:00Z"
    sent = with_history(finding, stored, "2030-05-06T07:08:09.010Z")
    assert isinstance(sent, SizedFinding) and sent._size is not None
    assert sent.size == json_size(dict(sent)) and list(sent) == list(finding)
    assert sent["CreatedAt"] == "2020-01-01T00:00:00Z" and finding["CreatedAt"] != sent["CreatedAt"]
    added = with_fields(finding, {"Note": {"Text": "x"}})
    assert added._size is None and added.size == json_size(dict(added)) and list(added)[-1] == "Note"
    plain = with_fields(dict(finding), {"UpdatedAt": "ü"})
    assert plain.size == json_size(dict(plain))
