"""ASFF findings throughput and memory: rootguard's findings against Prowler 5.46's Finding construction + ASFF
transform, for the same results.

    .venv/bin/python bench/bench_findings.py [--count 100000] [--seed 7] [--repeat 3] [--no-memory]
                                             [--no-reference]
    .venv/bin/python -m bench findings --count 100000

Both sides get the same results: five organization-level Results (one per organization-level check) and
member-account Results of `iam_member_root_credentials_absent` (mostly PASS, FAIL with every credential kind
and combination, NOT_EVALUATED with every member-level reason), fixed by the seed.

- rootguard: `build_findings` (per-check templates: mapping and severity rules, details flattened and masked,
  the constant part validated once and the rest of every finding against the compiled ASFF schema, the size
  of every finding computed and checked against 240 KB). Also timed: `--strict` (the whole schema and a
  measured size on every finding too), the model-based reference builder (pydantic model + whole schema,
  what build_findings was before templates; its output must be identical, byte for byte, or the benchmark
  fails), and json.dumps of the same findings as a yardstick.
- Prowler: building equivalent `prowler.lib.outputs.finding.Finding` objects (same account, Region, resource
  ARN and name, status, message, severity, title, remediation, compliance requirements, and the Result as
  resource metadata, as rootguard's Prowler adapters report it), then
  `prowler.lib.outputs.asff.asff.ASFF.transform` over them; both timed. Prowler skips MANUAL (not-evaluated)
  findings and validates nothing against the ASFF schema; the rates below are per input finding on both sides.

Each side runs --repeat times and the medians are compared. Peak memory (tracemalloc, allocations made during
the build or transform, output included, inputs excluded) comes from a last pass of each, since tracing
slows Python down several times. Everything is measured in one run on this machine: figures vary with load,
the ratio is what to compare.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from rootguard.findings import Placement, build_finding, build_findings
from rootguard.findings.validate import serialized_size
from rootguard.mappings import CheckMapping, load_mappings
from rootguard.models import NotEvaluatedReason, ResourceKind, Result, ResultResource, Status

MGMT = "111122223333"
ORG = "o-abc123def4"
ORG_ARN = f"arn:aws:organizations::{MGMT}:organization/{ORG}"
REGION = "eu-west-1"
RUN_AT = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
MEMBER_CHECK = "iam_member_root_credentials_absent"
MB = 1024 * 1024
RATIO_LINE = "ratio rootguard/prowler findings/s"

T = TypeVar("T")

# Share of member results per outcome (the rest PASS), close to an organization part-way through removing
# root credentials from invited accounts.
FAIL_SHARE = 0.12
NOT_EVALUATED_SHARE = 0.06
# FAIL mixes: which root credentials a member account still holds.
FAIL_KINDS: tuple[tuple[str, ...], ...] = (
    ("password",),
    ("password", "MFA devices"),
    ("active access keys",),
    ("password", "active access keys", "MFA devices"),
    ("inactive access keys",),
    ("signing certificates",),
    ("MFA devices",),
    ("password", "inactive access keys", "signing certificates", "MFA devices"),
)
NOT_EVALUATED_REASONS: tuple[NotEvaluatedReason, ...] = (
    NotEvaluatedReason.SUSPENDED,
    NotEvaluatedReason.SCP_DENIED,
    NotEvaluatedReason.THROTTLED,
    NotEvaluatedReason.ACCESS_DENIED,
    NotEvaluatedReason.EXCLUDED,
    NotEvaluatedReason.PENDING_CLOSURE,
)
_ORG_LEVEL: tuple[tuple[str, Status, str, dict[str, Any]], ...] = (
    (
        "organizations_iam_trusted_access_enabled",
        Status.PASS,
        "Trusted access for iam.amazonaws.com is enabled.",
        {"enabled_service_principals": ["iam.amazonaws.com", "sso.amazonaws.com"]},
    ),
    (
        "iam_org_root_credentials_management_enabled",
        Status.PASS,
        "RootCredentialsManagement is enabled for the organization.",
        {"enabled_features": ["RootCredentialsManagement"]},
    ),
    (
        "iam_org_root_sessions_enabled",
        Status.FAIL,
        "RootSessions is not enabled for the organization.",
        {"enabled_features": ["RootCredentialsManagement"]},
    ),
    (
        "organizations_scps_allow_root_sessions",
        Status.FAIL,
        "SCP p-deny1234 (DenyRoot) denies root actions without exempting aws:AssumedRoot on ou-ab12-sandbox.",
        {"blocking_policies": [{"policy_id": "p-deny1234", "target_id": "ou-ab12-sandbox"}]},
    ),
    (
        "organizations_iam_delegated_admin_allowed",
        Status.PASS,
        "The IAM delegated administrator 444455556666 (security) is on the allow-list.",
        {"delegated_admins": [{"account_id": "444455556666", "name": "security"}]},
    ),
)


# ------------------------------------------------------------------------------------------- inputs


def _org_result(check_id: str, status: Status, message: str, details: dict[str, Any]) -> Result:
    org = ResultResource(kind=ResourceKind.ORGANIZATION, id=ORG, arn=ORG_ARN, name="example-org")
    return Result(
        check_id=check_id,
        status=status,
        resource=org,
        message=message,
        details={**details, "organization_id": ORG},
    )


def _fail_details(rng: random.Random, kinds: tuple[str, ...], joined: datetime) -> dict[str, Any]:
    details: dict[str, Any] = {"kinds": list(kinds)}
    keys = []
    if "active access keys" in kinds:
        keys.append({"id_suffix": f"{rng.randrange(16**4):04X}", "status": "Active", "created": joined})
    if "inactive access keys" in kinds:
        keys.append({"id_suffix": f"{rng.randrange(16**4):04X}", "status": "Inactive", "created": joined})
    if keys:
        details["access_keys"] = keys
    if "password" in kinds:
        details["password_created"] = joined + timedelta(days=1)
    if "MFA devices" in kinds:
        details["mfa_devices"] = [{"kind": rng.choice(("virtual", "hardware")), "enabled": joined}]
    if "signing certificates" in kinds:
        details["signing_certificates"] = [{"id_suffix": f"{rng.randrange(16**4):04X}", "status": "Active"}]
    return details


def _member_result(rng: random.Random, index: int) -> Result:
    account = f"{200000000000 + index:012d}"
    name = f"workload-{index:06d}"
    resource = ResultResource(
        kind=ResourceKind.ACCOUNT,
        id=account,
        arn=f"arn:aws:organizations::{MGMT}:account/{ORG}/{account}",
        name=name,
    )
    joined = RUN_AT - timedelta(days=rng.randrange(30, 3000))
    common = {
        "organization_id": ORG,
        "joined_method": rng.choice(("CREATED", "CREATED", "INVITED")),
        "joined_timestamp": joined,
        "parent_path": ["r-ab12", f"ou-ab12-{index % 40:08x}"],
        "method": "AssumeRoot",
    }
    draw = rng.random()
    if draw < FAIL_SHARE:
        kinds = FAIL_KINDS[rng.randrange(len(FAIL_KINDS))]
        return Result(
            check_id=MEMBER_CHECK,
            status=Status.FAIL,
            resource=resource,
            message=f"Root user of {name} ({account}) still has: {', '.join(kinds)}.",
            details={**common, **_fail_details(rng, kinds, joined)},
        )
    if draw < FAIL_SHARE + NOT_EVALUATED_SHARE:
        reason = NOT_EVALUATED_REASONS[rng.randrange(len(NOT_EVALUATED_REASONS))]
        extra: dict[str, Any] = {}
        if reason is NotEvaluatedReason.SCP_DENIED:
            extra = {"blocking_policies": ["p-deny1234"], "error": "AccessDenied: explicit deny in an SCP"}
        elif reason in (NotEvaluatedReason.THROTTLED, NotEvaluatedReason.ACCESS_DENIED):
            extra = {"error": "Throttling: Rate exceeded" if reason is NotEvaluatedReason.THROTTLED else
                     "AccessDenied: not authorized to perform sts:AssumeRoot"}  # fmt: skip
        return Result(
            check_id=MEMBER_CHECK,
            status=Status.NOT_EVALUATED,
            reason=reason,
            resource=resource,
            message=f"Root credentials of {name} ({account}) were not evaluated: {reason.value.lower()}.",
            details={**common, **extra},
        )
    return Result(
        check_id=MEMBER_CHECK,
        status=Status.PASS,
        resource=resource,
        message=f"Root user of {name} ({account}) has no credentials.",
        details={**common, "kinds": []},
    )


def make_results(count: int, seed: int = 7) -> list[Result]:
    """`count` Results: the five organization-level ones, then member accounts (deterministic per seed)."""
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    rng = random.Random(seed)
    out = [_org_result(*spec) for spec in _ORG_LEVEL][:count]
    out.extend(_member_result(rng, i) for i in range(count - len(out)))
    return out


def describe(results: list[Result]) -> str:
    org = sum(1 for r in results if r.resource.kind is ResourceKind.ORGANIZATION)
    statuses = Counter(r.status.value for r in results if r.resource.kind is ResourceKind.ACCOUNT)
    mix = ", ".join(f"{statuses[s.value]} {s.value}" for s in Status)
    return f"{len(results)} results: {org} organization-level, {len(results) - org} member-account ({mix})"


# ---------------------------------------------------------------------------------- Prowler inputs


def _split_requirement(requirement: str) -> tuple[str, str]:
    """`CIS AWS Foundations Benchmark v7.0.0/2.1.1` -> framework, requirement (Prowler's compliance dict)."""
    sep = "/" if "/" in requirement else " "
    framework, _, item = requirement.rpartition(sep)
    return (framework, item) if framework else (requirement, requirement)


def prowler_compliance(mapping: CheckMapping) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for requirement in mapping.related_requirements:
        framework, item = _split_requirement(requirement)
        out.setdefault(framework, []).append(item)
    return out


def prowler_metadata(check_id: str, mapping: CheckMapping) -> Any:
    """The check's Prowler metadata, as checks/<id>/<id>.metadata.json holds it (generated from its spec)."""
    from prowler.lib.check.models import CheckMetadata

    from rootguard.prowler.generate import metadata
    from rootguard.rules import spec_for

    return CheckMetadata(**metadata(spec_for(check_id)))


def prowler_findings(results: list[Result], mappings: dict[str, CheckMapping]) -> list[Any]:
    """Prowler Finding objects equivalent to `results`, as Finding.generate_output makes them from rootguard's
    adapters (MANUAL with a `Not evaluated (<reason>): ` prefix for NOT_EVALUATED)."""
    from prowler.lib.outputs.finding import Finding

    metadata = {check: prowler_metadata(check, m) for check, m in mappings.items()}
    compliance = {check: prowler_compliance(m) for check, m in mappings.items()}
    status = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.NOT_EVALUATED: "MANUAL"}
    out = []
    for r in results:
        message = r.message
        if r.status is Status.NOT_EVALUATED and r.reason:
            message = f"Not evaluated ({r.reason.value}): {message}"
        out.append(
            Finding(
                auth_method="profile: default",
                timestamp=RUN_AT,
                account_uid=MGMT,
                account_name="management",
                account_organization_uid=ORG_ARN,
                account_organization_name=ORG,
                metadata=metadata[r.check_id],
                uid=f"prowler-aws-{r.check_id}-{MGMT}-{REGION}-{r.resource.id}",
                status=status[r.status],
                status_extended=message,
                resource_uid=r.resource.arn,
                resource_name=r.resource.id,
                resource_details="",
                resource_metadata={"rootguard": r.model_dump(mode="json")},
                partition="aws",
                region=REGION,
                compliance=compliance[r.check_id],
            )
        )
    return out


