"""The last gate before a finding leaves: the generated ASFF JSON Schema, plus the 240 KB size limit.

`validate_finding` runs a validator compiled once from the schema into plain Python closures (the keyword
subset tools/asff_schema.py emits), which is several times faster than jsonschema on the hot path. Only when that says
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


def serialized_size(finding: dict[str, Any]) -> int:
    """Bytes the finding takes in a request body (compact JSON, UTF-8, as botocore sends it). A
    :class:`SizedFinding` answers from the size its builder computed; any other dict is serialized."""
    if isinstance(finding, SizedFinding):
        return finding.size
    return json_size(finding)


def with_fields(finding: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of `finding` with its top-level `changes` (new keys go last). A SizedFinding's copy keeps its
    size, corrected by the bytes of each changed value, so changing a timestamp costs no serialization."""
    size = finding._size if isinstance(finding, SizedFinding) else None
    if size is not None:
        for key, value in changes.items():
            if key not in finding:
                size = None  # a new entry: measured when asked
                break
            size += json_size(value) - json_size(finding[key])
    out = SizedFinding(finding, size=size)
    dict.update(out, changes)
    return out


def json_size(value: Any) -> int:
    """Bytes of `value` as compact UTF-8 JSON, measured by serializing it."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(text) if text.isascii() else len(text.encode("utf-8"))


class SizedFinding(dict[str, Any]):
    """A finding (a plain dict to every reader: json, botocore, equality) that carries its serialized size,
    computed once by the builder and reused by the size check and the publisher's batching.

    Changing its top-level keys forgets the size (it is measured again when asked); its nested values are
    shared between findings of the same check and must never be changed in place.
    """

    __slots__ = ("_size",)

    def __init__(self, *args: Any, size: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._size = size

    @property
    def size(self) -> int:
        if self._size is None:
            self._size = json_size(self)
        return self._size

    def __reduce__(self) -> Any:  # copy and pickle as a SizedFinding with the same size
        return (SizedFinding, (dict(self),), {"_size": self._size})

    def __setstate__(self, state: Any) -> None:
        self._size = state.get("_size") if isinstance(state, dict) else None

    def __setitem__(self, key: str, value: Any) -> None:
        self._size = None
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self._size = None
        super().__delitem__(key)

    def __ior__(self, other: Any) -> SizedFinding:  # type: ignore[override,misc]
        self._size = None
        return super().__ior__(other)  # type: ignore[no-any-return]

    def clear(self) -> None:
        self._size = None
        super().clear()

    def pop(self, *args: Any) -> Any:
        self._size = None
        return super().pop(*args)

    def popitem(self) -> tuple[str, Any]:
        self._size = None
        return super().popitem()

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._size = None
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._size = None
        super().update(*args, **kwargs)


Check = Callable[[Any], bool]
Trusted = frozenset[tuple[str, ...]]


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


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    ),
    "number": _is_number,
}
_SUPPORTED = {
    "$ref", "type", "properties", "additionalProperties", "required", "items", "minItems", "maxItems",
    "propertyNames", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum", "anyOf",
    "maxProperties", "$schema", "$id", "title", "description", "$defs",
}  # fmt: skip
_STRING_KEYWORDS = ("enum", "pattern", "minLength", "maxLength")
_ARRAY_KEYWORDS = ("minItems", "maxItems", "items")
_OBJECT_KEYWORDS = ("required", "maxProperties", "propertyNames", "properties", "additionalProperties")
# Patterns with a cheaper equivalent: `.*\S.*` finds a match exactly when some character is not whitespace,
# which `\S` finds at its first such character (and without `.*`'s quadratic backtracking on long blanks).
_EQUIVALENT_PATTERNS = {r".*\S.*": r"\S"}


def _always(v: Any) -> bool:
    return True


_REMEMBERED = 4096  # valid strings remembered per schema node
_REMEMBERED_LENGTH = 256  # longer ones are checked each time


def _remembering(check: Check) -> Check:
    """`check`, answering a string it already accepted from a set. A string's verdict depends on the string
    alone, and the same field names and values (statuses, kinds, flags, paths) come back on every finding."""
    valid: set[str] = set()

    def remembered(v: Any) -> bool:
        if type(v) is not str:
            return check(v)
        if v in valid:
            return True
        if not check(v):
            return False
        if len(v) <= _REMEMBERED_LENGTH:
            if len(valid) >= _REMEMBERED:
                valid.clear()
            valid.add(v)
        return True

    return remembered


def _all_of(checks: list[Check]) -> Check:
    """The conjunction of `checks`, without a generator per call."""
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    frozen = tuple(checks)

    def check(v: Any) -> bool:
        for c in frozen:  # noqa: SIM110  (all() with a generator costs a frame per call on the hot path)
            if not c(v):
                return False
        return True

    return check


class SchemaCompiler:
    """Compiles a JSON Schema using only the keywords above into a boolean predicate.

    Each schema node becomes one closure per instance type it constrains (string, array, object, number),
    so a value is type-tested once per node; `$ref`s resolve to the compiled definition itself (an
    indirection remains only for recursive definitions). Every predicate returns a bool and never raises.
    """

    def __init__(self, root: dict[str, Any]) -> None:
        self._root = root
        self._defs: dict[str, Check] = {}
        self._compiling: set[str] = set()

    def compile(self, trusted: Iterable[tuple[str, ...]] = ()) -> Check:
        """The predicate of the whole schema; values at the `trusted` paths (property names from the root)
        are accepted without a look: the caller has validated them already."""
        return self._node(self._root, frozenset(trusted))

    def _ref(self, ref: str, trusted: Trusted = frozenset()) -> Check:
        name, definition = self._definition(ref)
        if trusted:  # a copy of the definition that skips the trusted paths: never shared
            return self._node(definition, trusted)
        compiled = self._defs.get(name)
        if compiled is not None:
            return compiled
        if name in self._compiling:  # a recursive shape: look the definition up when called
            defs = self._defs
            return lambda v: defs[name](v)
        self._compiling.add(name)
        try:
            compiled = self._node(definition)
        finally:
            self._compiling.discard(name)
        self._defs[name] = compiled
        return compiled

    def _definition(self, ref: str) -> tuple[str, dict[str, Any]]:
        prefix = "#/$defs/"
        if not ref.startswith(prefix):
            raise ValueError(f"unsupported $ref {ref!r}")
        name = ref[len(prefix) :]
        return name, self._root["$defs"][name]

    def _node(self, node: dict[str, Any], trusted: Trusted = frozenset()) -> Check:
        unknown = set(node) - _SUPPORTED
        if unknown:
            raise ValueError(f"unsupported keywords {sorted(unknown)}")
        if () in trusted:
            return _always
        # Trust passes down through properties and $refs only; elsewhere (anyOf, items) it is not applied,
        # which can only make the check stricter.
        kind = node.get("type")
        checks: list[Check] = []
        if kind is not None and kind not in ("string", "array", "object"):
            checks.append(_TYPES[kind])
        if kind == "string" or any(k in node for k in _STRING_KEYWORDS):
            checks.append(self._string(node, typed=kind == "string"))
        if kind == "array" or any(k in node for k in _ARRAY_KEYWORDS):
            checks.append(self._array(node, typed=kind == "array"))
        if kind == "object" or any(k in node for k in _OBJECT_KEYWORDS):
            checks.append(self._object(node, typed=kind == "object", trusted=trusted))
        if "minimum" in node or "maximum" in node:
            checks.append(self._number(node.get("minimum"), node.get("maximum")))
        if "anyOf" in node:
            options = tuple(self._node(n) for n in node["anyOf"])
            checks.append(lambda v: any(o(v) for o in options))
        if "$ref" in node:  # last: the referenced shape is usually the more expensive test
            checks.append(self._ref(node["$ref"], trusted))
        check = _all_of(checks)
        return _remembering(check) if self._about_strings(node) else check

    def _about_strings(self, node: dict[str, Any]) -> bool:
        """Is this node a string's schema (its own keywords, or the definition it refers to)?"""
        if any(k in node for k in ("anyOf", *_ARRAY_KEYWORDS, *_OBJECT_KEYWORDS)):
            return False
        if node.get("type") == "string":
            return True
        ref = node.get("$ref")
        if ref is not None:
            return self._definition(ref)[1].get("type") == "string" and node.get("type") in (None, "string")
        return False

    @staticmethod
    def _string(node: dict[str, Any], typed: bool) -> Check:
        enum = node.get("enum")
        allowed = frozenset(enum) if enum is not None else None
        lo: int | None = node.get("minLength")
        hi: int | None = node.get("maxLength")
        pattern = node.get("pattern")
        search = (
            re.compile(_EQUIVALENT_PATTERNS.get(pattern, pattern)).search if pattern is not None else None
        )
        # `enum` fails anything that is not one of its strings; the other keywords ignore non-strings.
        other = not typed and allowed is None
        if allowed is None and lo is None and hi is None and search is not None:
            if typed:
                return lambda v: isinstance(v, str) and search(v) is not None
            return lambda v: not isinstance(v, str) or search(v) is not None

        def check(v: Any) -> bool:
            if not isinstance(v, str):
                return other
            if allowed is not None and v not in allowed:
                return False
            if lo is not None and len(v) < lo:
                return False
            if hi is not None and len(v) > hi:
                return False
            return search is None or search(v) is not None

        return check

    def _array(self, node: dict[str, Any], typed: bool) -> Check:
        lo: int | None = node.get("minItems")
        hi: int | None = node.get("maxItems")
        item = self._node(node["items"]) if "items" in node else None
        other = not typed

        def check(v: Any) -> bool:
            if not isinstance(v, list):
                return other
            if lo is not None and len(v) < lo:
                return False
            if hi is not None and len(v) > hi:
                return False
            if item is not None:
                for x in v:
                    if not item(x):
                        return False
            return True

        return check

    def _object(self, node: dict[str, Any], typed: bool, trusted: Trusted = frozenset()) -> Check:
        required = tuple(node.get("required", ()))
        hi: int | None = node.get("maxProperties")
        name_ok = self._node(node["propertyNames"]) if "propertyNames" in node else None
        walk = "properties" in node or "additionalProperties" in node
        props = {
            name: self._node(sub, frozenset(p[1:] for p in trusted if p[0] == name))
            for name, sub in node.get("properties", {}).items()
        }
        get = props.get
        additional = node.get("additionalProperties", True)
        closed = additional is False
        extra = None if additional is True or additional is False else self._node(additional)
        other = not typed
        if not props and not closed and (name_ok is not None or extra is not None):
            return self._map(required, hi, name_ok, extra, other)

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return other
            for key in required:
                if key not in v:
                    return False
            if hi is not None and len(v) > hi:
                return False
            if name_ok is not None:
                for key in v:
                    if not name_ok(key):
                        return False
            if walk:
                for key, value in v.items():
                    sub = get(key)
                    if sub is not None:
                        if not sub(value):
                            return False
                    elif closed or (extra is not None and not extra(value)):
                        return False
            return True

        return check

    @staticmethod
    def _map(
        required: tuple[str, ...], hi: int | None, name_ok: Check | None, extra: Check | None, other: bool
    ) -> Check:
        """An object checked entry by entry (a map: field names and values, as Details.Other and
        ProductFields are): an entry's verdict depends on the entry alone, so string entries it accepted are
        remembered as pairs."""
        valid: set[tuple[str, str]] = set()

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return other
            for key in required:
                if key not in v:
                    return False
            if hi is not None and len(v) > hi:
                return False
            for item in v.items():
                key, value = item
                if type(value) is str and type(key) is str and item in valid:
                    continue
                if name_ok is not None and not name_ok(key):
                    return False
                if extra is not None and not extra(value):
                    return False
                if type(value) is str and type(key) is str and len(key) + len(value) <= _REMEMBERED_LENGTH:
                    if len(valid) >= _REMEMBERED:
                        valid.clear()
                    valid.add(item)
            return True

        return check

    @staticmethod
    def _number(lo: float | None, hi: float | None) -> Check:
        def check(v: Any) -> bool:
            if not _is_number(v):
                return True
            return (lo is None or v >= lo) and (hi is None or v <= hi)

        return check


