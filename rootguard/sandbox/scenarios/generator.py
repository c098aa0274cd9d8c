"""Large organizations from a one-line spec, deterministic from the seed.

``accounts=10000 password=0.1 active_keys=0.05 inactive_keys=0.02 mfa=0.1 certificates=0.01 invited=0.3
suspended=0.01 seed=7`` adds 10,000 member accounts: each fraction is the chance that one generated account
has that property, drawn independently per account from a generator seeded with `seed` (default: the
scenario's). Accounts go round-robin into the scenario's leaf OUs (or `ous=N` generated ones, or the root).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rootguard.sandbox.scenarios.model import (
    AccessKeySpec,
    AccountSpec,
    CertificateSpec,
    MFASpec,
    RootSpec,
    Scenario,
    ScenarioError,
)

_EPOCH = datetime(2019, 1, 1, tzinfo=UTC)


class GenerateSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accounts: int = Field(ge=1, le=100_000)
    seed: int | None = None
    password: float = Field(default=0.0, ge=0, le=1)
    active_keys: float = Field(default=0.0, ge=0, le=1)
    inactive_keys: float = Field(default=0.0, ge=0, le=1)
    mfa: float = Field(default=0.0, ge=0, le=1)
    hardware_mfa: float = Field(default=0.3, ge=0, le=1)  # share of generated MFA devices that are hardware
    certificates: float = Field(default=0.0, ge=0, le=1)
    invited: float = Field(default=0.0, ge=0, le=1)
    suspended: float = Field(default=0.0, ge=0, le=1)
    pending_closure: float = Field(default=0.0, ge=0, le=1)
    ous: int = Field(default=0, ge=0, le=1000)  # extra OUs named Generated/Unit-NNN


def parse_spec(text: str) -> GenerateSpec:
    fields: dict[str, str] = {}
    for token in text.split():
        key, sep, value = token.partition("=")
        if not sep or not key or not value:
            raise ScenarioError(f"generate: {token!r} is not key=value")
        if key in fields:
            raise ScenarioError(f"generate.{key}: given twice")
        fields[key] = value
    try:
        return GenerateSpec.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise ScenarioError(f"generate.{loc}: {err['msg']}") from None


def _leaf_ous(paths: list[str]) -> list[str]:
    return [p for p in paths if not any(o.startswith(p + "/") for o in paths)]


def expand(scenario: Scenario) -> Scenario:
    """The scenario with its `generate` line turned into accounts (and `generate` cleared)."""
    if not scenario.generate:
        return scenario
    spec = parse_spec(scenario.generate)
    rng = random.Random(spec.seed if spec.seed is not None else scenario.seed)
    org = scenario.organization
    ous = list(org.ous) + [f"Generated/Unit-{i:03d}" for i in range(1, spec.ous + 1)]
    placement: list[str | None] = list(_leaf_ous(ous)) or [None]
    used = {org.management_account.id, *(a.id for a in scenario.accounts)}
    ids: list[str] = []
    while len(ids) < spec.accounts:
        for n in rng.sample(range(10**11, 10**12), spec.accounts - len(ids)):
            text = str(n)
            if text not in used:
                used.add(text)
                ids.append(text)
    start = len(scenario.accounts)
    accounts = list(scenario.accounts)
    for i, account_id in enumerate(ids):
        mfa = []
        if rng.random() < spec.mfa:
            mfa.append(MFASpec(type="hardware" if rng.random() < spec.hardware_mfa else "virtual"))
        keys = []
        if rng.random() < spec.active_keys:
            keys.append(AccessKeySpec(status="Active"))
        if rng.random() < spec.inactive_keys:
            keys.append(AccessKeySpec(status="Inactive"))
        certs = [CertificateSpec()] if rng.random() < spec.certificates else []
        root = RootSpec(
            password=rng.random() < spec.password, access_keys=keys, mfa=mfa, signing_certificates=certs
        )
        draw = rng.random()
        status = (
            "SUSPENDED"
            if draw < spec.suspended
            else "PENDING_CLOSURE"
            if draw < spec.suspended + spec.pending_closure
            else "ACTIVE"
        )
        n = start + i + 1
        accounts.append(
            AccountSpec(
                id=account_id,
                name=f"account-{n:05d}",
                email=f"aws+account-{n:05d}@example.com",
                status=status,
                joined="INVITED" if rng.random() < spec.invited else "CREATED",
                joined_at=_EPOCH + timedelta(minutes=n),
                ou=placement[i % len(placement)],
                root=root,
            )
        )
    new_org = org.model_copy(update={"ous": ous})
    return scenario.model_copy(update={"accounts": accounts, "organization": new_org, "generate": None})


def default_base(seed: int = 0) -> dict[str, Any]:
    """A minimal organization with both features on, trusted access on and no members."""
    return {
        "name": "generated",
        "seed": seed,
        "organization": {
            "management_account": {"id": "111111111111", "name": "management", "email": "root@example.com"},
            "feature_set": "ALL",
            "trusted_access": ["iam.amazonaws.com"],
            "root_access_features": ["RootCredentialsManagement", "RootSessions"],
        },
    }
