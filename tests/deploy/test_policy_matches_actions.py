"""The scanner policy must allow exactly the AWS actions rootguard performs: no fewer (the scan would fail),
no more (least privilege).

`assert_policy_covers_exactly(actions, policy_json)` compares a set of IAM actions (e.g. recorded from a
full scan and publish against the sandbox) with what the Allow statements of a policy grant. Wildcards in the
policy (`organizations:List*`) are expanded against the service's API operations in botocore's models, so a
wildcard that grants more than was used is reported, not silently accepted. Resources and conditions are not
compared: this is about which actions; the shape tests in test_deploy_policies.py cover where.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import botocore.session
import pytest
from deploy_support import DEPLOY, as_list, statements

# Actions every authenticated principal may call whatever its policies say (sts:GetCallerIdentity is not
# controlled by IAM policies), so a recorded call needs no grant.
NEEDS_NO_PERMISSION = frozenset({"sts:getcalleridentity"})

# IAM service prefix -> botocore service name, where they differ.
_BOTOCORE_NAMES = {"monitoring": "cloudwatch", "events": "events", "scheduler": "scheduler"}


@cache
def _operations(prefix: str) -> frozenset[str] | None:
    """API operations of an IAM service prefix, lower-cased as `prefix:operation`; None when unknown."""
    session = botocore.session.get_session()
    name = _BOTOCORE_NAMES.get(prefix, prefix)
    if name not in session.get_available_services():
        return None
    model = session.get_service_model(name)
    return frozenset(f"{prefix}:{op.lower()}" for op in model.operation_names)


def _pattern(action: str) -> re.Pattern[str]:
    """IAM action matching: case-insensitive, `*` any run of characters, `?` one character."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in action.lower())
    return re.compile(f"^{body}$")


def allowed_action_patterns(policy_json: dict[str, Any]) -> list[str]:
    """Action entries of the policy's Allow statements, as written."""
    out: list[str] = []
    for stmt in statements(policy_json):
        if stmt.get("Effect") != "Allow":
            continue
        if "NotAction" in stmt:
            raise AssertionError(
                f"statement {stmt.get('Sid', '?')}: Allow with NotAction grants open-ended actions"
            )
        out.extend(as_list(stmt["Action"]))
    return out


def expand(pattern: str) -> frozenset[str]:
    """Every action a policy entry grants (lower-case). A wildcard is expanded against botocore's operations
    of its service; a wildcard over the service prefix itself or an unknown service cannot be checked."""
    lowered = pattern.lower()
    if "*" not in lowered and "?" not in lowered:
        return frozenset({lowered})
    prefix, sep, _ = lowered.partition(":")
    if not sep or "*" in prefix or "?" in prefix:
        raise AssertionError(f"{pattern!r}: a wildcard across services grants everything")
    operations = _operations(prefix)
    if operations is None:
        raise AssertionError(f"{pattern!r}: cannot expand a wildcard for unknown service {prefix!r}")
    regex = _pattern(lowered)
    return frozenset(op for op in operations if regex.match(op))


def assert_policy_covers_exactly(actions: set[str], policy_json: dict[str, Any]) -> None:
    """Fail unless the policy's Allow statements grant every action in `actions` and nothing else.

    `actions` are IAM actions such as "organizations:ListAccounts" (any case). Raises AssertionError naming
    the missing actions (used but not granted) and the excess ones (granted but never used, including what a
    wildcard expands to)."""
    used = {a.lower() for a in actions} - NEEDS_NO_PERMISSION
    patterns = allowed_action_patterns(policy_json)
    granted: set[str] = set()
    for pattern in patterns:
        granted |= expand(pattern)
    regexes = [_pattern(p) for p in patterns]
    # An action a wildcard covers but botocore does not list (permission-only) still counts as granted.
    missing = sorted(a for a in used if a not in granted and not any(r.match(a) for r in regexes))
    excess = sorted(granted - used)
    problems = []
    if missing:
        problems.append(f"used but not allowed: {', '.join(missing)}")
    if excess:
        problems.append(f"allowed but never used: {', '.join(excess)}")
    if problems:
        raise AssertionError("; ".join(problems))


