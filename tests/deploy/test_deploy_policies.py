"""IAM shape of every rootguard template, and the standalone policy JSON generated from the templates."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from deploy_support import (
    DEPLOY,
    TEMPLATES,
    as_list,
    identity_policies,
    load_build,
    resolved_template,
    statements,
)

build = load_build()

# Allow statements may use Resource "*" only for actions whose Service Authorization Reference entry defines
# no resource type (so nothing narrower is possible). Each entry says why.
RESOURCE_STAR_ALLOWED: dict[str, str] = {
    "organizations:DescribeOrganization": "no resource types",
    "organizations:ListAccounts": "no resource types",
    "organizations:ListAWSServiceAccessForOrganization": "no resource types",
    "organizations:ListRoots": "no resource types",
    "organizations:ListDelegatedAdministrators": "no resource types; organizations:ServicePrincipal",
    "organizations:ListPolicies": "no resource types; scoped by organizations:PolicyType",
    "iam:ListOrganizationsFeatures": "no resource types",
    "iam:GetAccountSummary": "no resource types (the management account's root user; fallback audit role)",
    "iam:ListVirtualMFADevices": "no resource types (is the management account's root MFA virtual?)",
}
# Resource "*" in a KMS key policy means "this key"; the account-administers-the-key statement is the AWS
# default key policy, without which a key can become unmanageable.
KEY_POLICY_ADMIN_SID = "AccountAdministersKeyThroughIam"

ROOT_TASK = "arn:{partition}:iam::aws:policy/root-task/{name}"
AUDIT, DELETE, CREATE_PASSWORD = (
    "IAMAuditRootUserCredentials",
    "IAMDeleteRootUserCredentials",
    "IAMCreateRootUserPassword",
)

# Parameter variants that switch every condition of every template on and off.
VARIANTS: dict[str, list[dict[str, str]]] = {
    "scanner-role.yaml": [
        {},
        {
            "MemberImportRoleName": "rootguard-securityhub-import",
            "FallbackRoleName": "rg-fb",
            "ReconcileRootUserControls": "true",
        },
    ],
    "member-import-role.yaml": [{}, {"FallbackRoleName": "rootguard-fallback-audit"}],
    "remediation-role.yaml": [{}, {"AllowPasswordRecovery": "true", "RequireMfa": "false"}],
    "scheduled-scan.yaml": [{"BucketEncryption": "SSE-KMS"}, {"BucketEncryption": "SSE-S3"}],
}


def _all_variants() -> list[tuple[Path, dict[str, str], str]]:
    out = []
    for path, partition in itertools.product(TEMPLATES, ("aws", "aws-us-gov")):
        for params in VARIANTS.get(path.name, [{}]):
            out.append((path, params, partition))
    return out


VARIANT_IDS = [f"{p.name}-{part}-{i}" for i, (p, _, part) in enumerate(_all_variants())]


@pytest.fixture(scope="module", params=_all_variants(), ids=VARIANT_IDS)
def variant(request: pytest.FixtureRequest) -> tuple[dict[str, Any], str]:
    path, params, partition = request.param
    return resolved_template(path, params, partition), partition


def _allow_statements(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (label, s)
        for label, doc in identity_policies(template)
        for s in statements(doc)
        if s["Effect"] == "Allow"
    ]


# --------------------------------------------------------------------------------------------- shape rules


def test_no_wildcard_actions_in_identity_policies(variant: tuple[dict[str, Any], str]) -> None:
    template, _ = variant
    for label, stmt in _allow_statements(template):
        assert "NotAction" not in stmt, label
        for action in as_list(stmt["Action"]):
            assert "*" not in action and "?" not in action, (
                f"{label} {stmt.get('Sid')}: wildcard action {action}"
            )


def test_resource_star_only_where_aws_has_no_resource_level_permission(
    variant: tuple[dict[str, Any], str],
) -> None:
    template, _ = variant
    for label, stmt in _allow_statements(template):
        assert "NotResource" not in stmt, label
        if "*" in as_list(stmt["Resource"]):
            extra = [a for a in as_list(stmt["Action"]) if a not in RESOURCE_STAR_ALLOWED]
            assert not extra, f"{label} {stmt.get('Sid')}: Resource * for {extra}"


def test_assume_root_is_always_conditioned_on_a_task_policy(variant: tuple[dict[str, Any], str]) -> None:
    template, partition = variant
    for label, stmt in _allow_statements(template):
        if "sts:AssumeRoot" not in as_list(stmt["Action"]):
            continue
        assert as_list(stmt["Action"]) == ["sts:AssumeRoot"], f"{label}: AssumeRoot shares a statement"
        assert stmt["Resource"] == f"arn:{partition}:iam::*:root", label
        (operator,) = stmt["Condition"]
        assert operator in ("ArnEquals", "StringEquals"), (
            f"{label}: {operator} could match more than named ARNs"
        )
        (key,) = stmt["Condition"][operator]
        assert key == "sts:TaskPolicyArn"
        for arn in as_list(stmt["Condition"][operator][key]):
            assert arn.startswith(f"arn:{partition}:iam::aws:policy/root-task/") and "*" not in arn


def test_role_trust_is_never_open(variant: tuple[dict[str, Any], str]) -> None:
    template, _ = variant
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for stmt in statements(resource["Properties"]["AssumeRolePolicyDocument"]):
            principal = stmt["Principal"]
            assert principal != "*" and principal.get("AWS") != "*", logical_id
            if "AWS" in principal:  # an account principal must be narrowed to one principal ARN
                assert principal["AWS"].endswith(":root")
                # the principal ARN, and only an MFA requirement besides (remediation role)
                (operator,) = set(stmt["Condition"]) - {"Bool"}
                assert operator in ("ArnEquals", "ArnLike")
                assert list(stmt["Condition"][operator]) == ["aws:PrincipalArn"], logical_id
                assert stmt["Condition"].get("Bool", {"aws:MultiFactorAuthPresent": "true"}) == {
                    "aws:MultiFactorAuthPresent": "true"
                }, logical_id


def test_kms_key_policy_wildcards_are_limited_to_the_documented_admin_statement() -> None:
    template = resolved_template(DEPLOY / "scheduled-scan.yaml", {"BucketEncryption": "SSE-KMS"})
    policy = template["Resources"]["EncryptionKey"]["Properties"]["KeyPolicy"]
    for stmt in statements(policy):
        if any("*" in a for a in as_list(stmt["Action"])):
            assert stmt["Sid"] == KEY_POLICY_ADMIN_SID
            assert stmt["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
        else:
            assert stmt["Condition"], f"{stmt['Sid']}: service principal access without a condition"


# ----------------------------------------------------------------------------------- what each role may do


def _assume_root_tasks(template: dict[str, Any]) -> set[str]:
    tasks: set[str] = set()
    for _, stmt in _allow_statements(template):
        if stmt["Action"] == "sts:AssumeRoot":
            tasks |= {
                arn.rsplit("/", 1)[1] for arn in as_list(stmt["Condition"]["ArnEquals"]["sts:TaskPolicyArn"])
            }
    return tasks


def _denies(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for _, doc in identity_policies(template) for s in statements(doc) if s["Effect"] == "Deny"]


def test_scanner_uses_only_the_audit_task_policy_and_denies_the_rest() -> None:
    for params in VARIANTS["scanner-role.yaml"]:
        template = resolved_template(DEPLOY / "scanner-role.yaml", params)
        assert _assume_root_tasks(template) == {AUDIT}
        (deny,) = [d for d in _denies(template) if d["Action"] == "sts:AssumeRoot"]
        assert deny["Condition"] == {
            "ArnNotEquals": {"sts:TaskPolicyArn": ROOT_TASK.format(partition="aws", name=AUDIT)}
        }


def test_remediation_role_deletes_but_never_touches_the_management_account() -> None:
    plain = resolved_template(DEPLOY / "remediation-role.yaml")
    assert _assume_root_tasks(plain) == {DELETE, AUDIT}
    recovery = resolved_template(DEPLOY / "remediation-role.yaml", {"AllowPasswordRecovery": "true"})
    assert _assume_root_tasks(recovery) == {DELETE, AUDIT, CREATE_PASSWORD}
    for template in (plain, recovery):
        management = [d for d in _denies(template) if "Condition" not in d]
        assert management == [
            {
                "Sid": "DenyManagementAccountRoot",
                "Effect": "Deny",
                "Action": "sts:AssumeRoot",
                "Resource": "arn:aws:iam::999988887777:root",
            }
        ]
        (others,) = [d for d in _denies(template) if "Condition" in d]
        allowed = set(others["Condition"]["ArnNotEquals"]["sts:TaskPolicyArn"])
        assert {a.rsplit("/", 1)[1] for a in allowed} == _assume_root_tasks(template)


def _trust(template: dict) -> dict:
    (role,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    return statement


def test_people_need_mfa_to_assume_the_remediation_role_unless_turned_off() -> None:
    default = _trust(resolved_template(DEPLOY / "remediation-role.yaml"))
    # Bool, never BoolIfExists: a request signed with long-term access keys has no MFA key at all.
    assert default["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
    assert "BoolIfExists" not in default["Condition"]
    assert default["Condition"]["ArnLike"] == {
        "aws:PrincipalArn": "arn:aws:iam::111122223333:role/rootguard-scan-build"
    }
    unattended = _trust(resolved_template(DEPLOY / "remediation-role.yaml", {"RequireMfa": "false"}))
    assert set(unattended["Condition"]) == {"ArnLike"}


def test_only_the_remediation_role_can_delete_root_credentials() -> None:
    for path in TEMPLATES:
        if path.name == "remediation-role.yaml":
            continue
        for params in VARIANTS.get(path.name, [{}]):
            tasks = _assume_root_tasks(resolved_template(path, params))
            assert DELETE not in tasks and CREATE_PASSWORD not in tasks, path.name


def test_security_hub_access_is_limited_to_the_own_account_product_and_hub() -> None:
    for name in ("scanner-role.yaml", "member-import-role.yaml"):
        template = resolved_template(DEPLOY / name)
        for _, stmt in _allow_statements(template):
            actions = as_list(stmt["Action"])
            if not any(a.startswith("securityhub:") for a in actions):
                continue
            expected = (
                "arn:aws:securityhub:*:111122223333:product/111122223333/default"
                if actions == ["securityhub:BatchImportFindings"]
                else "arn:aws:securityhub:*:111122223333:hub/default"
            )
            assert stmt["Resource"] == expected, (name, stmt["Sid"])


def test_member_roles_only_trust_the_scanner_role() -> None:
    template = resolved_template(
        DEPLOY / "member-import-role.yaml", {"FallbackRoleName": "rootguard-fallback-audit"}
    )
    for role in ("ImportRole", "FallbackAuditRole"):
        (stmt,) = statements(template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"])
        assert stmt["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
        assert stmt["Condition"] == {
            "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/rootguard-scanner"}
        }


def test_scanner_assumes_member_roles_only_when_configured_and_only_inside_the_organization() -> None:
    def assume_role(template: dict[str, Any]) -> list[dict[str, Any]]:
        return [s for _, s in _allow_statements(template) if s["Action"] == "sts:AssumeRole"]

    assert assume_role(resolved_template(DEPLOY / "scanner-role.yaml")) == []
    both = assume_role(resolved_template(DEPLOY / "scanner-role.yaml", VARIANTS["scanner-role.yaml"][1]))
    assert {s["Resource"] for s in both} == {
        "arn:aws:iam::*:role/rootguard-securityhub-import",
        "arn:aws:iam::*:role/rg-fb",
    }
    for stmt in both:
        assert stmt["Condition"] == {"StringEquals": {"aws:ResourceOrgID": "${aws:PrincipalOrgID}"}}


# ------------------------------------------------------------------------------- one truth: template -> JSON


def _json(name: str) -> dict[str, Any]:
    return json.loads((DEPLOY / "policies" / name).read_text(encoding="utf-8"))


def test_generated_policies_are_up_to_date() -> None:
    stale = build.stale_files()
    assert not stale, f"out of date: {[p.name for p in stale]}; run `python deploy/build.py`"


@pytest.mark.parametrize(
    "template, resource, json_name",
    [
        ("scanner-role.yaml", "ScannerPolicy", "scanner-policy.json"),
        ("member-import-role.yaml", "ImportPolicy", "member-import-policy.json"),
    ],
)
def test_template_policy_and_standalone_json_have_the_same_statements(
    template: str, resource: str, json_name: str
) -> None:
    """The template's policy, resolved the way CloudFormation would for some account, equals the standalone
    JSON once its ${aws:PrincipalAccount} variable takes that account's value."""
    resolved = resolved_template(DEPLOY / template)["Resources"][resource]["Properties"]["PolicyDocument"]
    standalone = json.loads(json.dumps(_json(json_name)).replace("${aws:PrincipalAccount}", "111122223333"))
    assert standalone["Version"] == resolved["Version"] == "2012-10-17"
    assert statements(standalone) == statements(resolved)


