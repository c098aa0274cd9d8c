"""rootguard's Security Hub CSPM insights, created once however often set-up runs.

Insights are matched by Name (GetInsights); a missing one is created, one whose Filters or GroupByAttribute
drifted from the definition here is updated in place, a matching one is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Literal

import boto3
from botocore.client import BaseClient
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict

from rootguard.aws.errors import HUB_NOT_ENABLED, error_code, error_message
from rootguard.aws.session import identify
from rootguard.errors import AwsSetupError
from rootguard.findings.ids import generator_id, product_arn
from rootguard.models import Caller
from rootguard.securityhub.report import hub_not_enabled_message
from rootguard.securityhub.targets import Target

log = logging.getLogger(__name__)

MEMBERS_WITH_ROOT = "rootguard: member accounts with root credentials"
POSTURE_BY_CHECK = "rootguard: posture by check"


class InsightDefinition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    filters: dict[str, list[dict[str, str]]]
    group_by: str


class InsightChange(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    action: Literal["created", "updated", "unchanged"]
    arn: str

    def line(self) -> str:
        return f"insight {self.name!r}: {self.action} ({self.arn})"


def _equals(value: str) -> list[dict[str, str]]:
    return [{"Value": value, "Comparison": "EQUALS"}]


def insight_definitions(product: str) -> list[InsightDefinition]:
    """The dashboards, for findings of `product` (rootguard's default-product ARN in that hub)."""
    return [
        InsightDefinition(
            name=MEMBERS_WITH_ROOT,
            filters={
                "ProductArn": _equals(product),
                "GeneratorId": _equals(generator_id("iam_member_root_credentials_absent")),
                "ComplianceStatus": _equals("FAILED"),
                "RecordState": _equals("ACTIVE"),
            },
            group_by="ResourceId",
        ),
        InsightDefinition(
            name=POSTURE_BY_CHECK,
            filters={
                "ProductArn": _equals(product),
                "GeneratorId": [{"Value": "rootguard/", "Comparison": "PREFIX"}],
                "ComplianceStatus": _equals("FAILED"),
                "RecordState": _equals("ACTIVE"),
            },
            group_by="GeneratorId",
        ),
    ]


def _canonical(filters: dict[str, Any]) -> dict[str, list[tuple[tuple[str, Any], ...]]]:
    """Filters compared by content: empty lists dropped, each condition's keys and the conditions sorted."""
    out: dict[str, list[tuple[tuple[str, Any], ...]]] = {}
    for name, conditions in (filters or {}).items():
        if not conditions:
            continue
        out[name] = sorted(tuple(sorted(c.items())) for c in conditions)
    return out


def _existing_by_name(client: BaseClient) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    token: str | None = None
    while True:
        request: dict[str, Any] = {"MaxResults": 100}
        if token:
            request["NextToken"] = token
        page = client.get_insights(**request)
        for insight in page.get("Insights", []):
            found.setdefault(insight["Name"], insight)  # the first of same-named insights is rootguard's
        token = page.get("NextToken")
        if not token:
            return found


def ensure_insights(
    client: BaseClient, product: str, definitions: Iterable[InsightDefinition] | None = None
) -> list[InsightChange]:
    """Create or update rootguard's insights in the hub `client` talks to. Idempotent."""
    wanted = list(definitions) if definitions is not None else insight_definitions(product)
    existing = _existing_by_name(client)
    changes: list[InsightChange] = []
    for spec in wanted:
        current = existing.get(spec.name)
        if current is None:
            arn = client.create_insight(Name=spec.name, Filters=spec.filters, GroupByAttribute=spec.group_by)[
                "InsightArn"
            ]
            changes.append(InsightChange(name=spec.name, action="created", arn=arn))
        elif (
            _canonical(current.get("Filters") or {}) != _canonical(spec.filters)
            or current.get("GroupByAttribute") != spec.group_by
        ):
            client.update_insight(
                InsightArn=current["InsightArn"], Filters=spec.filters, GroupByAttribute=spec.group_by
            )
            changes.append(InsightChange(name=spec.name, action="updated", arn=current["InsightArn"]))
        else:
            changes.append(InsightChange(name=spec.name, action="unchanged", arn=current["InsightArn"]))
        log.info("%s", changes[-1].line())
    return changes


def setup_insights(
    session: boto3.Session, region: str | None = None, *, caller: Caller | None = None
) -> list[InsightChange]:
    """ensure_insights for the caller's account in `region` (default: the caller's home Region), with the
    set-up errors a person can fix as one-line AwsSetupError. `caller`: who the session is, when already
    known; otherwise rootguard.aws.identify asks STS."""
    who = caller or identify(session, region)
    where = region or who.region
    try:
        client = session.client("securityhub", region_name=where)
        return ensure_insights(client, product_arn(who.partition, where, who.account_id))
    except ClientError as exc:
        code = error_code(exc)
        if code == HUB_NOT_ENABLED:
            raise AwsSetupError(
                hub_not_enabled_message(Target(who.account_id, where, who.partition))
            ) from None
        raise AwsSetupError(
            f"cannot set up Security Hub CSPM insights: {code}: {error_message(exc)}"
        ) from None
    except BotoCoreError as exc:
        raise AwsSetupError(f"cannot set up Security Hub CSPM insights: {exc}") from None
