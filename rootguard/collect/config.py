"""Settings of one collection run."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
# IAM role names: 1..64 of [\w+=,.@-]; a path is not accepted here.
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")

# AssumeRoot sessions live 60 seconds by default. The audit makes at most five calls per account (the summary
# and four detail lists); 60 s leaves room for adaptive-retry back-off under throttling, and an expired
# session is re-assumed once. AWS accepts 0..900 s.
DEFAULT_SESSION_DURATION = 60


class CollectConfig(BaseModel):
    """How :func:`rootguard.collect.collect_facts` reads an organization."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    region: str | None = None  # home Region; None: the session's Region, else us-east-1
    max_workers: int = Field(default=16, ge=1, le=64)
    member_audit: bool = True
    assume_role_name: str | None = None  # AssumeRole fallback when root sessions are unavailable
    excluded_accounts: frozenset[str] = frozenset()
    session_duration: int = Field(default=DEFAULT_SESSION_DURATION, ge=1, le=900)
    max_attempts: int = Field(default=8, ge=1, le=20)  # botocore adaptive retries, first call included

    @field_validator("region")
    @classmethod
    def _regional(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value == "aws-global":
            raise ValueError("aws-global is not a Region: sts:AssumeRoot needs a Regional STS endpoint")
        if not _REGION.match(value):
            raise ValueError(f"{value!r} is not an AWS Region name such as us-east-1")
        return value

    @field_validator("excluded_accounts", mode="before")
    @classmethod
    def _account_ids(cls, value: object) -> frozenset[str]:
        if value is None:
            return frozenset()
        if isinstance(value, str):
            value = [value]
        ids = frozenset(str(item) for item in value)  # type: ignore[union-attr]
        for item in sorted(ids):
            if not _ACCOUNT_ID.match(item):
                raise ValueError(f"{item!r} is not a 12-digit account id")
        return ids

    @field_validator("assume_role_name")
    @classmethod
    def _role_name(cls, value: str | None) -> str | None:
        if value is not None and not _ROLE_NAME.match(value):
            raise ValueError(f"{value!r} is not an IAM role name (no path; 1..64 of [A-Za-z0-9+=,.@_-])")
        return value