# -------------------------------------------------------------------------------------- measuring


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    gc.collect()
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def peak_memory(fn: Callable[[], Any]) -> float:
    """Peak bytes allocated while `fn` runs (its result included until it returns)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def rootguard_build(results: list[Result], *, strict: bool = False) -> Callable[[], list[dict[str, Any]]]:
    placement = Placement(account_id=MGMT, region=REGION)
    return lambda: build_findings(results, placement, RUN_AT, strict=strict)


def reference_build(results: list[Result], mappings: dict[str, CheckMapping]) -> list[dict[str, Any]]:
    """The model-based reference builder, one finding at a time, as build_findings was before templates."""
    placement = Placement(account_id=MGMT, region=REGION)
    return [build_finding(r, placement, RUN_AT, mapping=mappings[r.check_id]) for r in results]


def prowler_transform(findings: list[Any]) -> Callable[[], list[Any]]:
    from prowler.lib.outputs.asff.asff import ASFF

    def run() -> list[Any]:
        output = ASFF(findings=[])
        output.transform(findings)
        return output.data

    return run


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def median_timed(fn: Callable[[], T], repeat: int) -> tuple[T, float, list[float]]:
    """`fn()` run `repeat` times: the last value, the median seconds, every run's seconds."""
    runs: list[float] = []
    value: Any = None
    for _ in range(repeat):
        value = None  # the previous output is freed before the next run
        value, seconds = timed(fn)
        runs.append(seconds)
    return value, statistics.median(runs), runs


