"""The settings a team writes once: a small YAML file, validated, with errors that name the field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rootguard.yamlfiles import read_yaml, validation_message

ACCOUNT_ID = re.compile(r"^\d{12}$")


class ConfigError(ValueError):
    """A configuration problem, phrased as one line that names the file and the field."""


class SecurityHubSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    placement: Literal["central", "per-member"] = "central"
    member_role_name: str | None = None  # role assumed in each member account for per-member placement
    rate_per_second: float = Field(default=10.0, gt=0, le=100)
    burst: int = Field(default=30, ge=1, le=1000)
    archive_resolved: bool = True
    summary_finding: bool = False


class Config(BaseModel):
    """rootguard.yaml. Every field is optional; command-line flags override it."""

    model_config = ConfigDict(extra="forbid")

    home_region: str | None = None
    checks: list[str] | None = None
    allowed_delegated_admins: list[str] = Field(default_factory=list)
    excluded_accounts: list[str] = Field(default_factory=list)
    max_workers: int = Field(default=16, ge=1, le=64)
    fallback_role_name: str | None = None  # AssumeRole fallback when root sessions are unavailable
    output_dir: str = "rootguard-output"
    securityhub: SecurityHubSettings = Field(default_factory=SecurityHubSettings)

    @field_validator("allowed_delegated_admins", "excluded_accounts")
    @classmethod
    def _account_ids(cls, value: list[str]) -> list[str]:
        for item in value:
            if not ACCOUNT_ID.match(str(item)):
                raise ValueError(f"{item!r} is not a 12-digit account id")
        return [str(v) for v in value]


def load_config(path: str | Path | None) -> Config:
    """Load and validate a config file; None gives the defaults."""
    if path is None:
        return Config()
    p = Path(path)
    raw = read_yaml(p, ConfigError)
    if raw is None:
        return Config()
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: the top level must be a mapping of settings")
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{p}: {validation_message(exc)}") from None
