"""Every setting rootguard takes, with each default and range written once.

:class:`Config` is what a team writes (``rootguard.yaml``, command-line flags override it, Prowler's
``rootguard_*`` keys map onto it). It derives the settings of each stage, so the standalone scan and the
Prowler bridge judge alike: :meth:`Config.collect_config` (how facts are read), :meth:`Config.rule_config`
(how they are judged), :meth:`Config.publish_settings` (how findings are sent) and
:meth:`Config.reconcile_settings` (how the standard root-user controls are reconciled).

Numbers and switches are strict: ``max_workers: true`` or ``archive_resolved: "no"`` is an error naming the
field, not a silent 1 or True.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, field_validator

from rootguard.files import read_yaml, validation_message
from rootguard.models import AccountId
from rootguard.regions import region_problem

# ------------------------------------------------------------------------------------ defaults and ranges

MAX_WORKERS = 16  # member audit concurrency
MAX_WORKERS_RANGE = (1, 64)
# AssumeRoot sessions live 60 seconds by default. The audit makes at most five calls per account (the summary
# and four detail lists); 60 s leaves room for adaptive-retry back-off under throttling, and an expired
# session is re-assumed once. AWS accepts 0..900 s.
SESSION_DURATION = 60
SESSION_DURATION_RANGE = (1, 900)
MAX_ATTEMPTS = 8  # botocore adaptive retries per call, the first call included
MAX_ATTEMPTS_RANGE = (1, 20)
# How long one Organizations listing (or one read) keeps retrying throttling and transient errors, page by
# page, before the run marks what it feeds incomplete (rootguard.collect.listing).
RETRY_BUDGET_S = 600
PUBLISH_MAX_ATTEMPTS = 5
PUBLISH_RETRY_ROUNDS = 4
RETRY_BUDGET_RANGE = (1, 3600)
# Security Hub (CSPM) BatchImportFindings quota per account and Region: 10 requests/s, burst 30.
IMPORT_RATE = 10.0
IMPORT_BURST = 30
# Security Hub (CSPM) BatchUpdateFindings quota per account and Region: 10 requests/s, burst 30 (API reference).
UPDATE_RATE = 10.0
UPDATE_BURST = 30
# Reading every active control finding for the security score costs one GetFindings page (3/s) per 100.
SCORE_MAX_FINDINGS = 50_000
OUTPUT_DIR = "rootguard-output"
SPOOL_FILE = "securityhub-spool.jsonl"
AUDIT_LOG_FILE = (
    "remediation-audit.jsonl"  # every change rootguard makes to AWS, remediation or reconciliation
)
# The files a scan writes besides results.json, in Prowler's `--output-formats` spelling (rootguard.reports).
OUTPUT_FORMATS = ("csv", "json-ocsf", "json-asff", "html")
OutputFormat = Literal["csv", "json-ocsf", "json-asff", "html"]
# What `rootguard report` renders again from a results file, and by default. ASFF is not among them: it names
# the importing account and Region, which a results file does not carry (`rootguard publish --dry-run FILE`).
REPORT_FORMATS = ("csv", "json-ocsf", "html")
DEFAULT_REPORT_FORMATS = ("csv", "html")
# CloudWatch namespaces: 1..255 ASCII letters, digits and . - _ / # : or space; AWS/ is reserved for AWS.
_NAMESPACE = re.compile(r"^(?!AWS/)[0-9A-Za-z._/#: -]{1,255}$")
METRICS_NAMESPACE = "rootguard"
# IAM role names: 1..64 of [\w+=,.@-]; a path is not accepted here.
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")

StrictInt = Annotated[int, Strict()]
StrictBool = Annotated[bool, Strict()]
Workers = Annotated[int, Strict(), Field(ge=MAX_WORKERS_RANGE[0], le=MAX_WORKERS_RANGE[1])]
RetryBudget = Annotated[int, Strict(), Field(ge=RETRY_BUDGET_RANGE[0], le=RETRY_BUDGET_RANGE[1])]
Attempts = Annotated[int, Strict(), Field(ge=MAX_ATTEMPTS_RANGE[0], le=MAX_ATTEMPTS_RANGE[1])]
Rate = Annotated[float, Field(gt=0, le=100, strict=True)]


class ConfigError(ValueError):
    """A configuration problem, phrased as one line that names the file and the field."""


def role_name(value: str | None) -> str | None:
    if value is not None and not _ROLE_NAME.match(value):
        raise ValueError(f"{value!r} is not an IAM role name (no path; 1..64 of [A-Za-z0-9+=,.@_-])")
    return value


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------------------------------- stage settings


class CollectConfig(_Settings):
    """How :func:`rootguard.collect.collect_facts` reads an organization."""

    region: str | None = None  # home Region; None: the session's Region, else us-east-1
    max_workers: Workers = MAX_WORKERS
    member_audit: StrictBool = True
    assume_role_name: str | None = None  # AssumeRole fallback when root sessions are unavailable
    excluded_accounts: frozenset[AccountId] = frozenset()
    session_duration: Annotated[
        int, Strict(), Field(ge=SESSION_DURATION_RANGE[0], le=SESSION_DURATION_RANGE[1])
    ] = SESSION_DURATION
    max_attempts: Attempts = MAX_ATTEMPTS
    retry_budget_s: RetryBudget = RETRY_BUDGET_S

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        problem = region_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("excluded_accounts", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str | int) and not isinstance(value, bool) else (value or ())

    @field_validator("assume_role_name")
    @classmethod
    def _role(cls, value: str | None) -> str | None:
        return role_name(value)


class RuleConfig(_Settings):
    """How the rules judge an organization; the defaults are the strict reading."""

    # IAM delegated administrators that are expected; any other one fails
    # organizations_iam_delegated_admin_allowed.
    allowed_delegated_admins: frozenset[AccountId] = frozenset()
    # Accounts the member rule reports as NOT_EVALUATED (EXCLUDED) whatever was collected for them.
    excluded_accounts: frozenset[AccountId] = frozenset()
    # iam_management_root_mfa_no_keys fails a virtual MFA device (CIS: hardware MFA for the root user).
    management_root_hardware_mfa: StrictBool = False

    @field_validator("allowed_delegated_admins", "excluded_accounts", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str | int) and not isinstance(value, bool) else (value or ())


class PublishSettings(_Settings):
    """How findings are sent. Defaults follow Security Hub's documented BatchImportFindings quota."""

    placement: Literal["central", "per-member"] = "central"
    member_role_name: str | None = None  # per-member: role assumed in each member account
    rate_per_second: Rate = IMPORT_RATE  # BatchImportFindings per account and Region
    burst: Annotated[int, Strict(), Field(ge=1, le=1000)] = IMPORT_BURST
    read_rate_per_second: Rate = 3.0  # GetFindings is throttled lower
    read_burst: Annotated[int, Strict(), Field(ge=1, le=1000)] = 6
    max_in_flight: Annotated[int, Strict(), Field(ge=1, le=32)] = 4  # concurrent calls per account and Region
    max_targets_in_flight: Annotated[int, Strict(), Field(ge=1, le=64)] = 8  # hubs at once (per-member)
    # rounds of re-sending retriable failures
    retry_rounds: Annotated[int, Strict(), Field(ge=0, le=10)] = PUBLISH_RETRY_ROUNDS
    backoff_base_s: Annotated[float, Field(ge=0, le=60)] = 0.5
    backoff_cap_s: Annotated[float, Field(ge=0, le=300)] = 8.0
    botocore_max_attempts: Attempts = PUBLISH_MAX_ATTEMPTS  # botocore's retries per call
    archive_resolved: StrictBool = True
    summary_finding: StrictBool = False
    spool_path: Path = Path(OUTPUT_DIR) / SPOOL_FILE
    # Another run publishing from the same folder holds its lock: wait this long, then spool and say so.
    lock_timeout_s: Annotated[float, Field(ge=0, le=86400)] = 600.0

    @field_validator("member_role_name")
    @classmethod
    def _role(cls, value: str | None) -> str | None:
        return role_name(value)


