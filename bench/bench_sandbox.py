"""Sandbox throughput: calls/s in-process and served, and seconds to seed a 10,000-account organization.

    .venv/bin/python bench/bench_sandbox.py [--accounts 10000] [--calls 300] [--clients 16] [--seconds 5]

1. In-process and served (server thread in this process), one client: calls/s per call type.
2. Served from its own process, as the member audit uses it, with --clients concurrent client threads (each its
   own boto3 client, as the audit's workers): calls/s, and the CPU per call of the server process and of the
   client process. The server's CPU per call bounds what any client can reach: 1000 / server ms is its capacity
   on one core (the "capacity" figure); the client's own CPU shares the machine.

Measured in one run on this machine; figures vary with load, ratios between lines are what to compare.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import boto3
import botocore.session
from botocore.config import Config

from rootguard.sandbox import Sandbox, Scenario, generate_scenario

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


# ------------------------------------------------------------------------ concurrent, served apart


def _serve_child(accounts: int, conn: Connection) -> None:
    """Child process: serve the scenario, send what clients need, serve until told to stop."""
    sb = Sandbox(_scenario(accounts)).serve(port=0)
    target = next(a.id for a in sb.scenario.accounts if a.status == "ACTIVE")
    key, secret = sb.credentials()
    conn.send(
        {"endpoint": sb.endpoint_url, "region": sb.region, "target": target, "key": key, "secret": secret}
    )
    conn.recv()
    sb.stop()


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux /proc); None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _client(info: dict[str, Any], key: str, secret: str, token: str | None, service: str) -> Any:
    session = boto3.Session(
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name=info["region"],
        botocore_session=botocore.session.Session(),
    )
    config = Config(max_pool_connections=4, retries={"total_max_attempts": 1})
    return session.client(service, endpoint_url=info["endpoint"], config=config)


def _concurrent(info: dict[str, Any], pid: int, clients: int, seconds: float) -> dict[str, tuple[float, ...]]:
    """calls/s, server CPU ms/call, client CPU ms/call for each call type with `clients` threads."""
    sts = _client(info, info["key"], info["secret"], None, "sts")
    creds = sts.assume_root(TargetPrincipal=info["target"], TaskPolicyArn={"arn": AUDIT})["Credentials"]

    def summary_call() -> Callable[[], Any]:
        iam = _client(info, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], "iam")
        return iam.get_account_summary

    def assume_root_call() -> Callable[[], Any]:
        client = _client(info, info["key"], info["secret"], None, "sts")
        return lambda: client.assume_root(
            TargetPrincipal=info["target"], TaskPolicyArn={"arn": AUDIT}, DurationSeconds=60
        )

    out: dict[str, tuple[float, ...]] = {}
    for name, make in (
        ("GetAccountSummary (root session)", summary_call),
        ("AssumeRoot", assume_root_call),
    ):
        out[name] = _run_threads([make() for _ in range(clients)], pid, seconds)
    return out


def _run_threads(calls: list[Callable[[], Any]], pid: int, seconds: float) -> tuple[float, float, float]:
    """Each call in its own thread, all started together for `seconds`: (calls/s, server ms, client ms)."""
    for fn in calls:
        fn()  # warm up: connection, first-call caches
    counts = [0] * len(calls)
    marks: dict[str, Any] = {}

    def mark() -> None:
        marks.update(wall=time.perf_counter(), client=time.process_time(), server=_cpu_seconds(pid))

    barrier = threading.Barrier(len(calls), action=mark)

    def run(i: int) -> None:
        barrier.wait()
        deadline = marks["wall"] + seconds
        while time.perf_counter() < deadline:
            calls[i]()
            counts[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - marks["wall"]
    client_cpu = time.process_time() - marks["client"]
    server_end = _cpu_seconds(pid)
    total = max(sum(counts), 1)
    server_ms = (
        1000 * (server_end - marks["server"]) / total
        if server_end is not None and marks["server"] is not None
        else float("nan")
    )
    return total / wall, server_ms, 1000 * client_cpu / total


def bench_concurrent(accounts: int, clients: int, seconds: float) -> None:
    conn, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(target=_serve_child, args=(accounts, child))
    proc.start()
    try:
        info = conn.recv()
        assert proc.pid is not None
        for name, (rate, server_ms, client_ms) in _concurrent(info, proc.pid, clients, seconds).items():
            print(
                f"served x{clients} (own process)  {name} calls/s: {rate:.0f}  "
                f"(server CPU {server_ms:.2f} ms/call, capacity {1000 / server_ms:.0f} calls/s per core; "
                f"client CPU {client_ms:.2f} ms/call)"
            )
    finally:
        conn.send("stop")
        proc.join(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads, served (0 skips)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each concurrent measurement")
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
    if args.clients > 0:
        bench_concurrent(args.accounts, args.clients, args.seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
