"""A scan's posture as CloudWatch metrics, in the Embedded Metric Format (`--metrics emf`).

EMF is a JSON log line that CloudWatch Logs turns into metrics when the line reaches a log group: no
PutMetricData call and no permission beyond writing the log, which the scheduled scan's build already does
(its log group receives the build's stdout and stderr). Specification:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html

- one line, one JSON object, nothing before or after it on the line ("The LogEvent message MUST be a valid
  JSON object with no additional data at the beginning or end");
- `_aws.Timestamp`: the run's time in milliseconds since the epoch; `_aws.CloudWatchMetrics`: one
  MetricDirective with the namespace, the dimension sets and at most 100 metric definitions (Name, Unit);
- every metric and dimension named there is a member of the root object: a metric a number, a dimension a
  string of at most 1,024 characters; a dimension set holds at most 30 keys and MAY be empty.

Two dimension sets: `["Organization"]` (one series per organization) and `[]` (one series over every
organization this namespace receives), so a dashboard or an alarm can watch the posture without knowing the
organization id. Each metric is thus two custom metrics. A count that is unknown is left out, never sent as 0:
the member counts when the member check did not run, MembersClean when the account list is incomplete. The CLI
prints the line on stderr, after the scan: stdout keeps exactly what `--format` promises (a table, or one JSON
document), and CloudWatch Logs, CodeBuild, ECS (awslogs) and Lambda capture both streams.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from rootguard.models import Result
from rootguard.reports.posture import Posture, posture_of

DEFAULT_NAMESPACE = "rootguard"
DIMENSION = "Organization"
EMF_SPEC = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html"
MAX_METRICS = 100  # per MetricDirective
MAX_DIMENSION_VALUE = 1024

# Metric name -> what it counts (all Unit Count), in dashboard order.
METRICS: dict[str, str] = {
    "MembersClean": "member accounts whose root user holds no credentials (absent when the list is incomplete)",
    "MembersWithRootCredentials": "member accounts whose root user still holds credentials",
    "MembersNotEvaluated": "member accounts that should have been evaluated and were not (a partial run)",
    "MembersOutOfScope": "member accounts not evaluated by design: excluded, suspended, closing",
    "MembersWithRootPassword": "member accounts whose root user has a password",
    "MembersWithRootAccessKeys": "member accounts whose root user has access keys (active or not)",
    "OrganizationChecksFailed": "organization-level checks that FAILED (the management root user's included)",
    "OrganizationChecksNotEvaluated": "organization-level results not evaluated (an incomplete account list too)",
}
MEMBER_METRICS = frozenset(m for m in METRICS if m.startswith("Members"))


def metric_values(p: Posture) -> dict[str, int]:
    """The metrics known for this run (unknown ones are absent)."""
    values: dict[str, int | None] = {
        "MembersClean": p.members_clean,
        "MembersWithRootCredentials": p.members_with_root_credentials,
        "MembersNotEvaluated": p.members_unevaluated,
        "MembersOutOfScope": p.members_out_of_scope if p.member_check_ran else None,
        "MembersWithRootPassword": p.credentials["password"] if p.member_check_ran else None,
        "MembersWithRootAccessKeys": (
            p.credentials["active_access_keys"] + p.credentials["inactive_access_keys"]
            if p.member_check_ran
            else None
        ),
        "OrganizationChecksFailed": p.org_checks_failed if p.org_checks_total else None,
        "OrganizationChecksNotEvaluated": p.org_checks_not_evaluated if p.org_checks_total else None,
    }
    return {name: v for name, v in values.items() if v is not None}


def emf_document(
    results: Iterable[Result],
    *,
    organization: str | None,
    run_at: datetime,
    checks: Sequence[str] | None = None,
    namespace: str = DEFAULT_NAMESPACE,
    version: str = "",
) -> dict[str, Any]:
    """The EMF document of one run."""
    values = metric_values(posture_of(results, checks))
    if len(values) > MAX_METRICS:  # pragma: no cover - eight metrics; guards a future list
        raise ValueError(f"EMF allows {MAX_METRICS} metrics per directive, not {len(values)}")
    dimension_sets: list[list[str]] = [[]]
    doc: dict[str, Any] = {}
    if organization:
        dimension_sets.insert(0, [DIMENSION])
        doc[DIMENSION] = organization[:MAX_DIMENSION_VALUE]
    doc["_aws"] = {
        "Timestamp": int(run_at.timestamp() * 1000),
        "CloudWatchMetrics": [
            {
                "Namespace": namespace,
                "Dimensions": dimension_sets,
                "Metrics": [{"Name": name, "Unit": "Count"} for name in values],
            }
        ],
    }
    doc.update(values)
    if version:
        doc["RootguardVersion"] = version  # context, not a dimension: it does not multiply the metrics
    return doc


def emf_line(doc: dict[str, Any]) -> str:
    """One log line: compact JSON, no newline inside, newline-terminated."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"