class ReconcileSettings(_Settings):
    """How the standard root-user controls are reconciled (rootguard.securityhub.reconcile)."""

    rate_per_second: Rate = UPDATE_RATE  # BatchUpdateFindings per account and Region
    burst: Annotated[int, Strict(), Field(ge=1, le=1000)] = UPDATE_BURST
    read_rate_per_second: Rate = 3.0  # GetFindings
    read_burst: Annotated[int, Strict(), Field(ge=1, le=1000)] = 6
    retry_rounds: Annotated[int, Strict(), Field(ge=0, le=10)] = 4
    backoff_base_s: Annotated[float, Field(ge=0, le=60)] = 0.5
    backoff_cap_s: Annotated[float, Field(ge=0, le=300)] = 8.0
    botocore_max_attempts: Annotated[int, Strict(), Field(ge=1, le=20)] = 5
    # Active control findings read for the security score; 0: no score (the root controls' status still shows).
    score_max_findings: Annotated[int, Strict(), Field(ge=0, le=10_000_000)] = SCORE_MAX_FINDINGS


# ------------------------------------------------------------------------------------------ the config file


class SecurityHubSettings(_Settings):
    placement: Literal["central", "per-member"] = "central"
    member_role_name: str | None = None  # role assumed in each member account for per-member placement
    rate_per_second: Rate = IMPORT_RATE
    burst: Annotated[int, Strict(), Field(ge=1, le=1000)] = IMPORT_BURST
    archive_resolved: StrictBool = True
    summary_finding: StrictBool = False
    # After `scan --publish`: reconcile the standard root-user controls (IAM.4, IAM.6, IAM.9) with the
    # member check's proof. Changes AWS state (BatchUpdateFindings), so only when turned on here.
    reconcile_controls: StrictBool = False
    score_max_findings: Annotated[int, Strict(), Field(ge=0, le=10_000_000)] = SCORE_MAX_FINDINGS
    # How hard a refused Security Hub call is retried before its findings go to the spool: botocore's attempts
    # per call, then rounds of re-sending what is still retriable (with backoff up to 8 s).
    max_attempts: Attempts = PUBLISH_MAX_ATTEMPTS
    retry_rounds: Annotated[int, Strict(), Field(ge=0, le=10)] = PUBLISH_RETRY_ROUNDS

    @field_validator("member_role_name")
    @classmethod
    def _role(cls, value: str | None) -> str | None:
        return role_name(value)


