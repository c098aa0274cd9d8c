"""AWS Security Hub, as moto's securityhub service extended with the contract AWS enforces.

- responses: the wire (moto's ``SecurityHubResponse`` subclassed, every Security Hub path routed to it);
- backend: the state per account and Region (findings, product subscriptions, insights) and the rules of
  import, update and query;
- asff: per-finding ASFF validation; filters: GetFindings ``Filters`` and ``SortCriteria``;
- errors: the error shapes on the wire; api_model: botocore's securityhub model, loaded once.

The functions below read and set a hub directly, for tests and demos (a sandbox must be running).
"""

from rootguard.sandbox.securityhub.backend import (
    disable_hub,
    enable_hub,
    enable_import_findings_for_product,
    findings,
    hub_enabled,
    insights,
    state,
)

__all__ = [
    "disable_hub",
    "enable_hub",
    "enable_import_findings_for_product",
    "findings",
    "hub_enabled",
    "insights",
    "state",
]
