"""The real Prowler against the served sandbox: its built-in root credentials management check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sandbox_helpers import scenario

from rootguard.sandbox import Sandbox

CHECK = "iam_root_credentials_management_enabled"
PROWLER = Path(sys.executable).with_name("prowler")


def run_prowler(features: list[str], out_dir: Path) -> list[dict]:
    sb = Sandbox(scenario(org={"root_access_features": features})).serve(port=0)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(sb.env())
        proc = subprocess.run(
            [
                str(PROWLER),
                "aws",
                "--checks",
                CHECK,
                "--output-formats",
                "json-ocsf",
                "-o",
                str(out_dir),
                "-F",
                "result",
                "--no-banner",
                "--region",
                sb.region,
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        sb.stop()
    report = out_dir / "result.ocsf.json"
    assert report.exists(), f"prowler exit {proc.returncode}: {proc.stdout[-2000:]} {proc.stderr[-2000:]}"
    return json.loads(report.read_text())


@pytest.mark.slow
@pytest.mark.skipif(not PROWLER.exists(), reason="prowler is not installed in this environment")
@pytest.mark.parametrize(
    ("features", "expected"),
    [([], "FAIL"), (["RootCredentialsManagement", "RootSessions"], "PASS")],
)
def test_prowler_verdict_follows_the_organization_feature(
    tmp_path: Path, features: list[str], expected: str
) -> None:
    findings = [f for f in run_prowler(features, tmp_path) if f["metadata"]["event_code"] == CHECK]
    assert [f["status_code"] for f in findings] == [expected]
    assert findings[0]["cloud"]["account"]["uid"] == "111111111111"