def metrics_namespace(value: str) -> str:
    if not _NAMESPACE.match(value):
        raise ValueError(
            f"{value!r} is not a CloudWatch namespace (1..255 of A-Z a-z 0-9 . - _ / # : and space; "
            "not starting with AWS/)"
        )
    return value


class MetricsSettings(_Settings):
    """Posture metrics a scan emits (rootguard.reports.metrics): none, or CloudWatch Embedded Metric Format
    lines on stderr, which a log group turns into metrics."""

    format: Literal["none", "emf"] = "none"
    namespace: str = METRICS_NAMESPACE

    @field_validator("namespace")
    @classmethod
    def _namespace(cls, value: str) -> str:
        return metrics_namespace(value)


class Config(_Settings):
    """rootguard.yaml. Every field is optional; command-line flags override it."""

    home_region: str | None = None
    checks: list[str] | None = None
    allowed_delegated_admins: list[AccountId] = Field(default_factory=list)
    excluded_accounts: list[AccountId] = Field(default_factory=list)
    max_workers: Workers = MAX_WORKERS
    max_attempts: Attempts = MAX_ATTEMPTS  # botocore's attempts per call while collecting
    retry_budget_seconds: RetryBudget = RETRY_BUDGET_S  # per Organizations listing, then it is incomplete
    fallback_role_name: str | None = None  # AssumeRole fallback when root sessions are unavailable
    management_root_requires_hardware_mfa: StrictBool = False
    output_dir: str = OUTPUT_DIR
    # What a scan writes next to results.json (always written): every format by default.
    output_formats: list[OutputFormat] = Field(default_factory=lambda: list(OUTPUT_FORMATS), min_length=1)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    # Every finding also checked against the whole ASFF schema, its size measured by serializing it (by
    # default the constant part of each check's findings is checked once and each finding's varying part).
    strict: StrictBool = False
    securityhub: SecurityHubSettings = Field(default_factory=SecurityHubSettings)

    @field_validator("fallback_role_name")
    @classmethod
    def _role(cls, value: str | None) -> str | None:
        return role_name(value)

    @field_validator("home_region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        problem = region_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    def collect_config(self, *, region: str | None, member_audit: bool = True) -> CollectConfig:
        return CollectConfig(
            region=region,
            max_workers=self.max_workers,
            max_attempts=self.max_attempts,
            retry_budget_s=self.retry_budget_seconds,
            member_audit=member_audit,
            assume_role_name=self.fallback_role_name,
            excluded_accounts=frozenset(self.excluded_accounts),
        )

    def rule_config(self) -> RuleConfig:
        return RuleConfig(
            allowed_delegated_admins=frozenset(self.allowed_delegated_admins),
            excluded_accounts=frozenset(self.excluded_accounts),
            management_root_hardware_mfa=self.management_root_requires_hardware_mfa,
        )

    def publish_settings(self, spool_path: Path, **overrides: Any) -> PublishSettings:
        sh = self.securityhub
        values: dict[str, Any] = {
            "placement": sh.placement,
            "member_role_name": sh.member_role_name,
            "rate_per_second": sh.rate_per_second,
            "burst": sh.burst,
            "archive_resolved": sh.archive_resolved,
            "summary_finding": sh.summary_finding,
            "retry_rounds": sh.retry_rounds,
            "botocore_max_attempts": sh.max_attempts,
            "spool_path": spool_path,
        }
        values.update(overrides)
        return PublishSettings(**values)

    def reconcile_settings(self, **overrides: Any) -> ReconcileSettings:
        sh = self.securityhub
        values: dict[str, Any] = {
            "score_max_findings": sh.score_max_findings,
            "retry_rounds": sh.retry_rounds,
            "botocore_max_attempts": sh.max_attempts,
        }
        values.update(overrides)
        return ReconcileSettings(**values)


def parse_config(raw: Any, name: str) -> Config:
    """Validate already-parsed settings; ConfigError (one line naming `name` and the field) otherwise."""
    if raw is None:
        return Config()
    if not isinstance(raw, dict):
        raise ConfigError(f"{name}: the top level must be a mapping of settings")
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{name}: {validation_message(exc)}") from None


def load_config(path: str | Path | None) -> Config:
    """Load and validate a config file; None gives the defaults."""
    if path is None:
        return Config()
    return parse_config(read_yaml(path, ConfigError), str(path))


# Prowler's --config-file (aws: section) carries rootguard's settings under these keys.
PROWLER_KEYS = {
    "rootguard_allowed_delegated_admins": "allowed_delegated_admins",
    "rootguard_excluded_accounts": "excluded_accounts",
    "rootguard_fallback_role_name": "fallback_role_name",
    "rootguard_max_workers": "max_workers",
    "rootguard_max_attempts": "max_attempts",
    "rootguard_retry_budget_seconds": "retry_budget_seconds",
    "rootguard_management_root_requires_hardware_mfa": "management_root_requires_hardware_mfa",
}


def config_from_prowler(audit_config: dict[str, Any] | None) -> Config:
    """The rootguard_* keys of Prowler's audit config as a Config (ConfigError names the Prowler key)."""
    raw = {
        field: value
        for key, field in PROWLER_KEYS.items()
        if (value := (audit_config or {}).get(key)) not in (None, "", [])
    }
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        message = validation_message(exc)
        for key, field in PROWLER_KEYS.items():
            if message.startswith(field):
                message = key + message[len(field) :]
                break
        raise ConfigError(f"Prowler config: {message}") from None
