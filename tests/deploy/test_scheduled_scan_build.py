"""The scheduled scan's own build commands, as deploy/scheduled-scan.yaml writes them, against sandbox
organizations that are clean, failing and partial: the build's exit status and what the template alarms on.

What CodeBuild provides is provided the same way here: the build script runs under bash with the project's
environment variables; the build role's credentials come from a container credentials endpoint (botocore's
EcsContainer provider, as in CodeBuild), which also backs the `credential_source = EcsContainer` profile the
script writes to assume the scanner role; `aws s3` is the real AWS CLI against the served sandbox's S3. Only
the install phase is left out: rootguard runs from this checkout's environment instead of a pip install into
/tmp/rootguard-venv (the one path substituted in the script).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import DEPLOY, load_build
from scp_documents import DENY_ROOT

from rootguard.sandbox import Sandbox

pytestmark = pytest.mark.slow

MGMT = "111111111111"
MEMBERS = ["200000000001", "200000000002"]
BUCKET = "rootguard-scan-outputs"
SCANNER_ROLE = f"arn:aws:iam::{MGMT}:role/rootguard-scanner"
VENV_ROOTGUARD = "/tmp/rootguard-venv/bin/rootguard"


def organization(
    accounts: list[dict[str, Any]] | None = None, scps: list[dict[str, Any]] | None = None
) -> dict:
    return {
        "organization": {
            "id": "o-scheduled001",
            "management_account": {"id": MGMT},
            "trusted_access": ["iam.amazonaws.com"],
            "root_access_features": ["RootCredentialsManagement", "RootSessions"],
            "ous": ["Locked"],
            "scps": scps or [],
        },
        "accounts": accounts if accounts is not None else [{"id": a} for a in MEMBERS],
        "securityhub": {"enabled": {MGMT: ["us-east-1"]}},
    }


CLEAN = organization()
FAILING = organization([{"id": MEMBERS[0], "joined": "INVITED"}, {"id": MEMBERS[1]}])
PARTIAL = organization(
    [{"id": MEMBERS[0], "ou": "Locked"}, {"id": MEMBERS[1]}],
    [{"name": "DenyRootWithoutExemption", "targets": ["Locked"], "document": DENY_ROOT}],
)


def build_script() -> str:
    """The build phase's command, from the template's BuildSpec (Fn::Sub replaces only ${PythonVersion})."""
    template = load_build().load_template(DEPLOY / "scheduled-scan.yaml")
    buildspec = template["Resources"]["ScanProject"]["Properties"]["Source"]["BuildSpec"]["Fn::Sub"]
    spec = yaml.safe_load(buildspec.replace("${PythonVersion}", "3.11"))
    (command,) = spec["phases"]["build"]["commands"]
    assert VENV_ROOTGUARD in command, (
        "the script runs the rootguard the install phase put in /tmp/rootguard-venv"
    )
    return command.replace(VENV_ROOTGUARD, str(Path(sys.executable).with_name("rootguard")))


def metric_filters() -> dict[str, str]:
    """MetricName -> FilterPattern of the template's log metric filters."""
    template = load_build().load_template(DEPLOY / "scheduled-scan.yaml")
    out = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Logs::MetricFilter":
            props = resource["Properties"]
            out[props["MetricTransformations"][0]["MetricName"]] = props["FilterPattern"]
    return out


def matches(pattern: str, line: str) -> bool:
    """CloudWatch Logs' space-delimited filter, for the forms the template uses: [name=VALUE, name, ...]."""
    fields = [f.strip() for f in pattern.strip("[]").split(",")]
    words = line.split()
    if len(words) < len(fields):
        return False
    for field, word in zip(fields, words, strict=False):
        if "=" in field and field.split("=", 1)[1] != word:
            return False
    return True