def test_stale_detection_notices_an_edited_template(tmp_path: Path) -> None:
    for path in DEPLOY.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "policies").mkdir()
    for path, content in build.generated_files(tmp_path).items():
        path.write_text(content, encoding="utf-8")
    assert build.stale_files(tmp_path) == []
    scanner = tmp_path / "scanner-role.yaml"
    scanner.write_text(
        scanner.read_text(encoding="utf-8").replace(
            "- securityhub:GetInsights\n",
            "- securityhub:GetInsights\n              - securityhub:DeleteInsight\n",
        ),
        encoding="utf-8",
    )
    assert build.stale_files(tmp_path) == [tmp_path / "policies" / "scanner-policy.json"]


def test_standalone_scanner_policy_has_no_cloudformation_left() -> None:
    text = (DEPLOY / "policies" / "scanner-policy.json").read_text(encoding="utf-8")
    assert "AWS::" not in text and "Fn::" not in text and '"Ref"' not in text
    variables = set(__import__("re").findall(r"\$\{([^}]+)\}", text))
    assert variables == {"aws:PrincipalAccount", "aws:PrincipalOrgID"}


# ---------------------------------------------------------------------------------------------- the renderer


def test_render_for_another_partition_and_account() -> None:
    doc = build.render_policy("scanner", partition="aws-us-gov", account_id="123456789012")
    text = json.dumps(doc)
    assert "arn:aws:" not in text
    assert "arn:aws-us-gov:iam::aws:policy/root-task/IAMAuditRootUserCredentials" in text
    assert "arn:aws-us-gov:securityhub:*:123456789012:product/123456789012/default" in text


