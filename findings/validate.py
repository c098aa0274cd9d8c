"""The last gate before a finding leaves: the generated ASFF JSON Schema, plus the 240 KB size limit.

`validate_finding` runs a validator compiled once from the schema into plain Python closures (the keyword
subset schema_gen emits), which is several times faster than jsonschema on the hot path. Only when that says
"invalid" does jsonschema run, to name the failing JSON path. Tests check both agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

MAX_FINDING_BYTES = 240 * 1024

Check = Callable[[Any], bool]


class FindingValidationError(ValueError):
    """A finding that Security Hub would reject; one line naming the finding id and the JSON path."""


@cache
def asff_schema() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("schema/asff.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _jsonschema_validator() -> jsonschema.protocols.Validator:
    schema = asff_schema()
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


# ------------------------------------------------------------------------------ compiled validator

_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
}
_SUPPORTED = {
    "$ref", "type", "properties", "additionalProperties", "required", "items", "minItems", "maxItems",
    "propertyNames", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum", "anyOf",
    "maxProperties", "$schema", "$id", "title", "description", "$defs",
}  # fmt: skip


class SchemaCompiler:
    """Compiles a JSON Schema using only the keywords above into a boolean predicate."""

    def __init__(self, root: dict[str, Any]) -> None:
        self._root = root
        self._defs: dict[str, Check] = {}

    def compile(self) -> Check:
        return self._node(self._root)

    def _ref(self, ref: str) -> Check:
        prefix = "#/$defs/"
        if not ref.startswith(prefix):
            raise ValueError(f"unsupported $ref {ref!r}")
        name = ref[len(prefix) :]
        if name not in self._defs:
            cell: list[Check] = []
            self._defs[name] = lambda v: cell[0](v)  # placeholder for recursive shapes
            cell.append(self._node(self._root["$defs"][name]))
            self._defs[name] = cell[0]
        defs = self._defs
        return lambda v: defs[name](v)

    def _node(self, node: dict[str, Any]) -> Check:
        unknown = set(node) - _SUPPORTED
        if unknown:
            raise ValueError(f"unsupported keywords {sorted(unknown)}")
        checks: list[Check] = []
        if "$ref" in node:
            checks.append(self._ref(node["$ref"]))
        if "type" in node:
            checks.append(_TYPES[node["type"]])
        if "enum" in node:
            allowed = frozenset(node["enum"])
            checks.append(lambda v: isinstance(v, str) and v in allowed)
        if "pattern" in node:
            search = re.compile(node["pattern"]).search
            checks.append(lambda v: not isinstance(v, str) or search(v) is not None)
        if "minLength" in node:
            lo = node["minLength"]
            checks.append(lambda v: not isinstance(v, str) or len(v) >= lo)
        if "maxLength" in node:
            hi = node["maxLength"]
            checks.append(lambda v: not isinstance(v, str) or len(v) <= hi)
        if "minimum" in node:
            lo_n = node["minimum"]
            checks.append(lambda v: not _TYPES["number"](v) or v >= lo_n)
        if "maximum" in node:
            hi_n = node["maximum"]
            checks.append(lambda v: not _TYPES["number"](v) or v <= hi_n)
        if "minItems" in node:
            lo_i = node["minItems"]
            checks.append(lambda v: not isinstance(v, list) or len(v) >= lo_i)
        if "maxItems" in node:
            hi_i = node["maxItems"]
            checks.append(lambda v: not isinstance(v, list) or len(v) <= hi_i)
        if "items" in node:
            item = self._node(node["items"])
            checks.append(lambda v: not isinstance(v, list) or all(item(x) for x in v))
        if "required" in node:
            req = tuple(node["required"])
            checks.append(lambda v: not isinstance(v, dict) or all(k in v for k in req))
        if "maxProperties" in node:
            hi_p = node["maxProperties"]
            checks.append(lambda v: not isinstance(v, dict) or len(v) <= hi_p)
        if "propertyNames" in node:
            name_ok = self._node(node["propertyNames"])
            checks.append(lambda v: not isinstance(v, dict) or all(name_ok(k) for k in v))
        if "properties" in node or "additionalProperties" in node:
            checks.append(self._object(node.get("properties", {}), node.get("additionalProperties", True)))
        if "anyOf" in node:
            options = [self._node(n) for n in node["anyOf"]]
            checks.append(lambda v: any(o(v) for o in options))
        if not checks:
            return lambda v: True
        if len(checks) == 1:
            return checks[0]
        frozen = tuple(checks)
        return lambda v: all(c(v) for c in frozen)

    def _object(self, properties: dict[str, Any], additional: Any) -> Check:
        props = {name: self._node(sub) for name, sub in properties.items()}
        if additional is False:
            extra: Check | None = None
            closed = True
        elif additional is True:
            extra, closed = (lambda v: True), False
        else:
            extra, closed = self._node(additional), False

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for key, value in v.items():
                sub = props.get(key)
                if sub is not None:
                    if not sub(value):
                        return False
                elif closed or (extra is not None and not extra(value)):
                    return False
            return True

        return check


@cache
def compiled_validator() -> Check:
    return SchemaCompiler(asff_schema()).compile()


# --------------------------------------------------------------------------------------- public API


def _path(parts: Iterable[Any]) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def schema_errors(finding: Any) -> list[str]:
    """Every schema violation of one finding as `$.path: message` (slow; for reporting)."""
    errors = sorted(
        _jsonschema_validator().iter_errors(finding), key=lambda e: list(map(str, e.absolute_path))
    )
    return [f"{_path(e.absolute_path)}: {e.message}" for e in errors]


def validate_finding(finding: dict[str, Any]) -> None:
    """Raise FindingValidationError unless the finding is valid ASFF within Security Hub's limits."""
    if not compiled_validator()(finding):
        fid = finding.get("Id", "?") if isinstance(finding, dict) else "?"
        error = jsonschema.exceptions.best_match(_jsonschema_validator().iter_errors(finding))
        where = f"{_path(error.absolute_path)}: {error.message}" if error else "rejected by the ASFF schema"
        raise FindingValidationError(f"finding {fid}: {where}")
    size = len(json.dumps(finding, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size > MAX_FINDING_BYTES:
        raise FindingValidationError(
            f"finding {finding.get('Id', '?')}: {size} bytes exceeds the 240 KB limit"
        )


def validate_findings(findings: Iterable[dict[str, Any]]) -> None:
    for finding in findings:
        validate_finding(finding)
