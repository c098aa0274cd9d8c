"""Member-audit throughput and memory of rootguard.collect, against a served sandbox.

    .venv/bin/python bench/bench_audit.py [--accounts 2000] [--latency-ms 25] [--workers 16]
                                          [--sequential-accounts 200] [--memory-accounts 10000]

1. Concurrency: the member audit of an N-account organization with a fixed latency injected on every call.
   The latency-bound ideal for W workers is calls * latency / W; the achieved/ideal ratio says how much of
   the concurrency the pool turns into throughput (target >= 0.7).
2. Against a sequential AssumeRoot audit (one worker) of the same organization: measured on the first
   --sequential-accounts accounts and scaled to N (a sequential audit is linear; target >= 10x).
3. Peak memory of a whole collection (organization, walk, SCPs, member audit) of a --memory-accounts
   organization, in a fresh process: tracemalloc peak and peak RSS (target < 150 MB).

The sandbox is served from its own process, so its CPU does not share the collector's interpreter. Its CPU
per call (the "floor" line) bounds what any client can reach on a loaded machine: when latency / workers is
below it, the sandbox, not the pool, sets the pace. Everything is measured in one run; figures vary with load.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any

import boto3

from rootguard.aws import ClientFactory
from rootguard.collect import CollectConfig, collect_facts
from rootguard.collect.members import MemberPlan, audit_members
from rootguard.models import Account, OrgFacts

SPEC = "accounts={n} ous=25 password=0.05 active_keys=0.02 inactive_keys=0.01 mfa=0.05 invited=0.3 seed=17"
MB = 1024 * 1024


# ------------------------------------------------------------------------------------ served sandbox


def _serve(spec: str, conn: Connection) -> None:
    """Child process: serve the sandbox; answer ("latency", ms), ("calls",) (the calls served since the last
    ask, by action and principal kind), ("cpu",) (this process's CPU seconds) and ("stop",)."""
    from rootguard.sandbox import Sandbox, generate_scenario

    sb = Sandbox(generate_scenario(spec)).serve()
    conn.send(sb.env())
    while True:
        command = conn.recv()
        if command[0] == "latency":
            sb.clear_faults()
            if command[1]:
                sb.set_latency(fixed_ms=command[1])
            conn.send("ok")
        elif command[0] == "calls":
            counts: Counter[tuple[str, str]] = Counter()
            for call, n in sb.recorded_calls().items():
                counts[(call.action, call.principal_kind)] += n
            sb.clear_recorded_calls()
            conn.send(dict(counts))
        elif command[0] == "cpu":
            times = os.times()
            conn.send(times.user + times.system)
        else:
            sb.stop()
            conn.send("stopped")
            return


class ServedSandbox:
    def __init__(self, accounts: int) -> None:
        self._conn, child = mp.Pipe()
        self._proc = mp.get_context("spawn").Process(target=_serve, args=(SPEC.format(n=accounts), child))
        self._proc.start()
        self.env: dict[str, str] = self._conn.recv()

    def ask(self, *command: Any) -> Any:
        self._conn.send(command)
        return self._conn.recv()

    def latency(self, ms: float) -> None:
        self.ask("latency", ms)

    def session(self) -> boto3.Session:
        """A session whose every client goes to the served sandbox (AWS_ENDPOINT_URL), never to AWS."""
        os.environ.update(self.env)
        session = boto3.Session()
        endpoint = session.client("sts").meta.endpoint_url
        if endpoint.rstrip("/") != self.env["AWS_ENDPOINT_URL"].rstrip("/"):
            raise SystemExit(f"refusing to run: clients would reach {endpoint}, not the sandbox")
        return session

    def close(self) -> None:
        self._conn.send(("stop",))
        self._conn.recv()
        self._proc.join(timeout=30)


# --------------------------------------------------------------------------------------- measuring


def _count_calls(session: boto3.Session) -> list[int]:
    counter = [0]

    def count(**_: Any) -> None:
        counter[0] += 1

    session.events.register("before-call", count)
    return counter


def _audit(
    session: boto3.Session, facts: OrgFacts, accounts: list[Account], workers: int
) -> tuple[float, int, Counter[str]]:
    """Seconds and API calls of a member audit of `accounts` with `workers` threads."""
    assert facts.organization is not None
    calls = _count_calls(session)
    plan = MemberPlan(
        management_account_id=facts.organization.management_account_id,
        partition=facts.caller.partition,
        root_sessions=True,
    )
    factory = ClientFactory(session, facts.caller.region, 8)
    start = time.perf_counter()
    results = audit_members(accounts, plan, factory, max_workers=workers)
    elapsed = time.perf_counter() - start
    return elapsed, calls[0], Counter(str(r.reason or r.outcome) for r in results.values())


def bench_concurrency(args: argparse.Namespace) -> None:
    print(f"== member audit: {args.accounts} accounts, {args.latency_ms:g} ms/call, {args.workers} workers")
    sandbox = ServedSandbox(args.accounts)
    try:
        session = sandbox.session()
        facts = collect_facts(session, CollectConfig(member_audit=False))
        accounts = list(facts.accounts)
        warm = [a for a in accounts if a.status == "ACTIVE"][:50]
        _audit(sandbox.session(), facts, warm, args.workers)  # warm up the served sandbox's lazy state

        floor_s, floor_calls, _ = _audit(sandbox.session(), facts, accounts[:300], 1)
        floor_ms = 1000 * floor_s / max(floor_calls, 1)
        print(f"floor: {floor_ms:.2f} ms per call, no latency, one worker (client + sandbox CPU)")
        cap_s, cap_calls, _ = _audit(sandbox.session(), facts, accounts[:1000], args.workers)
        capacity = cap_calls / cap_s
        print(f"sandbox capacity: {capacity:.0f} calls/s with no latency and {args.workers} workers")

        sandbox.latency(args.latency_ms)
        elapsed, calls, outcomes = _audit(sandbox.session(), facts, accounts, args.workers)
        ideal = calls * args.latency_ms / 1000 / args.workers
        attainable = max(ideal, calls / capacity)
        per_account = calls / max(sum(v for k, v in outcomes.items() if k == "AUDITED"), 1)
        print(f"outcomes: {dict(outcomes)}")
        print(f"calls: {calls} ({per_account:.2f} per audited account)")
        print(
            f"concurrent: {elapsed:.2f} s; latency-bound ideal {ideal:.2f} s; "
            f"achieved/ideal {ideal / elapsed:.2f} (target >= 0.7)"
        )
        print(
            f"  bounded by the sandbox's capacity: attainable {attainable:.2f} s; "
            f"achieved/attainable {attainable / elapsed:.2f}"
        )

        sample = accounts[: args.sequential_accounts]
        seq_s, seq_calls, _ = _audit(sandbox.session(), facts, sample, 1)
        scaled = seq_s * len(accounts) / max(len(sample), 1)
        print(
            f"sequential: {seq_s:.2f} s for {len(sample)} accounts ({seq_calls} calls), "
            f"{scaled:.1f} s scaled to {len(accounts)}; "
            f"concurrent is {scaled / elapsed:.1f}x faster (target >= 10x)"
        )
    finally:
        sandbox.close()


# ------------------------------------------------------------------------------------------ memory


def _peak_rss() -> int:
    """Peak resident set of this process in bytes: VmHWM on Linux (ru_maxrss survives exec and would report
    the parent's peak when it was larger), else ru_maxrss."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory_child(trace: bool) -> None:
    """In a fresh process: collect everything once, print peak memory as JSON. tracemalloc's own records
    inflate the RSS, so the peak RSS is measured in a run without it."""
    session = boto3.Session()  # credentials and endpoint from the environment the parent set
    base_rss = _peak_rss()
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    facts = collect_facts(session, CollectConfig(max_workers=16), progress=lambda done, total: None)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "accounts": len(facts.accounts),
                "audits": len(facts.member_audits),
                "seconds": elapsed,
                "tracemalloc_peak": peak,
                "rss_before": base_rss,
                "peak_rss": _peak_rss(),
            }
        )
    )


def bench_memory(args: argparse.Namespace) -> None:
    print(f"== peak memory of a whole collection of {args.memory_accounts} accounts (fresh processes)")
    sandbox = ServedSandbox(args.memory_accounts)
    runs: dict[str, dict[str, Any]] = {}
    try:
        env = {**os.environ, **sandbox.env}
        for mode in ("rss", "trace"):
            proc = subprocess.run(
                [sys.executable, __file__, f"--memory-child={mode}"],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                print(f"memory child ({mode}) failed: {proc.stderr.strip().splitlines()[-1:]}")
                return
            runs[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        sandbox.close()
    rss, trace = runs["rss"], runs["trace"]
    print(f"collected {rss['accounts']} accounts, {rss['audits']} audits in {rss['seconds']:.1f} s")
    print(
        f"peak RSS {rss['peak_rss'] / MB:.1f} MB (interpreter and imports before collecting: "
        f"{rss['rss_before'] / MB:.1f} MB); tracemalloc peak {trace['tracemalloc_peak'] / MB:.1f} MB "
        "(separate run); target < 150 MB"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=25.0)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--sequential-accounts", type=int, default=200)
    parser.add_argument("--memory-accounts", type=int, default=10000, help="0 skips the memory run")
    parser.add_argument("--memory-child", choices=("rss", "trace"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(trace=args.memory_child == "trace")
        return 0
    if args.accounts:
        bench_concurrency(args)
    if args.memory_accounts:
        bench_memory(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