def test_render_with_member_placement_adds_exactly_one_statement() -> None:
    base = statements(build.render_policy("scanner"))
    member = statements(build.render_policy("scanner", parameters={"MemberImportRoleName": "rg-import"}))
    assert member[: len(base)] == base and len(member) == len(base) + 1
    assert member[-1]["Resource"] == "arn:aws:iam::*:role/rg-import"


def test_render_with_reconciliation_adds_its_allow_and_its_guard_rail() -> None:
    base = statements(build.render_policy("scanner"))
    on = statements(build.render_policy("scanner", parameters={"ReconcileRootUserControls": "true"}))
    assert on[: len(base)] == base and len(on) == len(base) + 2
    allow, deny = on[-2:]
    assert allow["Action"] == ["securityhub:BatchUpdateFindings", "securityhub:GetEnabledStandards"]
    assert allow["Resource"] == "arn:aws:securityhub:*:${aws:PrincipalAccount}:hub/default"
    assert deny["Effect"] == "Deny" and deny["Condition"] == {
        "ForAnyValue:StringEquals": {"securityhub:ASFFSyntaxPath/Workflow.Status": ["NOTIFIED", "RESOLVED"]}
    }
    assert not any("BatchUpdateFindings" in json.dumps(stmt) for stmt in base)


