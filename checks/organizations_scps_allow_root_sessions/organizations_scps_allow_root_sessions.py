"""Prowler adapter for rootguard's organizations_scps_allow_root_sessions rule (the logic lives in rootguard.rules.organizations_scps_allow_root_sessions)."""

from prowler.lib.check.models import Check, Check_Report_AWS

from rootguard.prowler.bridge import reports_for


class organizations_scps_allow_root_sessions(Check):
    def execute(self) -> list[Check_Report_AWS]:
        return reports_for(self, "organizations_scps_allow_root_sessions")
