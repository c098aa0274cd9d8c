"""Prowler adapter for rootguard's iam_member_root_credentials_absent rule (the logic lives in rootguard.rules.iam_member_root_credentials_absent)."""

from prowler.lib.check.models import Check, Check_Report_AWS

from rootguard.prowler.bridge import reports_for


class iam_member_root_credentials_absent(Check):
    def execute(self) -> list[Check_Report_AWS]:
        return reports_for(self, "iam_member_root_credentials_absent")
