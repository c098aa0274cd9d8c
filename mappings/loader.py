"""Load and validate the check mappings: ASFF Types and compliance requirements, per check id.

Pure data with its schema: this package imports nothing of rootguard, so a check module and its mapping
entry never depend on each other (tests/mappings checks that every check has an entry and vice versa).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from pydantic import BaseModel, ConfigDict

DEFAULT_FILE = "rootguard.yaml"


class MappingError(ValueError):
    """A mapping file problem, one line naming the file and the JSON path."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Requirement(_Frozen):
    key: str
    id: str  # as written to ASFF Compliance.RelatedRequirements
    title: str
    source: str


class CheckMapping(_Frozen):
    check_id: str
    types: tuple[str, ...]
    requirements: tuple[Requirement, ...]
    associated_standards: tuple[str, ...] = ()

    @property
    def related_requirements(self) -> list[str]:
        return [r.id for r in self.requirements]


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _read(path: Path | None) -> tuple[str, Any]:
    if path is None:
        res = resources.files(__package__).joinpath(DEFAULT_FILE)
        name, text = f"mappings/{DEFAULT_FILE}", res.read_text(encoding="utf-8")
    else:
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise MappingError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        return name, yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}:" if mark else ""
        raise MappingError(f"{name}:{where} not valid YAML") from None


def parse_mappings(data: Any, name: str = "<mappings>") -> dict[str, CheckMapping]:
    """Validate already-parsed mapping data and build the models."""
    error = jsonschema.exceptions.best_match(_validator().iter_errors(data))
    if error is not None:
        raise MappingError(f"{name}: {_json_path(error.absolute_path)}: {error.message}")
    catalogue = {key: Requirement(key=key, **value) for key, value in data["requirements"].items()}
    out: dict[str, CheckMapping] = {}
    for check_id, raw in data["checks"].items():
        reqs = []
        for i, key in enumerate(raw["requirements"]):
            if key not in catalogue:
                raise MappingError(
                    f"{name}: $.checks.{check_id}.requirements[{i}]: unknown requirement {key!r}"
                )
            reqs.append(catalogue[key])
        out[check_id] = CheckMapping(
            check_id=check_id,
            types=tuple(raw["types"]),
            requirements=tuple(reqs),
            associated_standards=tuple(raw.get("associated_standards", ())),
        )
    return out


@cache
def _load(path: Path | None) -> dict[str, CheckMapping]:
    name, data = _read(path)
    return parse_mappings(data, name)


def load_mappings(path: str | Path | None = None) -> dict[str, CheckMapping]:
    """The mappings by check id (the packaged file unless `path` is given); validated once and cached."""
    return dict(_load(Path(path) if path is not None else None))


def mapping_for(check_id: str) -> CheckMapping:
    try:
        return _load(None)[check_id]
    except KeyError:
        raise KeyError(f"no mapping for check id {check_id!r}") from None
