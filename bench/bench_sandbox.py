"""Sandbox throughput: calls/s in-process and served, and seconds to seed a 10,000-account organization.

    .venv/bin/python bench/bench_sandbox.py [--accounts 10000] [--calls 300]

Measured in one run on this machine; figures vary with load, ratios between lines are what to compare.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from rootguard.sandbox import Sandbox, generate_scenario
from rootguard.sandbox.scenario import Scenario

AUDIT = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"


def _rate(calls: int, fn: Callable[[], Any]) -> float:
    fn()  # warm up: client creation, first-call caches
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return calls / (time.perf_counter() - start)


def _finding(account: str, region: str, n: int) -> dict[str, Any]:
    return {
        "SchemaVersion": "2018-10-08",
        "Id": f"rootguard/bench/{n}",
        "ProductArn": f"arn:aws:securityhub:{region}:{account}:product/{account}/default",
        "GeneratorId": "rootguard-bench",
        "AwsAccountId": account,
        "Types": ["Software and Configuration Checks/AWS Security Best Practices"],
        "CreatedAt": "2025-01-01T00:00:00Z",
        "UpdatedAt": "2025-01-01T00:00:00Z",
        "Severity": {"Label": "LOW"},
        "Title": "bench",
        "Description": "bench",
        "Resources": [{"Type": "AwsAccount", "Id": f"AWS::::Account:{account}"}],
    }


def _measure(sb: Sandbox, calls: int) -> dict[str, float]:
    out: dict[str, float] = {}
    target = next(a.id for a in sb.scenario.accounts if a.status == "ACTIVE")
    creds = sb.session().client("sts").assume_root(TargetPrincipal=target, TaskPolicyArn={"arn": AUDIT})
    iam = sb.session_from(creds["Credentials"]).client("iam")
    out["GetAccountSummary (root session) calls/s"] = _rate(calls, iam.get_account_summary)
    sts = sb.session().client("sts")
    out["AssumeRoot calls/s"] = _rate(
        calls,
        lambda: sts.assume_root(TargetPrincipal=target, TaskPolicyArn={"arn": AUDIT}, DurationSeconds=60),
    )
    try:
        from rootguard.sandbox import securityhub  # noqa: F401
    except ImportError:
        return out
    sb.set_quota(
        service="securityhub", action="BatchImportFindings", rate=1e9, burst=10**9
    )  # measure, not throttle
    hub = sb.session().client("securityhub")
    account, region = sb.management_account_id, sb.region
    counter = iter(range(10**9))

    def batch() -> None:
        hub.batch_import_findings(Findings=[_finding(account, region, next(counter)) for _ in range(100)])

    rate = _rate(max(calls // 10, 5), batch)
    out["BatchImportFindings (100 findings) calls/s"] = rate
    return out


def _scenario(accounts: int) -> Scenario:
    spec = (
        f"accounts={accounts} password=0.1 active_keys=0.05 inactive_keys=0.02 mfa=0.1 certificates=0.01 "
        "invited=0.3 suspended=0.01 seed=7 ous=20"
    )
    base = generate_scenario(spec)
    return base.model_copy(
        update={
            "securityhub": base.securityhub.model_copy(
                update={"enabled": {base.management_account_id: [base.home_region]}}
            )
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    scenario = _scenario(args.accounts)
    generated = time.perf_counter() - start
    sb = Sandbox(scenario)
    start = time.perf_counter()
    sb.start()
    seeded = time.perf_counter() - start
    print(f"generate {args.accounts} accounts: {generated:.2f} s")
    print(f"seed {args.accounts} accounts (in-process): {seeded:.2f} s")
    try:
        for name, value in _measure(sb, args.calls).items():
            print(f"in-process  {name}: {value:.0f}")
    finally:
        sb.stop()

    sb = Sandbox(scenario)
    start = time.perf_counter()
    sb.serve(port=0)
    print(f"seed {args.accounts} accounts (served): {time.perf_counter() - start:.2f} s")
    try:
        for name, value in _measure(sb, args.calls).items():
            print(f"served      {name}: {value:.0f}")
    finally:
        sb.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
