"""organizations_scps_allow_root_sessions: no SCP denies root actions without the aws:AssumedRoot exemption."""

from __future__ import annotations

from collections import defaultdict

from rootguard.models import Fact, OrgFacts, Result, ScpBlock
from rootguard.rules.common import (
    failed,
    not_evaluated,
    not_in_organization,
    not_in_organization_result,
    organization_resource,
    organization_unreadable,
    passed,
    reason_for,
)
from rootguard.rules.spec import CheckSpec, Remediation, Severity
from rootguard.rules.urls import ASSUME_ROOT_DOCS, SCP_DOCS
from rootguard.settings import RuleConfig

CHECK_ID = "organizations_scps_allow_root_sessions"
EXEMPTION = '"Condition": {"Null": {"aws:AssumedRoot": "true"}}'
SPEC = CheckSpec(
    check_id=CHECK_ID,
    level="organization",
    position=50,
    title="Service control policies should not block centralized root sessions",
    description=(
        "Checks that no SCP on the root, an OU or an account denies root actions without exempting "
        "`aws:AssumedRoot`, which would make every root session below it fail."
    ),
    risk=(
        "A deny-root SCP without the aws:AssumedRoot exemption blocks root sessions: root credentials there "
        "cannot be audited or deleted centrally and stay unseen."
    ),
    remediation=Remediation(
        text=(
            'Exempt root sessions in every SCP that denies root actions: add "Condition": {"Null": '
            '{"aws:AssumedRoot": "true"}} to the deny statement, or set ExemptAssumeRoot on the AWS Control '
            "Tower control that disallows actions as a root user."
        ),
        url=ASSUME_ROOT_DOCS,
        cli=(
            "aws organizations update-policy --policy-id POLICY_ID --content "
            "file://policy-with-assumedroot-exemption.json"
        ),
        other=(
            f"Add {EXEMPTION} to the deny statement; in Control Tower set the ExemptAssumeRoot parameter of the "
            "root-user control."
        ),
    ),
    urls=(SCP_DOCS, ASSUME_ROOT_DOCS),
    severity=Severity(fail="MEDIUM"),
    needs=frozenset({Fact.ORGANIZATION, Fact.SCPS}),
    uses=frozenset({Fact.ACCOUNTS}),  # which accounts a blocking SCP affects
)
_KIND_LABEL = {"ROOT": "root", "ORGANIZATIONAL_UNIT": "OU", "ACCOUNT": "account"}


def _target(block: ScpBlock) -> str:
    kind = _KIND_LABEL.get(block.target_kind, block.target_kind.lower())
    name = f" {block.target_name}" if block.target_name and block.target_name != block.target_id else ""
    return f"{kind}{name} ({block.target_id})"


def affected_accounts(facts: OrgFacts, blocks: list[ScpBlock]) -> list[str]:
    """Member accounts under any of the targets: the accounts whose root sessions fail. SCPs never apply to
    the management account, and sts:AssumeRoot cannot target it, so it is never among them."""
    targets = {b.target_id for b in blocks}
    management = facts.organization.management_account_id if facts.organization else ""
    return sorted(
        a.id
        for a in facts.accounts
        if a.id != management and (a.id in targets or targets.intersection(a.parent_path))
    )


def evaluate(facts: OrgFacts, config: RuleConfig) -> list[Result]:
    resource = organization_resource(facts)
    if facts.organization is None:
        if not_in_organization(facts):
            return [not_in_organization_result(CHECK_ID, facts, "service control policies")]
        return [organization_unreadable(CHECK_ID, facts)]
    read_error = facts.unreadable.get(Fact.SCPS)
    if read_error is not None and not facts.scp_blocks:
        return [
            not_evaluated(
                CHECK_ID,
                resource,
                reason_for(read_error),
                f"Service control policies could not be read completely ({read_error}), so no SCP can be said "
                "to leave root sessions alone. Allow organizations:ListRoots, ListPolicies, DescribePolicy and "
                "ListTargetsForPolicy for the caller, then re-run the scan.",
                error=str(read_error),
            )
        ]
    if not facts.scp_blocks:
        return [
            passed(
                CHECK_ID,
                resource,
                f"No service control policy in organization {facts.organization.id} denies root actions "
                "without the aws:AssumedRoot exemption; root sessions are not blocked.",
                blocking_policies=[],
            )
        ]
    by_policy: dict[str, list[ScpBlock]] = defaultdict(list)
    for block in facts.scp_blocks:
        by_policy[block.policy_id].append(block)
    sentences: list[str] = []
    policies: list[dict[str, object]] = []
    for policy_id in sorted(by_policy):
        blocks = sorted(by_policy[policy_id], key=lambda b: (b.target_kind, b.target_id))
        name = blocks[0].policy_name
        label = f"{name} ({policy_id})" if name else policy_id
        sentences.append(f"{label} on {', '.join(_target(b) for b in blocks)}")
        policies.append(
            {
                "policy_id": policy_id,
                "policy_name": name,
                "targets": [
                    {"id": b.target_id, "kind": b.target_kind, "name": b.target_name} for b in blocks
                ],
                "affected_accounts": affected_accounts(facts, blocks),
            }
        )
    affected = affected_accounts(facts, list(facts.scp_blocks))
    return [
        failed(
            CHECK_ID,
            resource,
            f"These SCPs deny root actions without exempting root sessions, so sts:AssumeRoot tasks fail in "
            f"{len(affected)} account(s): {'; '.join(sentences)}. Add {EXEMPTION} to each deny statement "
            "(Control Tower: set ExemptAssumeRoot on the root user control).",
            blocking_policies=policies,
            affected_accounts=affected,
            fix=EXEMPTION,
            **({"read_error": str(read_error)} if read_error is not None else {}),
        )
    ]
