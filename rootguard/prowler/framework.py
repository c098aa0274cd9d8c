"""rootguard's own Prowler compliance framework, built from the checks' mappings (``mappings/rootguard.yaml``).

``prowler aws --compliance rootguard_centralized_root_access_aws`` runs rootguard's checks and prints one row per
public requirement they relate to (CIS AWS Foundations Benchmark v7.0 2.1.1 and every other requirement in the
mappings), with a compliance CSV. Each requirement lists the rootguard checks whose mapping names it, so the
framework and the ASFF ``Compliance.RelatedRequirements`` always say the same thing.

Prowler 5.46 reads the framework in two forms, and rootguard ships both under one name (``generate`` writes them,
setup.cfg registers their folders):

- the legacy ``Compliance`` model, found through the ``prowler.compliance`` entry point group (``aws = <package>``):
  this makes the name a ``--compliance`` choice, selects the checks to run, and fills the checks' compliance
  column in Prowler's regular outputs;
- the universal ``ComplianceFramework`` model, found through ``prowler.compliance.universal``: only this form
  carries a table configuration, which is what makes Prowler print a row per requirement (the legacy form of a
  framework Prowler does not know gets a one-line pass/fail overview) and write the CSV and OCSF files.

Pure: specs and mappings in, JSON-ready dicts out; tests/checks validates both with Prowler's own models.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from rootguard.mappings import load_mappings
from rootguard.rules import all_rules

NAME = "rootguard_centralized_root_access_aws"  # the --compliance choice: Prowler's <framework>_<provider>
FILE_NAME = f"{NAME}.json"
FRAMEWORK = "rootguard-Centralized-Root-Access"  # Prowler matches it, upper-cased, against NAME
TITLE = "rootguard centralized root access"
PROVIDER = "AWS"
DESCRIPTION = (
    "rootguard's checks of AWS Organizations centralized root access (trusted access for IAM, the "
    "RootCredentialsManagement and RootSessions features, SCPs that block root sessions, IAM delegated "
    "administrators, every member account's root credentials through sts:AssumeRoot, and the management "
    "account's root user, which centralized root access leaves out), mapped to the public "
    "requirements they relate to: CIS AWS Foundations Benchmark v7.0.0 2.1.1 'Ensure centralized root access in "
    "AWS Organizations' and the root user recommendations of earlier CIS versions, AWS Foundational Security "
    "Best Practices, NIST SP 800-53 Rev. 5, NIST CSF 2.0, ISO/IEC 27001:2022, PCI DSS v4.0.1 and SOC 2. Run it "
    "from the management account or the IAM delegated administrator."
)
GROUP_BY = "Requirement"


class FrameworkRequirement(BaseModel):
    """One public requirement and the rootguard checks that relate to it."""

    model_config = ConfigDict(frozen=True)

    id: str  # as in ASFF Compliance.RelatedRequirements, e.g. "CIS AWS Foundations Benchmark v7.0.0/2.1.1"
    title: str
    source: str
    checks: tuple[str, ...]  # rootguard check ids, in report order
    services: tuple[str, ...]  # their Prowler services

    @property
    def framework(self) -> str:
        """The cited framework: the id before its last '/' (or, without one, before its last space)."""
        return self.id.rpartition("/" if "/" in self.id else " ")[0]

    @property
    def item(self) -> str:
        """The requirement's number within its framework, e.g. "2.1.1", "IAM.4", "AC-6(2)"."""
        return self.id.rpartition("/" if "/" in self.id else " ")[2]


def requirements() -> list[FrameworkRequirement]:
    """Every requirement some check maps to, sorted by id (the order Prowler's table shows them in)."""
    specs = [rule.spec for rule in all_rules()]
    mappings = load_mappings()
    found: dict[str, tuple[Any, list[str], set[str]]] = {}
    for spec in specs:
        for requirement in mappings[spec.check_id].requirements:
            _, checks, services = found.setdefault(requirement.id, (requirement, [], set()))
            checks.append(spec.check_id)
            services.add(spec.service)
    return [
        FrameworkRequirement(
            id=req.id,
            title=req.title,
            source=req.source,
            checks=tuple(checks),
            services=tuple(sorted(services)),
        )
        for req, checks, services in (found[key] for key in sorted(found))
    ]


def legacy_framework(reqs: list[FrameworkRequirement]) -> dict[str, Any]:
    """The framework in Prowler's legacy ``Compliance`` model (generic requirement attributes)."""
    return {
        "Framework": FRAMEWORK,
        "Name": TITLE,
        "Version": "",
        "Provider": PROVIDER,
        "Description": DESCRIPTION,
        "Requirements": [
            {
                "Id": req.id,
                "Name": req.title,
                "Description": req.title,
                "Attributes": [
                    {
                        "ItemId": req.item,
                        "Section": req.framework,
                        "Service": ", ".join(req.services),
                        "Type": "Automated",
                        "Comment": req.source,
                    }
                ],
                "Checks": list(req.checks),
            }
            for req in reqs
        ],
    }


def universal_framework(reqs: list[FrameworkRequirement]) -> dict[str, Any]:
    """The same framework in Prowler's universal ``ComplianceFramework`` model, with its table configuration."""
    attributes = (
        ("Framework", "Framework"),
        (GROUP_BY, "Requirement"),
        ("Title", "Title"),
        ("Source", "Source"),
    )
    return {
        "framework": FRAMEWORK,
        "name": TITLE,
        "provider": PROVIDER,
        "version": "",
        "description": DESCRIPTION,
        "attributes_metadata": [
            {"key": key, "label": label, "type": "str", "required": True} for key, label in attributes
        ],
        "outputs": {"table_config": {"group_by": GROUP_BY, "labels": {"group_header": "Requirement"}}},
        "requirements": [
            {
                "id": req.id,
                "name": req.title,
                "description": req.title,
                "attributes": {
                    "Framework": req.framework,
                    GROUP_BY: req.id,
                    "Title": req.title,
                    "Source": req.source,
                },
                "checks": {PROVIDER.lower(): list(req.checks)},
            }
            for req in reqs
        ],
    }
