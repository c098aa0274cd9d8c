"""AWS Security Hub, as moto's securityhub service extended with the contract AWS enforces.

- responses: the wire (moto's ``SecurityHubResponse`` subclassed, every Security Hub path routed to it);
- backend: the state per account and Region (findings, product subscriptions, insights, standards), the rules
  of import, update and query, and the administrator's view of its members;
- controls: Security Hub's own side for the root user (IAM.4, IAM.6, IAM.9 from each root user), control
  status and the security score;
- asff: per-finding ASFF validation; filters: GetFindings ``Filters`` and ``SortCriteria``;
- errors: the error shapes on the wire; api_model: botocore's securityhub model, loaded once.

The functions below read and set a hub directly, for tests and demos (a sandbox must be running).
"""

from rootguard.sandbox.securityhub.backend import (
    control_status,
    disable_hub,
    enable_hub,
    enable_import_findings_for_product,
    enable_standards,
    findings,
    hub_enabled,
    insights,
    run_security_checks,
    security_score,
    state,
)

__all__ = [
    "control_status",
    "disable_hub",
    "enable_hub",
    "enable_import_findings_for_product",
    "enable_standards",
    "findings",
    "hub_enabled",
    "insights",
    "run_security_checks",
    "security_score",
    "state",
]
