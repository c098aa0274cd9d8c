"""What a run proved about each member account's root user, from rootguard's own results.

A member account is proved clean when, in this run, `iam_member_root_credentials_absent` PASSED for it (its
root user holds no password, access key, MFA device or signing certificate, read in an audit root session) and
both centralized root access features PASSED (`iam_org_root_credentials_management_enabled`,
`iam_org_root_sessions_enabled`): its root credentials are gone and stay under the organization's control.
Anything else is not proof: a FAIL (credentials present), a NOT_EVALUATED result of any reason, a feature that
is off or could not be read, an account the run did not see.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from rootguard.findings.ids import result_finding_id
from rootguard.models import ResourceKind, Result, Status
from rootguard.rules import MEMBER_CHECK_ID
from rootguard.rules.features import ROOT_CREDENTIALS, ROOT_SESSION

FEATURE_CHECKS = (ROOT_CREDENTIALS.check_id, ROOT_SESSION.check_id)
NEEDED_CHECKS = (MEMBER_CHECK_ID, *FEATURE_CHECKS)


class AccountProof(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    account_id: str
    clean: bool
    reason: str  # one phrase: why it is clean, or why it is not proven
    finding_id: str  # rootguard's member finding for this account (cited in notes)


class Proofs(BaseModel):
    """Per member account, what this run proved. `incomplete` names why nothing can be decided (a check that
    reconciliation needs did not run): then no finding is changed at all."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accounts: dict[str, AccountProof] = Field(default_factory=dict)
    incomplete: str | None = None

    @property
    def clean(self) -> list[str]:
        return sorted(a for a, p in self.accounts.items() if p.clean)


def proofs_from_results(results: Iterable[Result], *, partition: str) -> Proofs:
    """Proofs from one run's results (those of the member check and both feature checks are needed)."""
    items = list(results)
    ran = {r.check_id for r in items}
    missing = [c for c in NEEDED_CHECKS if c not in ran]
    if missing:
        return Proofs(
            incomplete=f"{', '.join(missing)} did not run: nothing is proved, no finding is changed"
        )
    features_off = [
        f"{r.check_id} {r.status.value}"
        for r in items
        if r.check_id in FEATURE_CHECKS and r.status is not Status.PASS
    ]
    accounts: dict[str, AccountProof] = {}
    for result in items:
        if result.check_id != MEMBER_CHECK_ID or result.resource.kind is not ResourceKind.ACCOUNT:
            continue
        fid = result_finding_id(result, partition)
        account = result.resource.id
        if result.status is Status.PASS and not features_off:
            proof = AccountProof(
                account_id=account,
                clean=True,
                reason="root user holds no credentials and centralized root access is on",
                finding_id=fid,
            )
        elif result.status is Status.FAIL:
            kinds = ", ".join(result.details.get("kinds") or []) or "unknown kinds"
            proof = AccountProof(
                account_id=account, clean=False, reason=f"root credentials present ({kinds})", finding_id=fid
            )
        elif result.status is Status.NOT_EVALUATED:
            why = result.reason.value if result.reason else "NOT_EVALUATED"
            proof = AccountProof(
                account_id=account, clean=False, reason=f"not evaluated ({why})", finding_id=fid
            )
        else:
            proof = AccountProof(
                account_id=account, clean=False, reason="; ".join(features_off), finding_id=fid
            )
        accounts[account] = proof
    return Proofs(accounts=accounts)
