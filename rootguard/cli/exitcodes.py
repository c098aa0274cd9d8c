"""Exit statuses: a contract for schedulers (README, "Exit status"; docs/deploy.md for the scheduled scan).

    0  clean: every check that should have been evaluated was, nothing listed in --fail-on happened
    1  a check FAILED (only when --fail-on lists `failed`)
    2  usage or configuration error: a bad flag, config file or input file; nothing was changed
    3  partial: something that should have been evaluated was not (access denied, throttled, an incomplete
       account list, ...), or findings were spooled for a later run (each only when --fail-on lists it)
    4  an AWS set-up error a person can fix: credentials, profile, account type, Security Hub CSPM not enabled

130: interrupted (Ctrl-C). 141: standard output was closed under the command (`rootguard scan --format json |
head`); the files were written all the same, and nothing more is printed.

`rootguard remediate` uses the same numbers: 2 also for an audit log that cannot be opened or written before the
first change (nothing changed); 3 when an account was not remediated, or the audit log stopped taking writes after
a change (docs/remediation.md, "Exit status").

Out of scope is not partial: the management account in the member check, excluded, suspended or closing
accounts, and the management account's root user seen from the delegated administrator are NOT_EVALUATED by
design (NotEvaluatedReason.out_of_scope) and never make a run exit 3. When several conditions hold, 1 wins
over 3 (the failure is the louder news; the table and results.json still say what was not evaluated).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Protocol

EXIT_OK = 0  # everything evaluated, everything published
EXIT_FAILED = 1  # --fail-on failed and at least one check FAILED
EXIT_USAGE = 2  # usage or configuration error (bad flag, config or input file)
EXIT_PARTIAL = 3  # something not evaluated, findings spooled, or a reconciliation change that did not land
EXIT_AWS = 4  # AWS set-up error a user can fix: credentials, profile, account type, Security Hub not enabled
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as a shell reports it)
EXIT_BROKEN_PIPE = 141  # the reader of standard output went away (128 + SIGPIPE, as a shell reports it)

FAILED = "failed"
NOT_EVALUATED = "not-evaluated"
SPOOLED = "spooled"
CONDITIONS = (FAILED, NOT_EVALUATED, SPOOLED)
# Without --fail-on: a FAILED check is a finding to read, not a broken run; a partial run or spooled findings
# are (exit 3), so that a schedule sees them.
DEFAULT_FAIL_ON: frozenset[str] = frozenset({NOT_EVALUATED, SPOOLED})


class ScanCounts(Protocol):
    failed: int
    not_evaluated: int  # in scope only: what should have been evaluated and was not
    spooled: int


def parse_fail_on(text: str) -> frozenset[str]:
    """`--fail-on`: a comma-separated list of failed, not-evaluated, spooled; or `all`, or `none`."""
    words = [w.strip() for w in text.split(",") if w.strip()]
    if words == ["none"]:
        return frozenset()
    if words == ["all"]:
        return frozenset(CONDITIONS)
    unknown = [w for w in words if w not in CONDITIONS]
    if unknown or not words:
        raise argparse.ArgumentTypeError(
            f"{text!r}: use a comma-separated list of {', '.join(CONDITIONS)}, or all, or none"
        )
    return frozenset(words)


def scan_exit_code(outcome: ScanCounts, fail_on: Iterable[str] = DEFAULT_FAIL_ON) -> int:
    conditions = frozenset(fail_on)
    if FAILED in conditions and outcome.failed:
        return EXIT_FAILED
    # A reconciliation change that did not land is, like a spooled finding, something the hub lacks.
    unlanded = outcome.spooled or getattr(outcome, "reconcile_incomplete", False)
    if (NOT_EVALUATED in conditions and outcome.not_evaluated) or (SPOOLED in conditions and unlanded):
        return EXIT_PARTIAL
    return EXIT_OK