def _encode_all(encode: Callable[[Any], str], findings: list[dict[str, Any]]) -> list[str]:
    return [encode(f) for f in findings]


def _runs(runs: list[float]) -> str:
    return " ".join(f"{r:.2f}" for r in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="results to turn into findings")
    parser.add_argument("--seed", type=int, default=7, help="seed of the result mix")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; medians are compared")
    parser.add_argument("--no-memory", action="store_true", help="skip the (slow) tracemalloc pass")
    parser.add_argument(
        "--no-reference", action="store_true", help="skip the model-based reference builder (slow)"
    )
    args = parser.parse_args(argv)
    if args.count < 1 or args.repeat < 1:
        parser.error("--count and --repeat must be at least 1")

    mappings = dict(load_mappings())
    results = make_results(args.count, args.seed)
    print(
        f"findings benchmark: {describe(results)}; Python {sys.version.split()[0]}; medians of {args.repeat}"
    )

    build = rootguard_build(results)
    build()  # warm-up: schema load, validator compilation, mapping load
    ours, ours_s, ours_runs = median_timed(build, args.repeat)
    if len(ours) != len(results):
        print(f"error: rootguard built {len(ours)} findings from {len(results)} results", file=sys.stderr)
        return 1
    encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    _, dumps_s, _ = median_timed(partial(_encode_all, encode, ours), args.repeat)
    size = sum(serialized_size(f) for f in ours) / len(ours)
    _, strict_s, strict_runs = median_timed(rootguard_build(results, strict=True), args.repeat)
    identical = "not compared (--no-reference)"
    reference_s = 0.0
    if not args.no_reference:
        reference, reference_s = timed(lambda: reference_build(results, mappings))
        same = sum(encode(a) == encode(b) for a, b in zip(ours, reference, strict=True))
        identical = "identical" if same == len(ours) else f"DIFFERENT ({len(ours) - same} findings)"
        del reference
    del ours

    from prowler.lib.outputs.asff.asff import ASFF  # noqa: F401  (import time stays out of the figures)

    expected = sum(1 for r in results if r.status is not Status.NOT_EVALUATED)
    theirs_in, construct_s, construct_runs = median_timed(
        lambda: prowler_findings(results, mappings), args.repeat
    )
    transform = prowler_transform(theirs_in)
    theirs, transform_s, transform_runs = median_timed(transform, args.repeat)
    if len(theirs) != expected:  # ASFF.transform logs and stops at the first error instead of raising
        print(f"error: Prowler's transform gave {len(theirs)} findings, expected {expected}", file=sys.stderr)
        return 1
    del theirs

    n = len(results)
    ours_rate = _rate(n, ours_s)
    prowler_rate = _rate(n, construct_s + transform_s)
    print(
        f"rootguard build_findings (templates, validated, sized): {n} findings in {ours_s:.2f} s "
        f"(runs: {_runs(ours_runs)}) = {ours_rate:,.0f} findings/s (target >= 20,000); "
        f"avg {size / 1024:.1f} KB per finding"
    )
    print(
        f"  --strict (the whole schema and a measured size on every finding too): {strict_s:.2f} s "
        f"(runs: {_runs(strict_runs)}) = {_rate(n, strict_s):,.0f} findings/s"
    )
    if reference_s:
        print(
            f"  reference builder (pydantic model + whole schema, one run): {reference_s:.2f} s = "
            f"{_rate(n, reference_s):,.0f} findings/s; templates/reference {reference_s / ours_s:.2f}x; "
            f"output {identical}"
        )
    print(f"  json.dumps of the same findings: {_rate(n, dumps_s):,.0f} findings/s (a yardstick)")
    print(
        f"prowler 5.46 Finding construction: {construct_s:.2f} s (runs: {_runs(construct_runs)}); "
        f"ASFF.transform: {transform_s:.2f} s (runs: {_runs(transform_runs)}), {expected} findings out "
        f"({n - expected} MANUAL skipped); construction + transform = {prowler_rate:,.0f} input findings/s"
    )
    print(f"{RATIO_LINE}: {ours_rate / prowler_rate:.2f}x")
    print("  (against Prowler's Finding construction + ASFF transform; target >= 2x)")
    print(f"ratio rootguard/prowler transform only: {ours_rate / _rate(n, transform_s):.2f}x")

    if not args.no_memory:
        ours_peak = peak_memory(build)
        theirs_peak = peak_memory(transform)
        print(
            f"peak memory (tracemalloc): rootguard {ours_peak / MB:.1f} MB, prowler {theirs_peak / MB:.1f} MB, "
            f"ratio rootguard/prowler memory: {ours_peak / theirs_peak:.2f}x"
        )
    return 0 if identical != "DIFFERENT" and not identical.startswith("DIFFERENT") else 1


if __name__ == "__main__":
    sys.exit(main())
