"""deploy/*.yaml pass cfn-lint; the scheduled scan stores, logs, schedules and fails as promised."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import cfnlint.api
import pytest
import yaml
from deploy_support import TEMPLATES, as_list, resolved_template, statements

LINT_REGIONS = ["us-east-1", "eu-west-1", "us-gov-west-1"]
EXPECTED_TEMPLATES = {
    "scanner-role.yaml",
    "member-import-role.yaml",
    "scheduled-scan.yaml",
    "remediation-role.yaml",
}


def _lint(text: str) -> list[Any]:
    matches = cfnlint.api.lint(text, config=cfnlint.api.ManualArgs(regions=LINT_REGIONS))
    # Errors and warnings fail; informational notes do not.
    return [m for m in matches if m.rule.severity in ("error", "warning")]


def test_every_expected_template_exists() -> None:
    assert {p.name for p in TEMPLATES} >= EXPECTED_TEMPLATES


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_template_passes_cfn_lint(path: Path) -> None:
    problems = _lint(path.read_text(encoding="utf-8"))
    assert not problems, "\n".join(f"{path.name}:{m.linenumber}: {m.rule.id} {m.message}" for m in problems)


def test_lint_catches_a_broken_template() -> None:
    broken = (
        TEMPLATES[0].read_text(encoding="utf-8").replace("Type: AWS::IAM::Role", "Type: AWS::IAM::Rolee", 1)
    )
    assert _lint(broken), "cfn-lint found nothing in a template with an unknown resource type"


# ------------------------------------------------------------------------------------------- scheduled scan

SCAN = Path(__file__).resolve().parents[2] / "deploy" / "scheduled-scan.yaml"


def _resources_of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


@pytest.fixture(scope="module", params=["SSE-KMS", "SSE-S3"])
def scan(request: pytest.FixtureRequest) -> dict[str, Any]:
    return resolved_template(SCAN, {"BucketEncryption": request.param})


def test_bucket_is_encrypted_with_the_chosen_mode(scan: dict[str, Any]) -> None:
    (bucket,) = _resources_of_type(scan, "AWS::S3::Bucket")
    (rule,) = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    default = rule["ServerSideEncryptionByDefault"]
    if scan["ResolvedConditions"]["UseKms"]:
        assert default == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "<EncryptionKey.Arn>"}
        (key,) = _resources_of_type(scan, "AWS::KMS::Key")
        assert key["Properties"]["EnableKeyRotation"] is True
    else:
        assert default == {"SSEAlgorithm": "AES256"}
        assert not _resources_of_type(scan, "AWS::KMS::Key")


def test_bucket_is_versioned_private_and_expires_old_data(scan: dict[str, Any]) -> None:
    (bucket,) = _resources_of_type(scan, "AWS::S3::Bucket")
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert (
        rules["ExpireRunOutputs"]["Prefix"] == "runs/"
        and rules["ExpireRunOutputs"]["ExpirationInDays"] == 400
    )
    assert rules["ExpireNoncurrentVersions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert bucket["DeletionPolicy"] == "Retain"


def test_bucket_policy_denies_every_request_without_tls(scan: dict[str, Any]) -> None:
    (policy,) = _resources_of_type(scan, "AWS::S3::BucketPolicy")
    tls = [
        s
        for s in statements(policy["Properties"]["PolicyDocument"])
        if s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert len(tls) == 1
    (stmt,) = tls
    assert stmt["Effect"] == "Deny" and stmt["Principal"] == "*" and stmt["Action"] == "s3:*"
    assert set(stmt["Resource"]) == {"<OutputBucket.Arn>", "<OutputBucket.Arn>/*"}


def test_logs_have_retention_and_the_build_writes_there(scan: dict[str, Any]) -> None:
    (group,) = _resources_of_type(scan, "AWS::Logs::LogGroup")
    assert group["Properties"]["RetentionInDays"] == 365
    (project,) = _resources_of_type(scan, "AWS::CodeBuild::Project")
    assert project["Properties"]["LogsConfig"]["CloudWatchLogs"] == {
        "Status": "ENABLED",
        "GroupName": "<ScanLogGroup>",
    }
    if scan["ResolvedConditions"]["UseKms"]:
        assert group["Properties"]["KmsKeyId"] == "<EncryptionKey.Arn>"


def test_schedule_is_daily_by_default_and_starts_the_build(scan: dict[str, Any]) -> None:
    (schedule,) = _resources_of_type(scan, "AWS::Scheduler::Schedule")
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == "rate(1 day)"
    assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert props["Target"]["Arn"] == "<ScanProject.Arn>"
    role = scan["Resources"]["ScheduleRole"]["Properties"]
    (stmt,) = statements(role["Policies"][0]["PolicyDocument"])
    assert stmt["Action"] == "codebuild:StartBuild" and stmt["Resource"] == "<ScanProject.Arn>"


def test_service_roles_are_protected_against_confused_deputies(scan: dict[str, Any]) -> None:
    for name in ("ScanProjectRole", "ScheduleRole"):
        (stmt,) = statements(scan["Resources"][name]["Properties"]["AssumeRolePolicyDocument"])
        assert stmt["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}, name


def test_build_assumes_the_scanner_role_and_holds_no_scan_permissions(scan: dict[str, Any]) -> None:
    doc = scan["Resources"]["ScanProjectRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    actions = {a for s in statements(doc) for a in as_list(s["Action"])}
    assert "sts:AssumeRole" in actions
    assert not {a for a in actions if a.split(":")[0] in ("organizations", "securityhub", "iam")}
    assert "sts:AssumeRoot" not in actions
    (assume,) = [s for s in statements(doc) if s["Action"] == "sts:AssumeRole"]
    assert assume["Resource"] == "arn:aws:iam::111122223333:role/rootguard-scanner"


def _alarm(template: dict[str, Any], metric: str) -> dict[str, Any]:
    (alarm,) = [
        a
        for a in _resources_of_type(template, "AWS::CloudWatch::Alarm")
        if a["Properties"]["MetricName"] == metric
    ]
    return alarm


def test_failed_builds_raise_an_alarm(scan: dict[str, Any]) -> None:
    props = _alarm(scan, "FailedBuilds")["Properties"]
    assert (props["Namespace"], props["MetricName"]) == ("AWS/CodeBuild", "FailedBuilds")
    assert props["Dimensions"] == [{"Name": "ProjectName", "Value": "<ScanProject>"}]
    assert props["TreatMissingData"] == "notBreaching"
    assert "AlarmActions" not in props  # no topic given
    with_topic = resolved_template(SCAN, {"AlarmTopicArn": "arn:aws:sns:us-east-1:111122223333:secops"})
    for metric in ("FailedBuilds", "ScanPartial"):
        assert _alarm(with_topic, metric)["Properties"]["AlarmActions"] == [
            "arn:aws:sns:us-east-1:111122223333:secops"
        ]


def test_partial_scans_raise_their_own_alarm(scan: dict[str, Any]) -> None:
    props = _alarm(scan, "ScanPartial")["Properties"]
    assert props["Namespace"] == "rootguard/rootguard-test" and props["TreatMissingData"] == "notBreaching"
    assert (props["Threshold"], props["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")


def test_posture_alarms_watch_the_metrics_the_scan_emits(scan: dict[str, Any]) -> None:
    from rootguard.reports.metrics import METRICS

    expected = {"MembersWithRootCredentials", "OrganizationChecksFailed"}
    for metric in expected:
        props = _alarm(scan, metric)["Properties"]
        assert metric in METRICS
        assert props["Namespace"] == "rootguard/rootguard-test" == _environment(scan)["METRICS_NAMESPACE"]
        assert "Dimensions" not in props, "the dimensionless series covers every organization the stack scans"
        assert (props["Statistic"], props["Threshold"], props["ComparisonOperator"]) == (
            "Maximum",
            0,
            "GreaterThanThreshold",
        )
        assert props["Period"] == 86400 and props["TreatMissingData"] == "ignore"
    with_topic = resolved_template(SCAN, {"AlarmTopicArn": "arn:aws:sns:us-east-1:111122223333:secops"})
    for metric in expected:
        props = _alarm(with_topic, metric)["Properties"]
        assert props["AlarmActions"] == props["OKActions"] == ["arn:aws:sns:us-east-1:111122223333:secops"]


def _environment(template: dict[str, Any]) -> dict[str, Any]:
    (project,) = _resources_of_type(template, "AWS::CodeBuild::Project")
    return {v["Name"]: v["Value"] for v in project["Properties"]["Environment"]["EnvironmentVariables"]}


def test_the_dashboard_charts_only_metrics_that_exist(scan: dict[str, Any]) -> None:
    """Every metric on the dashboard is one the scan's EMF line or the template's log filters publish, in the
    namespace the build passes to --metrics-namespace; every alarm of the stack is on it."""
    from rootguard.reports.metrics import METRICS

    (dashboard,) = _resources_of_type(scan, "AWS::CloudWatch::Dashboard")
    body = json.loads(dashboard["Properties"]["DashboardBody"])
    filters = {
        f["Properties"]["MetricTransformations"][0]["MetricName"]
        for f in _resources_of_type(scan, "AWS::Logs::MetricFilter")
    }
    charted: set[str] = set()
    for widget in body["widgets"]:
        namespace = None
        for row in widget["properties"].get("metrics", []):
            namespace = namespace if row[0] == "." else row[0]
            assert namespace == _environment(scan)["METRICS_NAMESPACE"]
            assert len([c for c in row if isinstance(c, str)]) == 2, (
                "no dimensions: the all-organization series"
            )
            charted.add(row[1])
    assert charted == set(METRICS) | filters
    (alarms,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    stack_alarms = {
        f"<{name}.Arn>" for name, r in scan["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert set(alarms["properties"]["alarms"]) == stack_alarms


# ---------------------------------------------------------------------------------------------- buildspec


def _buildspec(params: dict[str, str] | None = None) -> dict[str, Any]:
    template = resolved_template(SCAN, params)
    (project,) = _resources_of_type(template, "AWS::CodeBuild::Project")
    return yaml.safe_load(project["Properties"]["Source"]["BuildSpec"])


def _build_script(spec: dict[str, Any]) -> str:
    (script,) = spec["phases"]["build"]["commands"]
    return script


def test_buildspec_is_valid_yaml_with_the_python_runtime() -> None:
    spec = _buildspec({"PythonVersion": "3.11"})
    assert spec["version"] == 0.2
    assert spec["phases"]["install"]["runtime-versions"] == {"python": 3.11}
    assert any("$ROOTGUARD_PIP_SPEC" in c for c in spec["phases"]["install"]["commands"])


def test_build_script_runs_the_scan_and_fails_the_build_on_a_nonzero_exit() -> None:
    script = _build_script(_buildspec())
    assert 'rootguard scan --publish --fail-on "$FAIL_ON_ARGS"' in script and '--output-dir "$OUT"' in script
    assert '--metrics emf --metrics-namespace "$METRICS_NAMESPACE"' in script
    assert "credential_source = EcsContainer" in script and "sts_regional_endpoints = regional" in script
    last = script.strip().splitlines()[-1]
    assert last == '{ [ "$SCAN_EXIT" -eq 0 ] || [ "$SCAN_EXIT" -eq 3 ]; } && [ "$STORE_EXIT" -eq 0 ]'
    # Outputs are stored before the verdict, so a failing scan still leaves its evidence.
    assert script.index("s3://$OUTPUT_BUCKET/$RUN_PREFIX/") < script.index(last)


def test_exit_code_line_matches_the_metric_filter() -> None:
    template = resolved_template(SCAN)
    patterns = {
        f["Properties"]["FilterPattern"] for f in _resources_of_type(template, "AWS::Logs::MetricFilter")
    }
    assert patterns == {"[marker=ROOTGUARD_SCAN_EXIT, code]", "[marker=ROOTGUARD_SCAN_EXIT, code=3]"}
    assert 'echo "ROOTGUARD_SCAN_EXIT $SCAN_EXIT"' in _build_script(_buildspec())


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize(
    "scan_exit, upload_fails, expected",
    [(0, False, 0), (1, False, 1), (3, False, 0), (2, False, 1), (4, False, 1), (0, True, 1), (3, True, 1)],
)
def test_build_script_exit_status_follows_the_scan_and_the_upload(
    tmp_path: Path, scan_exit: int, upload_fails: bool, expected: int
) -> None:
    """Run the real build script with stand-ins for `aws` and `rootguard` on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.log"
    fail_upload = 'case "$*" in *--recursive*) exit 1;; esac\n' if upload_fails else ""
    (bin_dir / "aws").write_text(f'#!/bin/sh\necho "aws $*" >> {calls}\n{fail_upload}', encoding="utf-8")
    venv_bin = tmp_path / "venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "rootguard").write_text(
        f'#!/bin/sh\necho "rootguard $* profile=$AWS_PROFILE region=$AWS_REGION" >> {calls}\n'
        f"exit {scan_exit}\n",
        encoding="utf-8",
    )
    for f in (bin_dir / "aws", venv_bin / "rootguard"):
        f.chmod(0o755)
    script = _build_script(_buildspec()).replace("/tmp/rootguard-venv", str(tmp_path / "venv"))
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "CODEBUILD_SRC_DIR": str(tmp_path / "src"),
        "CODEBUILD_BUILD_NUMBER": "7",
        "OUTPUT_BUCKET": "bucket",
        "SCANNER_ROLE_ARN": "arn:aws:iam::111122223333:role/rootguard-scanner",
        "HOME_REGION": "eu-west-1",
        "CONFIG_OBJECT_KEY": "",
        "SCAN_EXTRA_ARGS": "--checks iam_org_root_sessions_enabled",
        "FAIL_ON": "failed",
        "METRICS_NAMESPACE": "rootguard/stack",
    }
    (tmp_path / "src").mkdir()
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == expected, done.stderr
    assert f"ROOTGUARD_SCAN_EXIT {scan_exit}" in done.stdout
    log = calls.read_text(encoding="utf-8")
    fail_on = "failed,not-evaluated,spooled"
    assert (
        f"rootguard scan --publish --fail-on {fail_on} --output-dir {tmp_path}/src/rootguard-output "
        "--metrics emf --metrics-namespace rootguard/stack" in log
    )
    assert "--checks iam_org_root_sessions_enabled profile=rootguard-scanner region=eu-west-1" in log
    assert "aws s3 cp --recursive --only-show-errors" in log and "/runs/" in log
    assert f"aws s3 sync --only-show-errors s3://bucket/state/ {tmp_path}/src/rootguard-output/" in log
    assert "aws s3 sync --delete" in log and "s3://bucket/runs/" in log
    config = (tmp_path / "home" / ".aws" / "config").read_text(encoding="utf-8")
    assert "role_arn = arn:aws:iam::111122223333:role/rootguard-scanner" in config
