"""Prowler adapter for rootguard's iam_management_root_mfa_no_keys rule (the logic lives in rootguard.rules.iam_management_root_mfa_no_keys)."""

from prowler.lib.check.models import Check, Check_Report_AWS

from rootguard.prowler.bridge import reports_for


class iam_management_root_mfa_no_keys(Check):
    def execute(self) -> list[Check_Report_AWS]:
        return reports_for(self, "iam_management_root_mfa_no_keys")