@cache
def compiled_validator() -> Check:
    return SchemaCompiler(asff_schema()).compile()


@cache
def partial_validator(trusted: frozenset[tuple[str, ...]]) -> Check:
    """The compiled validator, minus the values at the `trusted` paths (checked once elsewhere)."""
    return SchemaCompiler(asff_schema()).compile(trusted)


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


def schema_rejection(finding: Any) -> FindingValidationError:
    """The one-line error for a finding the schema rejects, naming its id and the failing JSON path."""
    fid = finding.get("Id", "?") if isinstance(finding, dict) else "?"
    error = jsonschema.exceptions.best_match(_jsonschema_validator().iter_errors(finding))
    where = f"{_path(error.absolute_path)}: {error.message}" if error else "rejected by the ASFF schema"
    return FindingValidationError(f"finding {fid}: {where}")


def check_size(finding: dict[str, Any], size: int) -> None:
    """Raise FindingValidationError when `size` bytes exceed Security Hub's 240 KB per finding."""
    if size > MAX_FINDING_BYTES:
        raise FindingValidationError(
            f"finding {finding.get('Id', '?')}: {size} bytes exceeds the 240 KB limit"
        )


def validate_finding(finding: dict[str, Any]) -> None:
    """Raise FindingValidationError unless the finding is valid ASFF within Security Hub's limits: the whole
    schema, every field, and the size."""
    if not compiled_validator()(finding):
        raise schema_rejection(finding)
    check_size(finding, serialized_size(finding))


def validate_findings(findings: Iterable[dict[str, Any]]) -> None:
    for finding in findings:
        validate_finding(finding)
