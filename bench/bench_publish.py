"""Publishing to Security Hub under its quota: rootguard's publisher against Prowler 5.46's SecurityHub class.

    .venv/bin/python bench/bench_publish.py [--count 10000] [--rate 10] [--burst 30] [--repeat 3]

Both sides send the same findings (rootguard-built ASFF, central placement, one Region) to a fresh in-process
sandbox whose Security Hub enforces BatchImportFindings at `--rate` requests/s with a burst of `--burst`
(AWS's documented 10/s, burst 30) and answers TooManyRequestsException beyond it.

- rootguard: `Publisher.publish` (existing-finding read, batches of <= 100 and <= 6 MB, a token bucket per
  account and Region, a few calls in flight, adaptive botocore retries, retry rounds, spool).
- Prowler: `prowler.providers.aws.lib.security_hub.security_hub.SecurityHub` built the way Prowler's
  `--security-hub` output builds it (account, partition, session, findings, enabled Regions), then
  `batch_send_to_security_hub()`. Its findings are `AWSSecurityFindingFormat` objects carrying the same Id,
  product, account, timestamps, severity, title, description, resources and compliance status (Prowler's
  model keeps a subset of ASFF; the payload per finding is of the same order). The Prowler integration is
  subscribed in the sandbox so Prowler's pre-flight check passes.

The quota-bound ideal for N findings is (ceil(N / 100) - burst) / rate seconds: the burst goes at once, the
rest at the refill rate. "lost" = findings sent minus findings stored in the sandbox afterwards; "requests"
and "refused" are the BatchImportFindings requests the sandbox saw and the ones its quota turned away (each a
wasted request and a back-off). rootguard publishes --repeat times, each into a fresh hub after one small
warm-up publish (the first publish of a process also loads botocore's Security Hub model and moto's routes),
and the median is compared; the publisher is given its caller, as a scan gives it.
Figures vary with machine load; everything is measured in one run.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rootguard.findings import Placement, build_findings
from rootguard.models import ResourceKind, Result, ResultResource, Status
from rootguard.securityhub import Publisher, PublishSettings

MGMT = "111111111111"
ORG = "o-benchpub01"
REGION = "us-east-1"
MEMBER_CHECK = "iam_member_root_credentials_absent"
RUN_AT = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
PROWLER_PRODUCT = f"arn:aws:securityhub:{REGION}::product/prowler/prowler"


def scenario(rate: float, burst: int) -> dict[str, Any]:
    return {
        "name": "bench-publish",
        "seed": 11,
        "organization": {"id": ORG, "management_account": {"id": MGMT}, "feature_set": "ALL"},
        "securityhub": {"enabled": {"*": [REGION]}},
        "faults": {
            "default_quotas": True,
            "quotas": [
                {"service": "securityhub", "action": "BatchImportFindings", "rate": rate, "burst": burst}
            ],
        },
    }


def make_findings(count: int) -> list[dict[str, Any]]:
    results = []
    for i in range(count):
        account = f"{900000000000 + i:012d}"
        failing = i % 5 == 0
        results.append(
            Result(
                check_id=MEMBER_CHECK,
                status=Status.FAIL if failing else Status.PASS,
                resource=ResultResource(
                    kind=ResourceKind.ACCOUNT,
                    id=account,
                    arn=f"arn:aws:organizations::{MGMT}:account/{ORG}/{account}",
                    name=f"member-{i}",
                ),
                message=(
                    f"Root user of member-{i} ({account}) still has: password."
                    if failing
                    else f"Root user of member-{i} ({account}) has no credentials."
                ),
                details={"kinds": ["password"]} if failing else {"kinds": []},
            )
        )
    return build_findings(results, Placement(account_id=MGMT, region=REGION), RUN_AT)


def stored_count() -> int:
    from rootguard.sandbox import securityhub as hub

    return len(hub.findings(MGMT, REGION))


def run_rootguard(findings: list[dict[str, Any]], rate: float, burst: int) -> dict[str, Any]:
    """One publish into a fresh sandbox hub. The publisher is given its caller, as a scan gives it the caller
    it already identified (no GetCallerIdentity in the timing)."""
    from rootguard.aws.session import identify
    from rootguard.sandbox import Sandbox

    with Sandbox(scenario(rate, burst)) as sb, tempfile.TemporaryDirectory() as tmp:
        settings = PublishSettings(rate_per_second=rate, burst=burst, spool_path=Path(tmp) / "spool.jsonl")
        session = sb.session()
        publisher = Publisher(session, settings, caller=identify(session))
        sb.clear_recorded_calls()
        started = time.perf_counter()
        report = publisher.publish(findings, checks_ran=[MEMBER_CHECK], run_at=RUN_AT)
        elapsed = time.perf_counter() - started
        stored = stored_count()
        imports = [
            (c.outcome, n)
            for c, n in sb.recorded_calls().items()
            if c.action.endswith(":BatchImportFindings")
        ]
    return {
        "seconds": elapsed,
        "stored": stored,
        "lost": len(findings) - stored,
        "spooled": report.spooled,
        "calls": report.calls,
        "throttled": report.throttled,
        "requests": sum(n for _, n in imports),
        "refused": sum(n for outcome, n in imports if outcome != "ok"),
    }


def prowler_findings(findings: list[dict[str, Any]]) -> list[Any]:
    from prowler.lib.outputs.asff.asff import (
        AWSSecurityFindingFormat,
        Compliance,
        ProductFields,
        Recommendation,
        Remediation,
        Resource,
        Severity,
    )

    out = []
    for f in findings:
        rec = f.get("Remediation", {}).get("Recommendation", {})
        out.append(
            AWSSecurityFindingFormat(
                Id=f["Id"],
                ProductArn=f["ProductArn"],
                ProductFields=ProductFields(ProwlerResourceName=f["Resources"][0]["Id"]),
                GeneratorId=f["GeneratorId"],
                AwsAccountId=f["AwsAccountId"],
                Types=f["Types"],
                FirstObservedAt=f["FirstObservedAt"],
                UpdatedAt=f["UpdatedAt"],
                CreatedAt=f["CreatedAt"],
                Severity=Severity(Label=f["Severity"]["Label"]),
                Title=f["Title"],
                Description=f["Description"],
                Resources=[
                    Resource(Type=r["Type"], Id=r["Id"], Partition="aws", Region=r.get("Region", REGION))
                    for r in f["Resources"]
                ],
                Compliance=Compliance(
                    Status=f["Compliance"]["Status"],
                    RelatedRequirements=f["Compliance"].get("RelatedRequirements", []),
                    AssociatedStandards=[],
                ),
                Remediation=Remediation(
                    Recommendation=Recommendation(Text=rec.get("Text", ""), Url=rec.get("Url", ""))
                ),
            )
        )
    return out


def run_prowler(findings: list[dict[str, Any]], rate: float, burst: int) -> dict[str, Any] | None:
    try:
        from prowler.providers.aws.lib.security_hub.security_hub import SecurityHub
    except ImportError:
        return None
    from rootguard.sandbox import Sandbox
    from rootguard.sandbox import securityhub as hub

    objects = prowler_findings(findings)
    logging.getLogger("prowler").setLevel(logging.CRITICAL)  # its per-batch errors would flood the output
    with Sandbox(scenario(rate, burst)) as sb:
        hub.enable_import_findings_for_product(MGMT, REGION, PROWLER_PRODUCT)
        started = time.perf_counter()
        security_hub = SecurityHub(
            aws_account_id=MGMT,
            aws_partition="aws",
            aws_session=sb.session(),
            findings=objects,
            aws_security_hub_available_regions=[REGION],
        )
        sent = security_hub.batch_send_to_security_hub()
        elapsed = time.perf_counter() - started
        stored = stored_count()
    return {"seconds": elapsed, "stored": stored, "lost": len(findings) - stored, "reported_success": sent}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--burst", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3, help="timed publishes; the median is compared")
    parser.add_argument("--no-prowler", action="store_true")
    args = parser.parse_args(argv)
    logging.getLogger("rootguard").setLevel(logging.ERROR)

    findings = make_findings(args.count)
    calls = math.ceil(args.count / 100)
    ideal = max(0.0, (calls - args.burst) / args.rate)
    print(f"{args.count} findings, {calls} calls of 100, quota {args.rate:g}/s burst {args.burst}")
    print(f"quota-bound ideal: {ideal:.2f} s")

    cold = run_rootguard(findings[:300], args.rate, args.burst)  # imports, botocore's model, moto's routes
    print(f"warm-up (300 findings, first publish in this process): {cold['seconds']:.2f} s")
    runs = [run_rootguard(findings, args.rate, args.burst) for _ in range(max(1, args.repeat))]
    ours = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    ratio = ours["seconds"] / ideal if ideal else float("nan")
    times = " ".join(f"{r['seconds']:.2f}" for r in runs)
    print(
        f"rootguard: median {ours['seconds']:.2f} s (runs: {times}) = {ratio:.3f}x ideal (target <= 1.05x); "
        f"stored {ours['stored']}, lost {sum(r['lost'] for r in runs)}, spooled {sum(r['spooled'] for r in runs)}; "
        f"requests {[r['requests'] for r in runs]} for {calls} needed, refused {[r['refused'] for r in runs]}"
    )
    if not args.no_prowler:
        theirs = run_prowler(findings, args.rate, args.burst)
        if theirs is None:
            print("prowler: not installed (pip install -e '.[prowler]')")
        else:
            print(
                f"prowler SecurityHub: {theirs['seconds']:.2f} s, stored {theirs['stored']}, lost {theirs['lost']} "
                f"(it reported {theirs['reported_success']} sent)"
            )
    return 0 if all(r["lost"] == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