def test_render_errors_are_one_line_and_name_the_problem() -> None:
    with pytest.raises(build.BuildError, match="no parameter named Bogus"):
        build.render_policy("scanner", parameters={"Bogus": "x"})
    with pytest.raises(build.BuildError, match=r"ManagementAccountId.*-p ManagementAccountId=VALUE"):
        build.render_policy("remediation")
    with pytest.raises(build.BuildError, match="unknown policy"):
        build.render_policy("nope")


def test_render_cli_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert build.main(["render", "remediation", "-p", "ManagementAccountId=999988887777"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any(s.get("Resource") == "arn:aws:iam::999988887777:root" for s in statements(doc))
    assert build.main(["render", "remediation"]) == 2
    assert "ManagementAccountId" in capsys.readouterr().err


def test_check_cli_passes_on_the_committed_files() -> None:
    assert build.main(["--check"]) == 0


def test_resolver_handles_escapes_conditions_and_no_value() -> None:
    ctx = build.Context(
        parameters={"Name": "x", "Arn": "arn:aws:iam::123456789012:role/r"},
        pseudo={"AWS::Partition": "aws"},
        conditions={"On": False},
    )
    assert (
        build.resolve({"Fn::Sub": "${AWS::Partition}/${Name}/${!aws:userid}"}, ctx) == "aws/x/${aws:userid}"
    )
    assert build.resolve([1, {"Fn::If": ["On", 2, {"Ref": "AWS::NoValue"}]}, 3], ctx) == [1, 3]
    picked = {"Fn::Select": [4, {"Fn::Split": [":", {"Ref": "Arn"}]}]}
    assert build.resolve(picked, ctx) == "123456789012"
    with pytest.raises(build.BuildError, match="GetAtt"):
        build.resolve({"Fn::GetAtt": ["Role", "Arn"]}, ctx)