# ------------------------------------------------------------------------------------------------ unit tests


def _policy(*actions: str | list[str], deny: list[str] | None = None) -> dict[str, Any]:
    stmts: list[dict[str, Any]] = [{"Effect": "Allow", "Action": a, "Resource": "*"} for a in actions]
    if deny:
        stmts.append({"Effect": "Deny", "Action": deny, "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": stmts}


def test_exact_match_passes() -> None:
    assert_policy_covers_exactly(
        {"organizations:ListAccounts", "sts:AssumeRoot"},
        _policy(["organizations:ListAccounts"], "sts:AssumeRoot"),
    )


def test_missing_action_is_named() -> None:
    with pytest.raises(AssertionError, match=r"used but not allowed: organizations:listroots$"):
        assert_policy_covers_exactly(
            {"organizations:ListAccounts", "organizations:ListRoots"}, _policy("organizations:ListAccounts")
        )


def test_unused_grant_is_named() -> None:
    with pytest.raises(AssertionError, match=r"allowed but never used: securityhub:getinsights$"):
        assert_policy_covers_exactly(
            {"securityhub:GetFindings"}, _policy(["securityhub:GetFindings", "securityhub:GetInsights"])
        )


def test_matching_is_case_insensitive() -> None:
    assert_policy_covers_exactly({"IAM:listorganizationsfeatures"}, _policy("iam:ListOrganizationsFeatures"))


def test_wildcard_covers_every_operation_it_expands_to() -> None:
    every_list = {op for op in _operations("organizations") or () if op.startswith("organizations:list")}
    assert "organizations:listaccounts" in every_list and len(every_list) > 10
    assert_policy_covers_exactly(every_list, _policy("organizations:List*"))


def test_wildcard_that_grants_more_than_used_fails_with_the_excess() -> None:
    with pytest.raises(AssertionError) as err:
        assert_policy_covers_exactly({"organizations:ListAccounts"}, _policy("organizations:List*"))
    message = str(err.value)
    assert "organizations:listroots" in message and "organizations:listpolicies" in message
    assert "organizations:listaccounts," not in message  # the used one is not reported as excess
    assert "used but not allowed" not in message


def test_question_mark_wildcard() -> None:
    assert expand("sts:AssumeRo?t") == {"sts:assumeroot"}


def test_service_wide_and_global_wildcards_are_rejected() -> None:
    with pytest.raises(AssertionError, match="across services"):
        assert_policy_covers_exactly({"s3:GetObject"}, _policy("*"))
    with pytest.raises(AssertionError, match="allowed but never used"):
        assert_policy_covers_exactly({"sts:AssumeRoot"}, _policy("sts:*"))


def test_unknown_service_wildcard_cannot_be_checked() -> None:
    with pytest.raises(AssertionError, match="unknown service"):
        assert_policy_covers_exactly({"nosuchservice:Read"}, _policy("nosuchservice:*"))


def test_deny_statements_grant_nothing() -> None:
    with pytest.raises(AssertionError, match="used but not allowed: sts:assumerole"):
        assert_policy_covers_exactly({"sts:AssumeRole"}, _policy(deny=["sts:AssumeRole"]))


def test_allow_with_not_action_is_rejected() -> None:
    policy = {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
    with pytest.raises(AssertionError, match="NotAction"):
        assert_policy_covers_exactly(set(), policy)


def test_get_caller_identity_needs_no_grant() -> None:
    assert_policy_covers_exactly(
        {"sts:GetCallerIdentity", "iam:ListOrganizationsFeatures"}, _policy("iam:ListOrganizationsFeatures")
    )


# ------------------------------------------------------------------------------------ the scanner, end to end

# The calls rootguard's scan, publish and Security Hub setup make with the scanner's own credentials (calls
# inside a root session are governed by the audit task policy, calls in a member import session by
# member-import-role.yaml). The end-to-end test below records them from a real run; this list documents them
# and keeps the policy check meaningful when that test is deselected.
EXPECTED_SCANNER_ACTIONS = {
    "organizations:DescribeOrganization",
    "organizations:ListAWSServiceAccessForOrganization",
    "organizations:ListAccounts",
    "organizations:ListRoots",
    "organizations:ListDelegatedAdministrators",
    "organizations:ListPolicies",
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:DescribePolicy",
    "organizations:ListTargetsForPolicy",
    "iam:ListOrganizationsFeatures",
    "iam:GetAccountSummary",  # the management account's own root user
    "iam:ListVirtualMFADevices",
    "sts:AssumeRoot",
    "sts:GetCallerIdentity",
    "securityhub:BatchImportFindings",
    "securityhub:GetFindings",
    "securityhub:CreateInsight",
    "securityhub:GetInsights",
    "securityhub:UpdateInsight",
}

# With securityhub.reconcile_controls (or `rootguard securityhub reconcile --apply`), in the Security Hub
# administrator account: the enabled standards, and the updates of the root-user control findings.
RECONCILE_ACTIONS = {"securityhub:GetEnabledStandards", "securityhub:BatchUpdateFindings"}

# What rootguard does inside an audit root session: the summary, then the detail reads where something is
# present. All of them are in AWS's IAMAuditRootUserCredentials task policy.
EXPECTED_ROOT_SESSION_ACTIONS = {
    "iam:GetAccountSummary",
    "iam:GetLoginProfile",
    "iam:ListAccessKeys",
    "iam:ListMFADevices",
    "iam:ListSigningCertificates",
}


def _scanner_policy() -> dict[str, Any]:
    return json.loads((DEPLOY / "policies" / "scanner-policy.json").read_text(encoding="utf-8"))


def _reconciling_scanner_policy() -> dict[str, Any]:
    from deploy_support import load_build

    return load_build().render_policy("scanner", parameters={"ReconcileRootUserControls": "true"})


def test_reconciliation_statement_grants_exactly_its_actions() -> None:
    assert_policy_covers_exactly(EXPECTED_SCANNER_ACTIONS | RECONCILE_ACTIONS, _reconciling_scanner_policy())
    with pytest.raises(AssertionError, match="securityhub:batchupdatefindings"):
        assert_policy_covers_exactly(EXPECTED_SCANNER_ACTIONS | RECONCILE_ACTIONS, _scanner_policy())


def test_scanner_policy_grants_exactly_the_documented_scanner_actions() -> None:
    assert_policy_covers_exactly(EXPECTED_SCANNER_ACTIONS, _scanner_policy())


def test_scanner_policy_check_fails_when_an_action_is_dropped() -> None:
    with pytest.raises(AssertionError, match="organizations:listroots"):
        assert_policy_covers_exactly(
            EXPECTED_SCANNER_ACTIONS - {"organizations:ListRoots"}, _scanner_policy()
        )


@pytest.mark.slow
def test_full_scan_publish_and_setup_use_exactly_the_scanner_policy(demo_sandbox: Any, tmp_path: Any) -> None:
    """Record every action of `rootguard scan --publish` and `rootguard securityhub setup` on the demo sandbox
    and hold scanner-policy.json to exactly the scanner's recorded actions."""
    from rootguard.securityhub.insights import insight_definitions

    sb = demo_sandbox
    hub = sb.session().client("securityhub")
    product = f"arn:aws:securityhub:{sb.region}:{sb.management_account_id}:product/{sb.management_account_id}/default"
    drifted = insight_definitions(product)[0]
    # An insight of rootguard's name whose filters drifted: setup must update it (UpdateInsight), not add one.
    hub.create_insight(
        Name=drifted.name,
        Filters={"ProductArn": drifted.filters["ProductArn"]},
        GroupByAttribute="ResourceId",
    )
    sb.clear_recorded_calls()

    from rootguard.cli import main

    with pytest.MonkeyPatch.context() as mp:
        for key, value in sb.env().items():
            mp.setenv(key, value)
        mp.delenv("AWS_PROFILE", raising=False)
        mp.delenv("AWS_SESSION_TOKEN", raising=False)
        # --metrics emf as the scheduled scan runs it: the metrics ride on the log, they add no API call.
        scan_rc = main(["scan", "--publish", "--metrics", "emf", "--output-dir", str(tmp_path)])
        setup_rc = main(["securityhub", "setup"])
    assert scan_rc == 3, "the demo's SCP-blocked and suspended accounts make the scan partial (exit 3)"
    assert setup_rc == 0

    scanner = sb.recorded_actions("scanner")
    assert "securityhub:UpdateInsight" in scanner and "securityhub:BatchImportFindings" in scanner
    assert scanner == EXPECTED_SCANNER_ACTIONS, sorted(scanner ^ EXPECTED_SCANNER_ACTIONS)
    assert_policy_covers_exactly(scanner, _scanner_policy())

    # Every scanner call was allowed; the only refusals are the root sessions the demo's deny-root SCP blocks.
    refused = {(c.action, c.principal_kind, c.outcome) for c in sb.recorded_calls() if c.outcome != "ok"}
    assert refused == {("iam:GetAccountSummary", "root-session", "AccessDenied")}
    assert sb.recorded_actions("root-session") == EXPECTED_ROOT_SESSION_ACTIONS


@pytest.mark.slow
def test_scan_with_reconciliation_uses_exactly_the_reconciling_scanner_policy(
    demo_sandbox: Any, tmp_path: Any
) -> None:
    """The scanner policy rendered with ReconcileRootUserControls=true must allow exactly what the scanner does
    when reconciliation is on: the full run of the test above (management account, setup) and the same scan with
    securityhub.reconcile_controls from the demo's Security Hub (and IAM) delegated administrator, where
    reconciliation runs. The default policy would refuse the reconciliation."""
    from rootguard.cli import main
    from rootguard.securityhub.insights import insight_definitions

    sb = demo_sandbox
    admin = "222222222222"
    config = tmp_path / "rootguard.yaml"
    config.write_text("securityhub:\n  reconcile_controls: true\n")
    mgmt = sb.management_account_id
    drifted = insight_definitions(f"arn:aws:securityhub:{sb.region}:{mgmt}:product/{mgmt}/default")[0]
    sb.session().client("securityhub").create_insight(  # setup must update it: UpdateInsight
        Name=drifted.name,
        Filters={"ProductArn": drifted.filters["ProductArn"]},
        GroupByAttribute="ResourceId",
    )
    sb.clear_recorded_calls()

    def cli(account: str, *args: str) -> int:
        with pytest.MonkeyPatch.context() as mp:
            for key, value in sb.env(account).items():
                mp.setenv(key, value)
            mp.delenv("AWS_PROFILE", raising=False)
            mp.delenv("AWS_SESSION_TOKEN", raising=False)
            return main(list(args))

    assert cli(mgmt, "scan", "--publish", "--output-dir", str(tmp_path / "mgmt")) == 3
    assert cli(mgmt, "securityhub", "setup") == 0
    assert (
        cli(admin, "scan", "--publish", "--config", str(config), "--output-dir", str(tmp_path / "admin")) == 3
    )

    assert sb.recorded_actions("scanner", admin) >= RECONCILE_ACTIONS
    assert not RECONCILE_ACTIONS & sb.recorded_actions("scanner", mgmt)
    scanner = sb.recorded_actions("scanner")
    expected = EXPECTED_SCANNER_ACTIONS | RECONCILE_ACTIONS
    assert scanner == expected, sorted(scanner ^ expected)
    assert_policy_covers_exactly(scanner, _reconciling_scanner_policy())
    with pytest.raises(AssertionError, match="used but not allowed"):
        assert_policy_covers_exactly(scanner, _scanner_policy())
    refused = {(c.action, c.principal_kind, c.outcome) for c in sb.recorded_calls() if c.outcome != "ok"}
    assert refused == {("iam:GetAccountSummary", "root-session", "AccessDenied")}
