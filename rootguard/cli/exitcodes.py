"""Exit statuses, a contract for schedulers (README, "Commands and exit codes")."""

from __future__ import annotations

from typing import Any

EXIT_OK = 0  # everything evaluated, everything published
EXIT_FAILED = 1  # --fail-on failed and at least one check FAILED
EXIT_USAGE = 2  # usage or configuration error (bad flag, config or input file)
EXIT_PARTIAL = 3  # something not evaluated, findings spooled, or a reconciliation change that did not land
EXIT_AWS = 4  # AWS set-up error a user can fix: credentials, profile, account type, Security Hub not enabled
EXIT_INTERRUPTED = 130


def scan_exit_code(outcome: Any, *, fail_on: str) -> int:
    """The exit status of a scan: FAILED first (when asked), then partial, else OK."""
    if fail_on == "failed" and outcome.failed:
        return EXIT_FAILED
    if outcome.not_evaluated or outcome.spooled or getattr(outcome, "reconcile_incomplete", False):
        return EXIT_PARTIAL
    return EXIT_OK
