"""What a check is, besides its rule: its text, its severity policy and the facts it judges.

Each check module under ``rootguard/rules/`` holds ``SPEC = CheckSpec(...)`` beside its ``evaluate`` function.
Everything else is derived from the spec: the Prowler check folder and its metadata (``rootguard.prowler``), the
finding's title, remediation and severity (``rootguard.findings``), which facts a run collects
(``rootguard.collect``). Compliance requirements and ASFF types are data in ``mappings/rootguard.yaml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from rootguard.models import Fact, NotEvaluatedReason, Result, Status

SeverityLabel = Literal["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
Credential = Literal[
    "active_access_key", "password", "inactive_access_key", "signing_certificate", "mfa_device"
]
Level = Literal["organization", "account"]
# Prowler's own limits on check metadata (prowler.lib.check.models.CheckMetadata).
PROWLER_TITLE_MAX = 150
PROWLER_TEXT_MAX = 400
DEFAULT_NOTES = "rootguard custom check: run from the management account or the IAM delegated administrator."


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Remediation(_Spec):
    """How to fix a failure: the text findings carry (ASFF limits it to 512 characters) and its link, the
    command line and the other ways Prowler's metadata lists."""

    text: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    url: str
    cli: str = ""
    other: str = ""


class CredentialRule(_Spec):
    credential: Credential
    label: SeverityLabel


class Severity(_Spec):
    """The severity of each result: PASS and NOT_EVALUATED by reason, FAIL by what the root user still holds."""

    fail: SeverityLabel
    pass_: SeverityLabel = Field(default="INFORMATIONAL", alias="pass")
    not_evaluated: SeverityLabel = "LOW"
    not_evaluated_by_reason: Mapping[NotEvaluatedReason, SeverityLabel] = Field(default_factory=dict)
    # The first rule whose credential is present sets the severity of a FAIL.
    fail_by_credential: tuple[CredentialRule, ...] = ()

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def label(self, result: Result) -> SeverityLabel:
        if result.status is Status.PASS:
            return self.pass_
        if result.status is Status.NOT_EVALUATED:
            if result.reason is not None and result.reason in self.not_evaluated_by_reason:
                return self.not_evaluated_by_reason[result.reason]
            return self.not_evaluated
        present = credentials_present(result.details)
        for rule in self.fail_by_credential:
            if rule.credential in present:
                return rule.label
        return self.fail


class CheckSpec(_Spec):
    """One check's identity and text, written once."""

    check_id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")]
    level: Level  # organization: one result about the organization; account: one result per account
    position: int  # report order among the checks
    title: Annotated[str, StringConstraints(min_length=1, max_length=PROWLER_TITLE_MAX)]
    description: Annotated[str, StringConstraints(min_length=1, max_length=PROWLER_TEXT_MAX)]
    risk: Annotated[str, StringConstraints(min_length=1, max_length=PROWLER_TEXT_MAX)]
    remediation: Remediation
    urls: tuple[str, ...] = ()  # further reading (Prowler's AdditionalURLs)
    severity: Severity
    # The fact groups the rule judges: when one could not be read completely the check never passes
    # (rootguard.rules.registry holds every rule to that). A run collects the union of its checks' needs and
    # uses; `uses` are read when available and only sharpen a message or a failure.
    needs: frozenset[Fact]
    uses: frozenset[Fact] = frozenset()
    categories: tuple[str, ...] = ("identity-access", "trust-boundaries")  # Prowler's category names
    related_to: tuple[str, ...] = ()  # Prowler built-in checks that overlap (Prowler's RelatedTo)
    resource_type: str = "Other"
    notes: str = DEFAULT_NOTES

    @field_validator("title")
    @classmethod
    def _no_ensure(cls, value: str) -> str:
        if value.lower().startswith("ensure"):
            raise ValueError("Prowler refuses titles that start with 'Ensure'")
        return value

    @property
    def service(self) -> str:
        """The Prowler service: the check id up to its first underscore."""
        return self.check_id.split("_", 1)[0]


# -------------------------------------------------------------------------------- credentials in details

# Words of RootCredentials.kinds (and similar free text) -> credential tokens.
_KIND_WORDS: tuple[tuple[str, Credential], ...] = (
    ("inactive access key", "inactive_access_key"),
    ("active access key", "active_access_key"),
    ("access key", "active_access_key"),  # status unknown (summary flag only): assume the worst
    ("password", "password"),
    ("signing certificate", "signing_certificate"),
    ("mfa", "mfa_device"),
)
# Count/flag keys a rule may put in Result.details -> credential tokens.
_COUNT_KEYS: dict[str, Credential] = {
    "active_access_keys": "active_access_key",
    "inactive_access_keys": "inactive_access_key",
    "password": "password",
    "signing_certificates": "signing_certificate",
    "mfa_devices": "mfa_device",
}


def _kind_token(kind: str) -> Credential | None:
    text = kind.lower().replace("_", " ")
    for word, token in _KIND_WORDS:
        if word in text:
            return token
    return None


def credentials_present(details: Mapping[str, Any]) -> set[Credential]:
    """The credential tokens a Result's details say are present.

    Reads `details["kinds"]` (the vocabulary of RootCredentials.kinds) and any count or flag keys
    (`active_access_keys`, `inactive_access_keys`, `password`, `signing_certificates`, `mfa_devices`), at the
    top level or under `details["counts"]`.
    """
    found: set[Credential] = set()
    kinds = details.get("kinds")
    if isinstance(kinds, Iterable) and not isinstance(kinds, str | bytes | Mapping):
        for kind in kinds:
            token = _kind_token(str(kind))
            if token:
                found.add(token)
    for source in (details, details.get("counts")):
        if not isinstance(source, Mapping):
            continue
        for key, token in _COUNT_KEYS.items():
            value = source.get(key)
            if isinstance(value, bool | int | list | tuple) and value:
                found.add(token)
    return found
