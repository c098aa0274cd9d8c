"""Shared helpers for the deploy/ tests: load deploy/build.py and resolve templates for analysis."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
TEMPLATES = sorted(DEPLOY.glob("*.yaml"))

# Values for parameters without a default, so every template can be resolved for analysis.
REQUIRED_VALUES: dict[str, str] = {
    "TrustedPrincipalArn": "arn:aws:iam::111122223333:role/rootguard-scan-build",
    "ScannerRoleArn": "arn:aws:iam::111122223333:role/rootguard-scanner",
    "ScannerAccountId": "111122223333",
    "ManagementAccountId": "999988887777",
}
ANALYSIS_ACCOUNT = "111122223333"


def load_build() -> ModuleType:
    """deploy/build.py as a module (deploy/ is not a package)."""
    name = "rootguard_deploy_build"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, DEPLOY / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def resolved_template(
    path: Path, parameters: dict[str, str] | None = None, partition: str = "aws"
) -> dict[str, Any]:
    """The whole template with parameters, pseudo parameters and conditions resolved; references to the
    template's own resources become placeholders like "<OutputBucket.Arn>"."""
    build = load_build()
    template = build.load_template(path)
    declared = template.get("Parameters") or {}
    values = {
        **build.template_defaults(template),
        **{k: v for k, v in REQUIRED_VALUES.items() if k in declared},
    }
    values.update(parameters or {})
    ctx = build.Context(
        parameters=values,
        pseudo={
            "AWS::Partition": partition,
            "AWS::AccountId": ANALYSIS_ACCOUNT,
            "AWS::Region": "us-east-1",
            "AWS::StackName": "rootguard-test",
            "AWS::URLSuffix": "amazonaws.com",
        },
        resources=frozenset(template["Resources"]),
    )
    build.evaluate_conditions(template, ctx)
    resources = {}
    for logical_id, resource in template["Resources"].items():
        condition = resource.get("Condition")
        if condition and not ctx.conditions[condition]:
            continue
        resources[logical_id] = build.resolve(resource, ctx)
    return {**template, "Resources": resources, "ResolvedConditions": dict(ctx.conditions)}


def identity_policies(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, document) for every identity-based policy (managed policies and role inline policies)."""
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            yield logical_id, props["PolicyDocument"]
        if resource["Type"] == "AWS::IAM::Role":
            for inline in props.get("Policies", []):
                yield f"{logical_id}/{inline['PolicyName']}", inline["PolicyDocument"]


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    stmts = document["Statement"]
    return stmts if isinstance(stmts, list) else [stmts]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
