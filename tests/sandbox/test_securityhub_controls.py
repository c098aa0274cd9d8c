"""The sandbox plays Security Hub CSPM's side for the root user: standards, the IAM.4/IAM.6/IAM.9 findings
derived from each account's root user, the administrator's view, workflow rules, control status and score."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from rootguard.sandbox import ScenarioError, load_scenario
from rootguard.sandbox.securityhub import backend
from rootguard.sandbox.securityhub.controls import security_score, standard_arn

MGMT = "111111111111"
ADMIN = "222222222222"
CLEAN = "333333333331"
PASSWORD = "333333333332"  # password, virtual MFA
HARDWARE = "333333333333"  # password, hardware MFA
KEYS = "333333333334"  # inactive access key only
SUSPENDED = "333333333335"
REGION = "us-east-1"
CIS = "standards/cis-aws-foundations-benchmark/v/1.4.0"
FSBP = "standards/aws-foundational-security-best-practices/v/1.0.0"
PRODUCT = f"arn:aws:securityhub:{REGION}::product/aws/securityhub"


def scenario(mode: str = "FAILED", **securityhub: Any) -> dict[str, Any]:
    return {
        "region": REGION,
        "organization": {
            "id": "o-controls01",
            "management_account": {"id": MGMT},
            "trusted_access": ["securityhub.amazonaws.com"],
            "delegated_administrators": {"securityhub.amazonaws.com": [ADMIN]},
            "root_access_features": ["RootCredentialsManagement", "RootSessions"],
        },
        "accounts": [
            {"id": ADMIN},
            {"id": CLEAN},
            {"id": PASSWORD, "root": {"password": True, "mfa": [{"type": "virtual"}]}},
            {"id": HARDWARE, "root": {"password": True, "mfa": [{"type": "hardware"}]}},
            {"id": KEYS, "root": {"access_keys": [{"status": "Inactive"}]}},
            {"id": SUSPENDED, "status": "SUSPENDED"},
        ],
        "securityhub": {
            "enabled": {"*": [REGION]},
            "standards": ["cis-aws-foundations-benchmark/v/1.4.0", FSBP],
            "root_controls_without_credentials": mode,
            **securityhub,
        },
        "faults": {"default_quotas": False},
    }


def by_account(sb: Any, control: str, account: str = ADMIN) -> dict[str, dict[str, Any]]:
    hub = sb.session(account).client("securityhub")
    pages = hub.get_paginator("get_findings").paginate(
        Filters={"ComplianceSecurityControlId": [{"Value": control, "Comparison": "EQUALS"}]}
    )
    return {f["AwsAccountId"]: f for page in pages for f in page["Findings"]}


def status(finding: dict[str, Any]) -> tuple[str, str, str]:
    return finding["Compliance"]["Status"], finding["RecordState"], finding["Workflow"]["Status"]


def test_root_controls_follow_each_root_user_when_no_credentials_fail(sandbox_factory: Any) -> None:
    sb = sandbox_factory(scenario("FAILED"))
    iam4, iam6, iam9 = (by_account(sb, c) for c in ("IAM.4", "IAM.6", "IAM.9"))
    # no credentials: nothing to find, so the MFA controls fail (what teams reported); no key: IAM.4 passes
    assert status(iam4[CLEAN]) == ("PASSED", "ACTIVE", "RESOLVED")
    assert status(iam6[CLEAN]) == ("FAILED", "ACTIVE", "NEW")
    assert status(iam9[CLEAN]) == ("FAILED", "ACTIVE", "NEW")
    # a virtual device passes IAM.9, not IAM.6; a hardware device passes both
    assert status(iam9[PASSWORD])[0] == "PASSED" and status(iam6[PASSWORD])[0] == "FAILED"
    assert status(iam9[HARDWARE])[0] == "PASSED" and status(iam6[HARDWARE])[0] == "PASSED"
    # an inactive root access key is still an access key (AccountAccessKeysPresent)
    assert status(iam4[KEYS])[0] == "FAILED"
    # the management account's default root (password, hardware MFA) passes; suspended accounts run no checks
    assert status(iam6[MGMT])[0] == "PASSED" and SUSPENDED not in iam6


def test_not_applicable_archives_and_credentials_bring_the_finding_back(sandbox_factory: Any) -> None:
    sb = sandbox_factory(scenario("NOT_APPLICABLE"))
    finding = by_account(sb, "IAM.9")[CLEAN]
    assert status(finding) == ("NOT_AVAILABLE", "ARCHIVED", "NEW")
    assert finding["Compliance"]["StatusReasons"][0]["ReasonCode"] == "CONFIG_EVALUATIONS_EMPTY"
    hub = sb.session(ADMIN).client("securityhub")
    ident = {"Id": finding["Id"], "ProductArn": PRODUCT}
    hub.batch_update_findings(FindingIdentifiers=[ident], Workflow={"Status": "SUPPRESSED"})

    sb.root_user(CLEAN).set_password(True)
    backend.run_security_checks(REGION, [CLEAN])
    # re-activated and FAILED, but SUPPRESSED stays SUPPRESSED ("does not change if RecordState changes from
    # ARCHIVED to ACTIVE"): exactly the regression a static suppression hides
    assert status(by_account(sb, "IAM.9")[CLEAN]) == ("FAILED", "ACTIVE", "SUPPRESSED")


def test_workflow_rules_on_re_evaluation_and_customer_fields_survive(sandbox_factory: Any) -> None:
    sb = sandbox_factory(scenario("FAILED"))
    hub = sb.session(ADMIN).client("securityhub")
    iam9 = by_account(sb, "IAM.9")
    idents = {a: {"Id": f["Id"], "ProductArn": PRODUCT} for a, f in iam9.items()}
    hub.batch_update_findings(
        FindingIdentifiers=[idents[HARDWARE]], Workflow={"Status": "NOTIFIED"}, UserDefinedFields={"k": "v"}
    )
    hub.batch_update_findings(FindingIdentifiers=[idents[CLEAN]], Note={"Text": "n", "UpdatedBy": "me"})
    sb.root_user(HARDWARE).clear()  # PASSED -> FAILED: NOTIFIED goes back to NEW
    sb.root_user(CLEAN).add_mfa_device("hardware")  # FAILED -> PASSED: NEW becomes RESOLVED
    backend.run_security_checks(REGION)
    after = by_account(sb, "IAM.9")
    assert status(after[HARDWARE]) == ("FAILED", "ACTIVE", "NEW")
    assert after[HARDWARE]["UserDefinedFields"] == {"k": "v"}
    assert status(after[CLEAN]) == ("PASSED", "ACTIVE", "RESOLVED")
    assert after[CLEAN]["Note"]["Text"] == "n"
    assert after[CLEAN]["CreatedAt"] == iam9[CLEAN]["CreatedAt"]
    assert after[CLEAN]["UpdatedAt"] >= iam9[CLEAN]["UpdatedAt"]


def test_administrator_sees_and_updates_members_a_member_only_itself(sandbox_factory: Any) -> None:
    sb = sandbox_factory(scenario("FAILED"))
    admin_view = by_account(sb, "IAM.6", ADMIN)
    assert set(admin_view) == {MGMT, ADMIN, CLEAN, PASSWORD, HARDWARE, KEYS}
    assert set(by_account(sb, "IAM.6", MGMT)) == {MGMT}  # the management account is a member here

    hub = sb.session(ADMIN).client("securityhub")
    ident = {"Id": admin_view[CLEAN]["Id"], "ProductArn": PRODUCT}
    done = hub.batch_update_findings(FindingIdentifiers=[ident], Workflow={"Status": "SUPPRESSED"})
    assert done["ProcessedFindings"] == [ident] and not done["UnprocessedFindings"]
    # the management account is a member, not the administrator: another account's finding is not found
    other = sb.session(MGMT).client("securityhub")
    refused = other.batch_update_findings(FindingIdentifiers=[ident], Workflow={"Status": "NEW"})
    assert refused["UnprocessedFindings"][0]["ErrorCode"] == "FindingNotFound"


def test_standards_enabled_listed_and_associated(sandbox_factory: Any) -> None:
    sb = sandbox_factory(scenario("FAILED"))
    hub = sb.session(ADMIN).client("securityhub")
    subs = hub.get_enabled_standards()["StandardsSubscriptions"]
    assert {s["StandardsArn"] for s in subs} == {
        standard_arn("aws", REGION, CIS),
        standard_arn("aws", REGION, FSBP),
    }
    assert subs[0]["StandardsSubscriptionArn"].startswith(
        f"arn:aws:securityhub:{REGION}:{ADMIN}:subscription/"
    )
    # FSBP holds IAM.4 and IAM.6, not IAM.9 (user guide, FSBP standard page)
    iam9 = by_account(sb, "IAM.9")[CLEAN]["Compliance"]["AssociatedStandards"]
    assert iam9 == [{"StandardsId": CIS}]
    assert len(by_account(sb, "IAM.6")[CLEAN]["Compliance"]["AssociatedStandards"]) == 2

    pci = standard_arn("aws", REGION, "standards/pci-dss/v/3.2.1")
    hub.batch_enable_standards(StandardsSubscriptionRequests=[{"StandardsArn": pci}])
    assert len(hub.get_enabled_standards()["StandardsSubscriptions"]) == 3
    own = by_account(sb, "IAM.9")[ADMIN]["Compliance"]["AssociatedStandards"]
    assert {"StandardsId": "standards/pci-dss/v/3.2.1"} in own
    with pytest.raises(ClientError) as err:
        hub.batch_enable_standards(
            StandardsSubscriptionRequests=[{"StandardsArn": "arn:aws:securityhub:::x"}]
        )
    assert err.value.response["Error"]["Code"] == "InvalidInputException"


def test_control_status_and_score_follow_the_documented_formula() -> None:
    def finding(
        control: str, compliance: str, workflow: str = "NEW", record: str = "ACTIVE"
    ) -> dict[str, Any]:
        return {
            "Compliance": {
                "Status": compliance,
                "SecurityControlId": control,
                "AssociatedStandards": [{"StandardsId": CIS}],
            },
            "Workflow": {"Status": workflow},
            "RecordState": record,
        }

    # The user guide's example: 12 controls, six Passed, two without data -> 60 %.
    findings = [finding(f"P.{n}", "PASSED") for n in range(6)]
    findings += [finding(f"F.{n}", "FAILED") for n in range(3)]
    findings += [finding("U.1", "WARNING")]
    findings += [finding("N.1", "FAILED", workflow="SUPPRESSED"), finding("N.2", "FAILED", record="ARCHIVED")]
    assert security_score(findings, CIS) == 60
    assert security_score([finding("N.1", "FAILED", workflow="SUPPRESSED")], CIS) is None


def test_administrator_score_aggregates_members_and_a_member_sees_its_own(sandbox_factory: Any) -> None:
    sb = sandbox_factory(scenario("FAILED", other_controls={"passed": 3, "failed": 1}))
    statuses = backend.control_status(ADMIN, REGION, CIS)
    assert statuses["IAM.9"] == "Failed" and statuses["IAM.4"] == "Failed"  # KEYS fails IAM.4
    assert sum(c.startswith("Sandbox.") for c in statuses) == 4
    assert backend.security_score(ADMIN, REGION, CIS) == 43  # 3 stand-ins of 7 controls with data
    assert backend.control_status(HARDWARE, REGION, CIS) == {
        "IAM.4": "Passed",
        "IAM.6": "Passed",
        "IAM.9": "Passed",
    }
    assert backend.security_score(CLEAN, REGION, CIS) == 33  # IAM.4 passes, IAM.6 and IAM.9 fail

    hub = sb.session(ADMIN).client("securityhub")
    clean = [f for f in (by_account(sb, c)[CLEAN] for c in ("IAM.6", "IAM.9"))]
    hub.batch_update_findings(
        FindingIdentifiers=[{"Id": f["Id"], "ProductArn": PRODUCT} for f in clean],
        Workflow={"Status": "SUPPRESSED"},
    )
    # all of IAM.6's and IAM.9's findings in CLEAN are suppressed: No data there, omitted from the score
    assert backend.security_score(CLEAN, REGION, CIS) == 100


def test_scenario_rejects_unknown_standards_and_administrators() -> None:
    with pytest.raises(ScenarioError, match=r"securityhub.standards\[0\]"):
        load_scenario(scenario(standards=["no-such/v/1"]))
    with pytest.raises(ScenarioError, match=r"securityhub\.administrator"):
        load_scenario(scenario(administrator="999999999999"))
    with pytest.raises(ScenarioError, match="root_controls_without_credentials"):
        load_scenario(scenario(mode="PASSED"))
