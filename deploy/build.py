"""Render rootguard's standalone IAM policy documents from its CloudFormation templates.

The templates in deploy/ are the single source of truth for every permission rootguard needs. This script
resolves a template's policy document (parameters, pseudo parameters, conditions,
Fn::Sub/If/Select/Split/Join) into plain IAM JSON, for teams that attach policies without CloudFormation.

    python deploy/build.py              # rewrite deploy/policies/*.json
    python deploy/build.py --check      # exit 1 when a generated file is out of date (CI)
    python deploy/build.py render scanner --partition aws-us-gov -p MemberImportRoleName=rg-import

In the standalone documents the deploying account (CloudFormation's AWS::AccountId) becomes the IAM policy
variable ${aws:PrincipalAccount}: the account of whoever holds the policy, which is what the template means.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEPLOY_DIR = Path(__file__).resolve().parent
ACCOUNT_VARIABLE = "${aws:PrincipalAccount}"
NO_VALUE = object()  # AWS::NoValue: the enclosing list item or mapping key disappears


class BuildError(ValueError):
    """A template construct this renderer cannot resolve, phrased as one line."""


# --------------------------------------------------------------------------------------- YAML with CFN tags


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns CloudFormation short-form tags (!Sub, !Ref, ...) into their long form."""


def _construct(tag: str, node: yaml.Node, loader: _CfnLoader) -> dict[str, Any]:
    name = tag[1:]
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    key = name if name in ("Ref", "Condition") else f"Fn::{name}"
    return {key: value}


for _tag in (
    "!Ref", "!Condition", "!Sub", "!GetAtt", "!If", "!Not", "!Equals", "!And", "!Or", "!Select", "!Split",
    "!Join", "!FindInMap", "!Base64", "!GetAZs", "!ImportValue", "!Cidr", "!Length", "!ToJsonString",
):  # fmt: skip
    _CfnLoader.add_constructor(_tag, lambda loader, node, tag=_tag: _construct(tag, node, loader))


