"""Scenarios from a file, a dict or a generator spec: validated, checked and expanded before anything starts.

:func:`load_scenario` accepts a path to YAML, a parsed dict or a :class:`Scenario` and expands its `generate`
line; :func:`generate_scenario` adds generated accounts to a base scenario. Both raise
:class:`ScenarioError`, one line naming the file or the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rootguard.files import read_yaml, validation_message
from rootguard.sandbox.scenarios.generator import default_base, expand, parse_spec
from rootguard.sandbox.scenarios.model import Scenario, ScenarioError, check_references


def _read(source: str | Path) -> dict[str, Any]:
    p = Path(source)
    raw = read_yaml(p, ScenarioError)
    if not isinstance(raw, dict):
        raise ScenarioError(f"{p}: the top level must be a mapping")
    return raw


def load_scenario(source: Scenario | dict[str, Any] | str | Path) -> Scenario:
    """Validate a scenario (a path to YAML, a dict or a Scenario) and expand its `generate` line."""
    if isinstance(source, Scenario):
        scenario = source
    else:
        raw = source if isinstance(source, dict) else _read(source)
        try:
            scenario = Scenario.model_validate(raw)
        except ValidationError as exc:
            raise ScenarioError(validation_message(exc)) from None
    check_references(scenario)
    return expand(scenario)


def generate_scenario(spec: str, base: Scenario | dict[str, Any] | str | Path | None = None) -> Scenario:
    """A scenario with the accounts of `spec` added to `base` (default: a minimal organization, see
    rootguard.sandbox.scenarios.generator.default_base)."""
    parsed = parse_spec(spec)
    if base is None:
        base = default_base(parsed.seed or 0)
    scenario = load_scenario(base)
    if scenario.generate:
        raise ScenarioError("generate: the base scenario already has a generate line")
    return load_scenario(scenario.model_copy(update={"generate": spec}))