@contextmanager
def container_credentials(access_key: str, secret: str) -> Iterator[str]:
    """A container credentials endpoint on loopback, as CodeBuild offers one; yields its full URI."""
    body = json.dumps(
        {
            "AccessKeyId": access_key,
            "SecretAccessKey": secret,
            "Token": "codebuild-session-token",
            "Expiration": (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v2/credentials"
    finally:
        server.shutdown()
        server.server_close()


def run_build(sb: Sandbox, work: Path, fail_on: str = "failed") -> tuple[int, str]:
    """Run the build phase once; returns the build's exit status and its log."""
    access_key, secret = sb.credentials()
    home, src = work / "home", work / "src"
    home.mkdir(exist_ok=True)
    src.mkdir(exist_ok=True)
    with container_credentials(access_key, secret) as uri:
        env = {
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "HOME": str(home),
            "CODEBUILD_SRC_DIR": str(src),
            "CODEBUILD_BUILD_NUMBER": "7",
            "SCANNER_ROLE_ARN": SCANNER_ROLE,
            "HOME_REGION": sb.region,
            "OUTPUT_BUCKET": BUCKET,
            "ROOTGUARD_PIP_SPEC": "rootguard",
            "SCAN_EXTRA_ARGS": "",
            "CONFIG_OBJECT_KEY": "",
            "FAIL_ON": fail_on,
            "METRICS_NAMESPACE": "rootguard/rootguard-test",
            "AWS_REGION": sb.region,
            "AWS_DEFAULT_REGION": sb.region,
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": uri,
            "AWS_ENDPOINT_URL": str(sb.endpoint_url),
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        proc = subprocess.run(
            ["bash", "-c", build_script()], env=env, capture_output=True, text=True, timeout=600, cwd=src
        )
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def served() -> Iterator[Any]:
    started: list[Sandbox] = []

    def serve(scenario: dict[str, Any]) -> Sandbox:
        sb = Sandbox(scenario).serve()
        started.append(sb)
        session = sb.session()
        session.client("s3").create_bucket(Bucket=BUCKET)
        session.client("iam").create_role(
            RoleName="rootguard-scanner",
            AssumeRolePolicyDocument=json.dumps(
                {"Statement": [{"Effect": "Allow", "Principal": {"AWS": MGMT}, "Action": "sts:AssumeRole"}]}
            ),
        )
        return sb

    yield serve
    for sb in started:
        sb.stop()


def scan_exit(log: str) -> int:
    (code,) = re.findall(r"^ROOTGUARD_SCAN_EXIT (\d+)$", log, re.MULTILINE)
    return int(code)


def emf_lines(log: str) -> list[dict[str, Any]]:
    """The Embedded Metric Format lines of a build log: whole lines that are JSON objects with `_aws`, as
    CloudWatch Logs takes them (nothing before or after the object on the line)."""
    out = []
    for line in log.splitlines():
        if line.startswith("{"):
            doc = json.loads(line)
            if "_aws" in doc:
                out.append(doc)
    return out


def posture_alarms() -> dict[str, tuple[str, str, float]]:
    """Alarm -> (namespace, metric, threshold) of the template's GreaterThanThreshold alarms on EMF metrics."""
    template = load_build().load_template(DEPLOY / "scheduled-scan.yaml")
    out = {}
    for name, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if (
            resource["Type"] == "AWS::CloudWatch::Alarm"
            and props.get("ComparisonOperator") == "GreaterThanThreshold"
        ):
            namespace = props["Namespace"]["Fn::Sub"].replace("${AWS::StackName}", "rootguard-test")
            out[name.removesuffix("Alarm")] = (namespace, props["MetricName"], float(props["Threshold"]))
    return out


def alarms(build_exit: int, log: str) -> set[str]:
    """What the template would alarm on: a failed build (FailedBuilds), a partial scan (ScanPartial), and the
    posture alarms on the metrics of the scan's EMF line."""
    raised = {"ScanBuildFailed"} if build_exit else set()
    if any(matches(metric_filters()["ScanPartial"], line) for line in log.splitlines()):
        raised.add("ScanPartial")
    (emf,) = emf_lines(log)  # one per scan
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    for alarm, (namespace, metric, threshold) in posture_alarms().items():
        assert directive["Namespace"] == namespace and [] in directive["Dimensions"]
        if emf.get(metric, 0) > threshold:
            raised.add(alarm)
    return raised


def test_a_clean_organization_builds_green_twice(served, tmp_path: Path) -> None:
    sb = served(CLEAN)
    for run in (1, 2):  # a schedule runs it again: the state carried in S3 must not break the next run
        code, log = run_build(sb, tmp_path)
        assert code == 0, log
        assert scan_exit(log) == 0 and alarms(code, log) == set(), f"run {run}: {log}"
        (emf,) = emf_lines(log)
        assert (emf["MembersClean"], emf["MembersWithRootCredentials"], emf["OrganizationChecksFailed"]) == (
            2,
            0,
            0,
        )
    stored = sb.session().client("s3").list_objects_v2(Bucket=BUCKET, Prefix="state/")
    keys = {o["Key"] for o in stored.get("Contents", [])}
    assert {
        "state/results.json",
        "state/report.html",
        "state/results.csv",
        "state/findings.ocsf.json",
    } <= keys
    runs = sb.session().client("s3").list_objects_v2(Bucket=BUCKET, Prefix="runs/")
    dated = [k["Key"] for k in runs.get("Contents", []) if k["Key"].endswith("/report.html")]
    assert len(dated) == 1 and re.match(r"^runs/\d{4}/\d{2}/\d{2}/build-7/report.html$", dated[0]), dated


def test_a_failing_organization_fails_the_build_and_alarms(served, tmp_path: Path) -> None:
    sb = served(FAILING)
    code, log = run_build(sb, tmp_path)
    assert code != 0 and scan_exit(log) == 1, log
    assert alarms(code, log) == {"ScanBuildFailed", "MembersWithRootCredentials"}
    code, log = run_build(sb, tmp_path, fail_on="none")
    # FailOn=none: the build passes, the posture alarm still says a member has root credentials.
    assert code == 0 and scan_exit(log) == 0 and alarms(code, log) == {"MembersWithRootCredentials"}, log


def test_a_partial_scan_builds_and_is_visible(served, tmp_path: Path) -> None:
    sb = served(PARTIAL)
    code, log = run_build(sb, tmp_path, fail_on="none")
    assert code == 0 and scan_exit(log) == 3, log
    # The SCP without the root-session exemption also fails organizations_scps_allow_root_sessions.
    assert alarms(code, log) == {"ScanPartial", "OrganizationCheckFailed"}
    (emf,) = emf_lines(log)
    assert emf["MembersNotEvaluated"] == 1 and emf["OrganizationChecksFailed"] == 1
    hub = sb.session().client("securityhub")
    assert hub.get_findings()["Findings"], "what was evaluated is published"


def test_a_spool_left_in_the_state_is_replayed_and_leaves_it(served, tmp_path: Path) -> None:
    """What the template promises: the output folder carried in state/ holds an earlier run's spool, and the
    next scheduled run resumes it (and removes it once it landed)."""
    from rootguard.findings import Placement, build_findings
    from rootguard.models import ResourceKind, Result, ResultResource, Status

    sb = served(CLEAN)
    gone = "200000000009"  # a member that has since left: no run produces its finding any more
    (finding,) = build_findings(
        [
            Result(
                check_id="iam_member_root_credentials_absent",
                status=Status.FAIL,
                resource=ResultResource(
                    kind=ResourceKind.ACCOUNT,
                    id=gone,
                    arn=f"arn:aws:organizations::{MGMT}:account/o-scheduled001/{gone}",
                ),
                message=f"Root user of {gone} still has a password.",
            )
        ],
        Placement(account_id=MGMT, region=sb.region),
        datetime(2025, 1, 1, tzinfo=UTC),
    )
    entry = {"account_id": MGMT, "region": sb.region, "finding": finding, "error_code": "InternalException"}
    s3 = sb.session().client("s3")
    s3.put_object(Bucket=BUCKET, Key="state/securityhub-spool.jsonl", Body=json.dumps(entry).encode() + b"\n")

    code, log = run_build(sb, tmp_path)

    assert code == 0 and scan_exit(log) == 0, log
    stored = {f["Id"] for f in sb.session().client("securityhub").get_findings(MaxResults=100)["Findings"]}
    assert finding["Id"] in stored  # replayed (then archived: no check produces it any more)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="state/").get("Contents", [])}
    assert "state/securityhub-spool.jsonl" not in keys


def test_the_metric_filter_matches_only_its_line() -> None:
    partial = metric_filters()["ScanPartial"]
    assert matches(partial, "ROOTGUARD_SCAN_EXIT 3")
    assert not matches(partial, "ROOTGUARD_SCAN_EXIT 0") and not matches(partial, "rootguard outputs: s3://x")
