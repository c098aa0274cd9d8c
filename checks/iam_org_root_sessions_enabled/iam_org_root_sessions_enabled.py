"""Prowler adapter for rootguard's iam_org_root_sessions_enabled rule (the logic lives in rootguard.rules.iam_org_root_sessions_enabled)."""

from prowler.lib.check.models import Check, Check_Report_AWS

from rootguard.prowler.bridge import reports_for


class iam_org_root_sessions_enabled(Check):
    def execute(self) -> list[Check_Report_AWS]:
        return reports_for(self, "iam_org_root_sessions_enabled")
