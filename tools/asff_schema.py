"""Generate the ASFF JSON Schema from botocore's Security Hub model, tightened with the documented limits.

    python tools/asff_schema.py            # rewrite findings/schema/asff.schema.json
    python tools/asff_schema.py --check    # exit 1 if the committed file is stale

(`make regenerate` runs it with every other generator.) A build tool, kept out of rootguard.findings, which
stays pure: no botocore, no I/O.

Every shape reachable from `AwsSecurityFinding` becomes one `$defs` entry (documentation dropped). The model
leaves most ASFF limits to prose; TIGHTEN adds the ones Security Hub documents, per (shape, member).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import botocore
from botocore.loaders import Loader

ROOT_SHAPE = "AwsSecurityFinding"
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "findings" / "schema" / "asff.schema.json"

# RFC 3339 date-time with Z or an offset, at most nine fractional digits.
TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"
TYPE_PATH = (
    r"^(Software and Configuration Checks|TTPs|Effects|Unusual Behaviors|Sensitive Data Identifications)"
    r"(/[^/]+){0,2}$"
)
REQUIRED = [
    "SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types",
    "CreatedAt", "UpdatedAt", "Severity", "Title", "Description", "Resources",
]  # fmt: skip
_TS = {"pattern": TIMESTAMP}
_TYPES = {"minItems": 1, "maxItems": 50, "items": {"$ref": "#/$defs/NonEmptyString", "pattern": TYPE_PATH}}

# (shape, member) -> keywords added next to the member's $ref; (shape, None) -> keywords on the shape.
TIGHTEN: dict[tuple[str, str | None], dict[str, Any]] = {
    (ROOT_SHAPE, None): {"required": REQUIRED},
    (ROOT_SHAPE, "SchemaVersion"): {"enum": ["2018-10-08"]},
    (ROOT_SHAPE, "Id"): {"maxLength": 512},
    (ROOT_SHAPE, "GeneratorId"): {"maxLength": 512},
    (ROOT_SHAPE, "ProductArn"): {
        "pattern": r"^arn:aws[a-z-]*:securityhub:[a-z0-9-]+:\d{0,12}:product/[^/]+/[^/]+$"
    },
    (ROOT_SHAPE, "AwsAccountId"): {"pattern": r"^\d{12}$"},
    (ROOT_SHAPE, "Types"): _TYPES,
    (ROOT_SHAPE, "Title"): {"maxLength": 256},
    (ROOT_SHAPE, "Description"): {"maxLength": 1024},
    (ROOT_SHAPE, "Resources"): {"minItems": 1, "maxItems": 32},
    (ROOT_SHAPE, "ProductFields"): {
        "maxProperties": 50,
        "propertyNames": {"maxLength": 128},
        "additionalProperties": {"maxLength": 2048},
    },
    (ROOT_SHAPE, "FirstObservedAt"): _TS,
    (ROOT_SHAPE, "LastObservedAt"): _TS,
    (ROOT_SHAPE, "CreatedAt"): _TS,
    (ROOT_SHAPE, "UpdatedAt"): _TS,
    (ROOT_SHAPE, "ProcessedAt"): _TS,
    (ROOT_SHAPE, "SourceUrl"): {"maxLength": 512},
    ("Severity", None): {"anyOf": [{"required": ["Label"]}, {"required": ["Normalized"]}]},
    ("Resource", "Type"): {"maxLength": 256},
    ("Resource", "Id"): {"maxLength": 512},
    ("Compliance", "RelatedRequirements"): {"maxItems": 32},
    ("Compliance", "AssociatedStandards"): {"maxItems": 20},
    ("Recommendation", "Text"): {"maxLength": 512},
    ("FindingProviderFields", "Types"): _TYPES,
    ("FindingProviderFields", "RelatedFindings"): {"maxItems": 10},
}


def load_model() -> dict[str, Any]:
    return Loader().load_service_model("securityhub", "service-2")


def _reachable(shapes: dict[str, Any], root: str) -> list[str]:
    seen: set[str] = set()
    stack = [root]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = shapes[name]
        for key in ("member", "key", "value"):
            if key in shape:
                stack.append(shape[key]["shape"])
        stack.extend(m["shape"] for m in shape.get("members", {}).values())
    return sorted(seen)


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def _shape_schema(name: str, shape: dict[str, Any]) -> dict[str, Any]:
    kind = shape["type"]
    out: dict[str, Any]
    if kind == "structure":
        props: dict[str, Any] = {}
        for member, spec in shape.get("members", {}).items():
            props[member] = {**_ref(spec["shape"]), **TIGHTEN.get((name, member), {})}
        out = {"type": "object", "properties": props, "additionalProperties": False}
        if shape.get("required"):
            out["required"] = list(shape["required"])
    elif kind == "list":
        out = {"type": "array", "items": _ref(shape["member"]["shape"])}
        if "min" in shape:
            out["minItems"] = shape["min"]
        if "max" in shape:
            out["maxItems"] = shape["max"]
    elif kind == "map":
        out = {
            "type": "object",
            "propertyNames": _ref(shape["key"]["shape"]),
            "additionalProperties": _ref(shape["value"]["shape"]),
        }
    elif kind == "string":
        out = {"type": "string"}
        if "enum" in shape:
            out["enum"] = list(shape["enum"])
        if "pattern" in shape:
            out["pattern"] = shape["pattern"]
        if "min" in shape:
            out["minLength"] = shape["min"]
        if "max" in shape:
            out["maxLength"] = shape["max"]
    elif kind in ("integer", "long"):
        out = {"type": "integer"}
        if "min" in shape:
            out["minimum"] = shape["min"]
        if "max" in shape:
            out["maximum"] = shape["max"]
    elif kind in ("double", "float"):
        out = {"type": "number"}
    elif kind == "boolean":
        out = {"type": "boolean"}
    elif kind == "timestamp":
        out = {"type": "string", "pattern": TIMESTAMP}
    else:  # pragma: no cover - the model has no other types reachable from a finding
        raise ValueError(f"shape {name}: unsupported type {kind!r}")
    out.update(TIGHTEN.get((name, None), {}))
    return out


def generate(model: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ASFF schema (draft 2020-12) as a dict."""
    model = model or load_model()
    shapes = model["shapes"]
    unknown = {shape for shape, _ in TIGHTEN if shape not in shapes}
    if unknown:
        raise ValueError(f"tightening names shapes missing from the model: {sorted(unknown)}")
    names = _reachable(shapes, ROOT_SHAPE)
    for shape, member in TIGHTEN:
        if member is not None and member not in shapes[shape].get("members", {}):
            raise ValueError(f"tightening names a member missing from the model: {shape}.{member}")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://rootguard.dev/schemas/asff.schema.json",
        "title": "AWS Security Finding Format (AwsSecurityFinding)",
        "description": (
            f"Generated by tools/asff_schema.py from botocore {botocore.__version__} "
            f"securityhub {model['metadata']['apiVersion']}; do not edit."
        ),
        "$ref": f"#/$defs/{ROOT_SHAPE}",
        "$defs": {name: _shape_schema(name, shapes[name]) for name in names},
    }


def render(schema: dict[str, Any]) -> str:
    # One $defs entry per line keeps the file diffable and reasonably small.
    lines = ["{"]
    head = {k: v for k, v in schema.items() if k != "$defs"}
    for key, value in head.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value)},")
    lines.append('  "$defs": {')
    defs = list(schema["$defs"].items())
    for i, (name, value) in enumerate(defs):
        sep = "," if i < len(defs) - 1 else ""
        lines.append(f"    {json.dumps(name)}: {json.dumps(value, separators=(',', ':'))}{sep}")
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/asff_schema.py", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed schema is out of date")
    parser.add_argument("--output", type=Path, default=SCHEMA_PATH)
    args = parser.parse_args(argv)
    text = render(generate())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output}: out of date; run make regenerate", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
