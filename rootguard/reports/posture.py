"""One run's posture in numbers: what the HTML report, the trend, the metrics and the CSV summary all count.

Counted once here so that every output says the same thing. The rules the CLI table follows hold here too: a
member count is None (unknown), never 0, when the member check did not run; there is no count of clean members
when the organization's account list could not be read completely; out-of-scope accounts (excluded,
suspended, closing) are counted apart from the accounts that should have been evaluated and were not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rootguard.models import ResourceKind, Result, Status
from rootguard.rules import MEMBER_CHECK_ID

# What a member's root user may still hold, as results' `details.counts` name it, in report order.
CREDENTIAL_KINDS: tuple[tuple[str, str], ...] = (
    ("password", "password"),
    ("active_access_keys", "active access keys"),
    ("inactive_access_keys", "inactive access keys"),
    ("mfa_devices", "MFA devices"),
    ("signing_certificates", "signing certificates"),
)


def is_member_result(result: Result) -> bool:
    """A member account's own result of the member check (not the check's organization-level gap)."""
    return result.check_id == MEMBER_CHECK_ID and result.resource.kind is ResourceKind.ACCOUNT


def is_out_of_scope(result: Result) -> bool:
    return result.status is Status.NOT_EVALUATED and result.reason is not None and result.reason.out_of_scope


@dataclass
class Posture:
    """The counts of one run. Member counts are None when the member check did not run."""

    member_check_ran: bool = False
    member_list_complete: bool = True
    members_total: int = 0  # member accounts with a result
    members_failed: int = 0  # still holding root credentials
    members_passed: int = 0
    members_not_evaluated: int = 0  # should have been evaluated and were not (a partial run)
    members_out_of_scope: int = 0  # not evaluated by design: excluded, suspended, closing, ...
    org_checks_passed: int = 0
    org_checks_failed: int = 0
    org_checks_not_evaluated: int = 0  # includes an account list that could not be read completely
    org_checks_out_of_scope: int = 0  # e.g. the management root seen from the delegated administrator
    credentials: Counter[str] = field(default_factory=Counter)  # members holding each kind (CREDENTIAL_KINDS)

    @property
    def org_checks_total(self) -> int:
        return (
            self.org_checks_passed
            + self.org_checks_failed
            + self.org_checks_not_evaluated
            + self.org_checks_out_of_scope
        )

    @property
    def members_clean(self) -> int | None:
        """Members proved clean; None when unknown (the check did not run, or the account list is partial)."""
        if not self.member_check_ran or not self.member_list_complete:
            return None
        return self.members_passed

    @property
    def members_with_root_credentials(self) -> int | None:
        return self.members_failed if self.member_check_ran else None

    @property
    def members_unevaluated(self) -> int | None:
        return self.members_not_evaluated if self.member_check_ran else None

    @property
    def partial(self) -> bool:
        return bool(self.members_not_evaluated or self.org_checks_not_evaluated)


def credential_counts(result: Result) -> dict[str, int]:
    """How many of each credential kind a member's root user holds, from the result's details."""
    counts = result.details.get("counts")
    if isinstance(counts, dict):
        return {key: int(counts.get(key) or 0) for key, _ in CREDENTIAL_KINDS}
    # Older or hand-made results: the kinds alone say which are present, not how many.
    kinds = result.details.get("kinds") or []
    by_label = {label: key for key, label in CREDENTIAL_KINDS}
    by_label["access keys"] = "active_access_keys"
    return {key: int(any(by_label.get(k) == key for k in kinds)) for key, _ in CREDENTIAL_KINDS}


def posture_of(results: Iterable[Result], checks: Iterable[str] | None = None) -> Posture:
    """Count `results` (one pass). `checks` are the check ids the run evaluated, when known: a member check
    that ran and listed no account is zero members, not an unknown count."""
    p = Posture(member_check_ran=checks is not None and MEMBER_CHECK_ID in set(checks))
    for r in results:
        if r.check_id == MEMBER_CHECK_ID:
            p.member_check_ran = True
            if r.resource.kind is not ResourceKind.ACCOUNT:  # the account list itself could not be read
                if r.status is Status.NOT_EVALUATED:
                    p.member_list_complete = False
                    p.org_checks_not_evaluated += 1
                continue
            p.members_total += 1
            if r.status is Status.PASS:
                p.members_passed += 1
            elif r.status is Status.FAIL:
                p.members_failed += 1
                for key, n in credential_counts(r).items():
                    if n:
                        p.credentials[key] += 1
            elif is_out_of_scope(r):
                p.members_out_of_scope += 1
            else:
                p.members_not_evaluated += 1
            continue
        if r.status is Status.PASS:
            p.org_checks_passed += 1
        elif r.status is Status.FAIL:
            p.org_checks_failed += 1
        elif is_out_of_scope(r):
            p.org_checks_out_of_scope += 1
        else:
            p.org_checks_not_evaluated += 1
    return p
