"""Shared by the publisher tests: a small organization, findings built the real way, and a FailedFindings
injector that makes Security Hub leave chosen findings out of an import, as a partial failure does."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from rootguard.findings import Placement, build_findings
from rootguard.models import NotEvaluatedReason, ResourceKind, Result, ResultResource, Status

MGMT = "111111111111"
MEMBERS = ("222222222221", "222222222222", "222222222223")
ORG = "o-publisher01"
REGION = "us-east-1"
MEMBER_CHECK = "iam_member_root_credentials_absent"
ORG_CHECK = "iam_org_root_sessions_enabled"
RUN_1 = datetime(2025, 3, 1, 8, 0, 0, tzinfo=UTC)
RUN_2 = RUN_1 + timedelta(days=1)
RUN_3 = RUN_1 + timedelta(days=2)


def scenario(hub: dict[str, list[str]] | None = None, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "publisher",
        "seed": 5,
        "organization": {
            "id": ORG,
            "management_account": {"id": MGMT},
            "feature_set": "ALL",
            "trusted_access": ["iam.amazonaws.com"],
            "root_access_features": ["RootCredentialsManagement", "RootSessions"],
        },
        "accounts": [{"id": acct, "name": f"member-{acct[-1]}"} for acct in MEMBERS],
        "securityhub": {"enabled": hub if hub is not None else {"*": [REGION]}},
    }
    data.update(changes)
    return data


def member_result(account: str, status: Status = Status.FAIL, check: str = MEMBER_CHECK) -> Result:
    reason = NotEvaluatedReason.SCP_DENIED if status is Status.NOT_EVALUATED else None
    message = {
        Status.FAIL: f"Root user of {account} still has a password.",
        Status.PASS: f"Root user of {account} has no credentials.",
        Status.NOT_EVALUATED: f"Root session into {account} denied by an SCP.",
    }[status]
    details = {"kinds": ["password"]} if status is Status.FAIL else {}
    return Result(
        check_id=check,
        status=status,
        reason=reason,
        resource=ResultResource(
            kind=ResourceKind.ACCOUNT,
            id=account,
            arn=f"arn:aws:organizations::{MGMT}:account/{ORG}/{account}",
            name=f"member-{account[-4:]}",
        ),
        message=message,
        details=details,
    )


def org_result(status: Status = Status.FAIL) -> Result:
    return Result(
        check_id=ORG_CHECK,
        status=status,
        resource=ResultResource(
            kind=ResourceKind.ORGANIZATION, id=ORG, arn=f"arn:aws:organizations::{MGMT}:organization/{ORG}"
        ),
        message="RootSessions is not enabled for the organization.",
    )


def synthetic_accounts(count: int) -> list[str]:
    return [f"{900000000000 + i:012d}" for i in range(count)]


def central_findings(
    results: list[Result], run_at: datetime = RUN_1, account: str = MGMT, region: str = REGION
) -> list[dict[str, Any]]:
    return build_findings(results, Placement(account_id=account, region=region), run_at)


def per_member_findings(results: list[Result], run_at: datetime = RUN_1) -> list[dict[str, Any]]:
    def where(result: Result) -> Placement:
        account = result.resource.id if result.resource.kind is ResourceKind.ACCOUNT else MGMT
        return Placement(account_id=account, region=REGION)

    return build_findings(results, where, run_at)


@dataclass
class FailedFindingsInjector:
    """Registers botocore handlers on a session so that BatchImportFindings leaves chosen findings out of the
    request and reports them in FailedFindings with `code`, `times` times per finding (None: always)."""

    failing: dict[str, str]  # finding Id -> ErrorCode
    times: int | None = None
    failures: Counter[str] = field(default_factory=Counter)
    calls: int = 0
    _ids: itertools.count = field(default_factory=itertools.count)

    def install(self, session: boto3.Session) -> FailedFindingsInjector:
        events = session.events
        events.register("before-parameter-build.securityhub.BatchImportFindings", self._drop)
        events.register("before-call.securityhub.BatchImportFindings", self._short_circuit)
        events.register("after-call.securityhub.BatchImportFindings", self._report)
        return self

    def _should_fail(self, fid: str) -> bool:
        return fid in self.failing and (self.times is None or self.failures[fid] < self.times)

    def _drop(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        self.calls += 1
        kept, dropped = [], []
        for finding in params.get("Findings", []):
            (dropped if self._should_fail(finding["Id"]) else kept).append(finding)
        for finding in dropped:
            self.failures[finding["Id"]] += 1
        context["injected_failures"] = [
            {"Id": f["Id"], "ErrorCode": self.failing[f["Id"]], "ErrorMessage": "injected"} for f in dropped
        ]
        if not kept:
            context["injected_all"] = True
            kept = dropped[:1]  # the request must stay valid; before-call answers it without sending
        params["Findings"] = kept

    def _short_circuit(self, context: dict[str, Any], **_: Any) -> Any:
        if not context.get("injected_all"):
            return None

        class _Http:
            status_code = 200
            headers: dict[str, str] = {}

        return _Http(), {"SuccessCount": 0, "FailedCount": 0, "FailedFindings": []}

    def _report(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        extra = context.get("injected_failures") or []
        if not extra:
            return
        parsed.setdefault("FailedFindings", []).extend(extra)
        parsed["FailedCount"] = parsed.get("FailedCount", 0) + len(extra)


class FakeClock:
    """A clock that moves only when slept on: pacing and backoff are checked without waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
