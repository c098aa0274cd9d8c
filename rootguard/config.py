"""The settings a team writes once: a small YAML file, validated, with errors that name the field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_config(path: str | Path | None) -> Config:
    """Load and validate a config file; None gives the defaults."""
    if path is None:
        return Config()
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{p}:{where} is not valid YAML") from None
    if raw is None:
        return Config()
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: the top level must be a mapping of settings")
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"{p}: {_field_path(tuple(err['loc']))}: {err['msg']}") from None
