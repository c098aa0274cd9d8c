"""Shared pytest set-up: the sandbox fixtures (`sandbox_factory`, `demo_sandbox`), and what lets `make test`
spread the suite over two workers (pytest-xdist, `--dist loadfile`).

Each test file runs whole on one worker, so a module's fixtures (a served sandbox, the wheel's install, the
fault matrix's baseline) are built once. The files that run Prowler from this environment take a lock first:
`prowler aws --checks-folder` copies the checks into Prowler's installed package and removes them afterwards,
so two such runs at once would pull the checks from under each other. The longest files are handed out first,
so that no worker is left with one at the end.
"""

from __future__ import annotations

import fcntl
import hashlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["rootguard.sandbox.pytest_plugin"]

TESTS = Path(__file__).parent
# Test files that start Prowler from this environment (its installed package): one at a time.
PROWLER_IN_THIS_ENVIRONMENT = {
    "bench/test_bench_prowler_smoke.py",
    "checks/test_prowler_e2e.py",
    "cli/test_demo.py",
    "sandbox/test_prowler_real.py",
}
# Files that take minutes, started first (measured: the wheel's build and install, then the Prowler runs).
FIRST = (
    "packaging/test_wheel_install.py",
    "cli/test_demo.py",
    "bench/test_bench_prowler_smoke.py",
    "checks/test_prowler_e2e.py",
    "sandbox/test_prowler_real.py",
    "faults/test_fault_matrix.py",
    "cli/test_kill_and_rerun.py",
)


def _file(item: pytest.Item) -> str:
    return Path(item.fspath).relative_to(TESTS).as_posix()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not hasattr(config, "workerinput"):  # one process: collection order
        return

    def rank(item: pytest.Item) -> int:
        name = _file(item)
        return FIRST.index(name) if name in FIRST else len(FIRST)

    items.sort(key=rank)  # stable: every worker sorts the same collection the same way


@pytest.fixture(autouse=True)
def _prowler_package_lock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Hold this environment's Prowler lock while a test that runs Prowler from it runs."""
    if _file(request.node) not in PROWLER_IN_THIS_ENVIRONMENT:
        yield
        return
    key = hashlib.sha256(sys.prefix.encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"rootguard-tests-prowler-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
