"""Prowler adapter for rootguard's organizations_iam_delegated_admin_allowed rule (the logic lives in rootguard.rules.organizations_iam_delegated_admin_allowed)."""

from prowler.lib.check.models import Check, Check_Report_AWS

from rootguard.prowler.bridge import reports_for


class organizations_iam_delegated_admin_allowed(Check):
    def execute(self) -> list[Check_Report_AWS]:
        return reports_for(self, "organizations_iam_delegated_admin_allowed")