def load_template(path: str | Path) -> dict[str, Any]:
    """Load a CloudFormation YAML template into plain dicts, short-form tags in long form."""
    p = Path(path)
    try:
        data = yaml.load(p.read_text(encoding="utf-8"), Loader=_CfnLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise BuildError(f"{p}: cannot load template: {exc}") from None
    if not isinstance(data, dict) or "Resources" not in data:
        raise BuildError(f"{p}: not a CloudFormation template (no Resources)")
    return data


# ----------------------------------------------------------------------------------------- intrinsic resolver


@dataclass
class Context:
    """Values that Ref and ${...} resolve to."""

    parameters: dict[str, Any]
    pseudo: dict[str, str]
    conditions: dict[str, bool] = field(default_factory=dict)
    # Logical ids of the template's resources. Empty when rendering a standalone document (a resource
    # reference cannot be resolved then); for analysis, references become placeholders
    # such as "<OutputBucket.Arn>".
    resources: frozenset[str] = frozenset()

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return f"<{name}>"
        raise BuildError(f"parameter {name!r} has no value; pass -p {name}=VALUE")


_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


def _sub(template: str, ctx: Context, local: Mapping[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):  # ${!Literal} is the escape for a literal ${Literal}
            return "${" + name[1:] + "}"
        if name in local:
            return str(local[name])
        if "." in name and name.split(".", 1)[0] in ctx.resources:
            return f"<{name}>"
        if "." in name:
            raise BuildError(f"cannot resolve attribute ${{{name}}} outside CloudFormation")
        value = ctx.ref(name)
        if value is NO_VALUE:
            raise BuildError(f"AWS::NoValue inside Fn::Sub string {template!r}")
        return str(value)

    return _SUB_VAR.sub(replace, template)


def _condition(expr: Any, ctx: Context) -> bool:
    if isinstance(expr, dict) and len(expr) == 1:
        ((key, arg),) = expr.items()
        if key == "Condition":
            return ctx.conditions[arg]
        if key == "Fn::Equals":
            left, right = (resolve(a, ctx) for a in arg)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not _condition(arg[0], ctx)
        if key == "Fn::And":
            return all(_condition(a, ctx) for a in arg)
        if key == "Fn::Or":
            return any(_condition(a, ctx) for a in arg)
    raise BuildError(f"unsupported condition expression {expr!r}")


def evaluate_conditions(template: Mapping[str, Any], ctx: Context) -> dict[str, bool]:
    """Evaluate the template's Conditions section (in order; a condition may name an earlier one)."""
    out: dict[str, bool] = {}
    ctx.conditions = out
    for name, expr in (template.get("Conditions") or {}).items():
        out[name] = _condition(expr, ctx)
    return out


def resolve(node: Any, ctx: Context) -> Any:
    """Resolve intrinsic functions in node; raise BuildError for anything that needs a live stack."""
    if isinstance(node, list):
        items = [resolve(item, ctx) for item in node]
        return [item for item in items if item is not NO_VALUE]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((key, arg),) = node.items()
        if key == "Ref":
            return ctx.ref(arg)
        if key == "Fn::Sub":
            if isinstance(arg, str):
                return _sub(arg, ctx, {})
            text, variables = arg
            return _sub(text, ctx, {k: resolve(v, ctx) for k, v in variables.items()})
        if key == "Fn::If":
            name, when_true, when_false = arg
            if name not in ctx.conditions:
                raise BuildError(f"unknown condition {name!r}")
            return resolve(when_true if ctx.conditions[name] else when_false, ctx)
        if key == "Fn::Select":
            index, items = arg
            return resolve(items, ctx)[int(resolve(index, ctx))]
        if key == "Fn::Split":
            sep, text = arg
            return str(resolve(text, ctx)).split(sep)
        if key == "Fn::GetAtt" and arg[0] in ctx.resources:
            return f"<{arg[0]}.{arg[1]}>"
        if key == "Fn::Join":
            sep, items = arg
            return sep.join(str(i) for i in resolve(items, ctx))
        if key.startswith("Fn::") or key == "Condition":
            raise BuildError(f"cannot resolve {key} outside CloudFormation")
    out: dict[str, Any] = {}
    for key, value in node.items():
        resolved = resolve(value, ctx)
        if resolved is not NO_VALUE:
            out[key] = resolved
    return out


# ------------------------------------------------------------------------------------------------ renderings


@dataclass(frozen=True)
class Rendering:
    """One policy document of one template, resolved for standalone use."""

    template: str  # file name under deploy/
    resource: str  # logical id of an AWS::IAM::ManagedPolicy (or a resource with a PolicyDocument)


RENDERINGS: dict[str, Rendering] = {
    "scanner": Rendering("scanner-role.yaml", "ScannerPolicy"),
    "member-import": Rendering("member-import-role.yaml", "ImportPolicy"),
    "remediation": Rendering("remediation-role.yaml", "RemediationPolicy"),
}

# Files that `python deploy/build.py` writes, with the parameters they are rendered with (template defaults
# for everything not named).
GENERATED: dict[str, tuple[str, dict[str, str]]] = {
    "policies/scanner-policy.json": ("scanner", {}),
    "policies/member-import-policy.json": ("member-import", {}),
}


def template_defaults(template: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: spec["Default"]
        for name, spec in (template.get("Parameters") or {}).items()
        if isinstance(spec, dict) and "Default" in spec
    }


def render_policy(
    name: str,
    *,
    parameters: Mapping[str, str] | None = None,
    partition: str = "aws",
    account_id: str = ACCOUNT_VARIABLE,
    region: str | None = None,
    deploy_dir: Path = DEPLOY_DIR,
) -> dict[str, Any]:
    """The named rendering's policy document as plain IAM JSON."""
    if name not in RENDERINGS:
        raise BuildError(f"unknown policy {name!r}; choose from {', '.join(sorted(RENDERINGS))}")
    spec = RENDERINGS[name]
    template = load_template(deploy_dir / spec.template)
    declared = template.get("Parameters") or {}
    unknown = sorted(set(parameters or {}) - set(declared))
    if unknown:
        raise BuildError(f"{spec.template}: no parameter named {', '.join(unknown)}")
    values = {**template_defaults(template), **(parameters or {})}
    pseudo = {"AWS::Partition": partition, "AWS::AccountId": account_id, "AWS::URLSuffix": "amazonaws.com"}
    if region:
        pseudo["AWS::Region"] = region
    ctx = Context(parameters=values, pseudo=pseudo)
    evaluate_conditions(template, ctx)
    resource = template["Resources"].get(spec.resource)
    if resource is None or "PolicyDocument" not in resource.get("Properties", {}):
        raise BuildError(f"{spec.template}: resource {spec.resource} has no PolicyDocument")
    return resolve(resource["Properties"]["PolicyDocument"], ctx)


def dump(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def generated_files(deploy_dir: Path = DEPLOY_DIR) -> dict[Path, str]:
    """Every generated file's path and expected content."""
    out: dict[Path, str] = {}
    for relative, (name, params) in GENERATED.items():
        out[deploy_dir / relative] = dump(render_policy(name, parameters=params, deploy_dir=deploy_dir))
    return out


def stale_files(deploy_dir: Path = DEPLOY_DIR) -> list[Path]:
    """Generated files whose content on disk differs from a fresh rendering."""
    stale = []
    for path, content in generated_files(deploy_dir).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            stale.append(path)
    return stale


def _parse_params(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise BuildError(f"-p expects NAME=VALUE, got {item!r}")
        out[key] = value
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy/build.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is out of date")
    sub = parser.add_subparsers(dest="command")
    render = sub.add_parser("render", help="print one policy document, resolved with your values")
    render.add_argument("policy", choices=sorted(RENDERINGS))
    render.add_argument("--partition", default="aws", help="aws, aws-cn or aws-us-gov (default aws)")
    render.add_argument(
        "--account-id", default=ACCOUNT_VARIABLE, help="default: the ${aws:PrincipalAccount} variable"
    )
    render.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    try:
        if args.command == "render":
            doc = render_policy(
                args.policy,
                parameters=_parse_params(args.parameter),
                partition=args.partition,
                account_id=args.account_id,
            )
            sys.stdout.write(dump(doc))
            return 0
        if args.check:
            stale = stale_files()
            for path in stale:
                print(
                    f"{path.relative_to(DEPLOY_DIR.parent)} is out of date: run python deploy/build.py",
                    file=sys.stderr,
                )
            return 1 if stale else 0
        for path, content in generated_files().items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            print(f"wrote {path.relative_to(DEPLOY_DIR.parent)}")
        return 0
    except BuildError as exc:
        print(f"deploy/build.py: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
