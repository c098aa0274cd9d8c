from __future__ import annotations

import copy
from typing import Any

import botocore.session
from botocore.validate import ParamValidator
from findings_samples import MGMT, RUN_AT, sample_results
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rootguard.findings import Placement, build_findings
from rootguard.findings.validate import _jsonschema_validator, compiled_validator
from rootguard.models import NotEvaluatedReason, ResourceKind, Result, ResultResource, Status
from rootguard.rules import CHECK_IDS

_INPUT = (
    botocore.session.get_session().get_service_model("securityhub").operation_model("BatchImportFindings")
)


def botocore_errors(findings: list[dict[str, Any]]) -> str:
    report = ParamValidator().validate({"Findings": findings}, _INPUT.input_shape)
    return report.generate_report() if report.has_errors() else ""


accounts = st.from_regex(r"\A\d{12}\Z")
text = st.text(min_size=0, max_size=1500)
json_scalars = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=80)
details = st.dictionaries(
    st.text(min_size=1, max_size=40),
    st.recursive(
        json_scalars,
        lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
        max_leaves=10,
    ),
    max_size=12,
)


@st.composite
def results(draw: st.DrawFn) -> Result:
    check_id = draw(st.sampled_from(CHECK_IDS))
    status = draw(st.sampled_from(list(Status)))
    reason = draw(st.sampled_from(list(NotEvaluatedReason))) if status is Status.NOT_EVALUATED else None
    mgmt = draw(accounts)
    org = "o-" + draw(st.from_regex(r"\A[a-z0-9]{10}\Z"))
    if draw(st.booleans()):
        acct = draw(accounts)
        resource = ResultResource(
            kind=ResourceKind.ACCOUNT,
            id=acct,
            arn=f"arn:aws:organizations::{mgmt}:account/{org}/{acct}",
            name=draw(st.text(max_size=60)),
        )
    else:
        resource = ResultResource(
            kind=ResourceKind.ORGANIZATION, id=org, arn=f"arn:aws:organizations::{mgmt}:organization/{org}"
        )
    return Result(
        check_id=check_id,
        status=status,
        reason=reason,
        resource=resource,
        message=draw(text),
        details=draw(details),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(results(), min_size=1, max_size=5), accounts, st.sampled_from(["aws", "aws-cn", "aws-us-gov"])
)
def test_built_findings_pass_botocore_and_the_schema(
    batch: list[Result], account: str, partition: str
) -> None:
    findings = build_findings(
        batch, Placement(account_id=account, region="us-east-1", partition=partition), RUN_AT
    )
    assert botocore_errors(findings) == ""
    validator = _jsonschema_validator()
    for f in findings:
        assert validator.is_valid(f)
        assert len(f["Title"]) <= 256 and len(f["Description"]) <= 1024


def test_botocore_check_can_fail() -> None:
    finding = build_findings(sample_results()[:1], Placement(account_id=MGMT, region="us-east-1"), RUN_AT)[0]
    finding["Bogus"] = 1
    assert "Unknown parameter" in botocore_errors([finding])


def _mutations() -> st.SearchStrategy[tuple[list[Any], Any]]:
    paths = st.sampled_from(
        [
            ["Title"],
            ["Id"],
            ["AwsAccountId"],
            ["Types", 0],
            ["Severity", "Label"],
            ["CreatedAt"],
            ["Resources", 0, "Type"],
            ["Resources", 0, "Id"],
            ["Resources", 0, "Partition"],
            ["Compliance", "Status"],
            ["Compliance", "RelatedRequirements"],
            ["ProductFields"],
            ["Resources"],
            ["Remediation", "Recommendation", "Text"],
            ["RecordState"],
            ["SchemaVersion"],
            ["Description"],
        ]
    )
    values = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.text(max_size=600)
        | st.lists(st.text(max_size=5), max_size=40)
        | st.dictionaries(st.text(max_size=130), st.text(max_size=5), max_size=55)
        | st.just([])
        | st.just("x" * 1025)
        | st.just("2025-01-01T00:00:00Z")
        | st.just("CRITICAL")
        | st.just("  ")
    )
    return st.tuples(paths, values)


def _set(doc: Any, path: list[Any], value: Any) -> None:
    """Set doc[path] = value when every step of the path exists; otherwise leave doc alone."""
    for step in path[:-1]:
        if (isinstance(doc, dict) and step in doc) or (
            isinstance(doc, list) and isinstance(step, int) and step < len(doc)
        ):
            doc = doc[step]
        else:
            return
    last = path[-1]
    if isinstance(doc, dict) or (isinstance(doc, list) and isinstance(last, int) and last < len(doc)):
        doc[last] = value


@settings(max_examples=300, deadline=None)
@given(st.lists(_mutations(), min_size=1, max_size=3), st.integers(0, 4))
def test_compiled_validator_agrees_with_jsonschema(mutations, which: int) -> None:
    base = build_findings(sample_results(), Placement(account_id=MGMT, region="us-east-1"), RUN_AT)[which]
    finding = copy.deepcopy(base)
    for path, value in mutations:
        _set(finding, path, value)
    assert compiled_validator()(finding) == _jsonschema_validator().is_valid(finding)
