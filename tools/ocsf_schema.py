"""Generate the OCSF Compliance Finding JSON Schema from py-ocsf-models, the OCSF models Prowler uses.

    python tools/ocsf_schema.py            # rewrite rootguard/reports/schema/ocsf-compliance-finding.schema.json
    python tools/ocsf_schema.py --check    # exit 1 if the committed file is stale

(`make regenerate` runs it with every other generator.) A build tool: rootguard.reports writes OCSF as plain
dicts and validates them against the generated file with jsonschema (a core dependency), so the core never
needs py-ocsf-models; it comes with the `prowler` extra, which `make test` installs.

Sources: the class is OCSF 1.5.0's Compliance Finding (class_uid 2003,
https://schema.ocsf.io/1.5.0/classes/compliance_finding) as py-ocsf-models defines it
(https://github.com/prowler-cloud/py-ocsf-models, `py_ocsf_models.events.findings.compliance_finding`), with
the cloud profile applied (https://schema.ocsf.io/1.5.0/profiles/cloud: `cloud` required, `api` optional),
which py-ocsf-models leaves to the caller (Prowler sets `cloud` on its Detection Findings the same way).

The generated schema is stricter than the pydantic models, as OCSF itself is: an optional attribute is
omitted, never null; no attribute outside the class and its profile (source-specific data goes in
`unmapped`, or `resources[].data`); `*_dt` attributes are RFC 3339 date-times; the class, category and type
ids are the Compliance Finding's own (TIGHTEN).
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

SCHEMA_PATH = (
    Path(__file__).resolve().parents[1]
    / "rootguard"
    / "reports"
    / "schema"
    / "ocsf-compliance-finding.schema.json"
)
OCSF_CLASS_URL = "https://schema.ocsf.io/1.5.0/classes/compliance_finding"
MODELS_URL = "https://github.com/prowler-cloud/py-ocsf-models"
# RFC 3339 date-time with Z or an offset.
DATE_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$"
SEMVER = r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$"
_DROP = {"title", "description", "default", "examples"}

# Keywords added on the root object's members: a Compliance Finding, and nothing else, validates.
TIGHTEN: dict[str, dict[str, Any]] = {
    "class_uid": {"enum": [2003]},
    "class_name": {"enum": ["Compliance Finding"]},
    "category_uid": {"enum": [2]},
    "category_name": {"enum": ["Findings"]},
    "time": {"minimum": 0},
}


def _model_schema() -> dict[str, Any]:
    from typing import Optional

    from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
    from py_ocsf_models.objects.api import API
    from py_ocsf_models.objects.cloud import Cloud

    class ComplianceFindingCloud(ComplianceFinding):
        """Compliance Finding with OCSF's cloud profile."""

        cloud: Cloud
        api: Optional[API] = None  # noqa: UP045  (pydantic evaluates it in py-ocsf-models' style)

    return ComplianceFindingCloud.model_json_schema()


def _strip_null(node: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, {type: null}]` -> X: OCSF omits an optional attribute rather than sending null."""
    options = node.get("anyOf")
    if isinstance(options, list):
        kept = [o for o in options if o != {"type": "null"}]
        if len(kept) == 1 and len(kept) < len(options):
            rest = {k: v for k, v in node.items() if k != "anyOf"}
            return {**rest, **kept[0]}
    return node


def _clean(node: Any) -> Any:
    if isinstance(node, list):
        return [_clean(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = _strip_null(node)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP:
            continue  # documentation and defaults (a property *named* title or desc is under "properties")
        if key == "properties":
            out[key] = {name: _clean(sub) for name, sub in value.items()}
        elif key == "format" and value == "date-time":
            out["pattern"] = DATE_TIME
        else:
            out[key] = _clean(value)
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def build_schema() -> dict[str, Any]:
    raw = _model_schema()
    defs = {name: _clean(d) for name, d in raw.pop("$defs").items()}
    root = _clean(raw)
    for member, keywords in TIGHTEN.items():
        root["properties"][member].update(keywords)
    root["properties"]["metadata"] = {"$ref": "#/$defs/Metadata"}
    defs["Metadata"]["properties"]["version"]["pattern"] = SEMVER
    # Only the definitions the class reaches, in a stable order.
    reachable: set[str] = set()
    pending = [root]
    while pending:
        found: set[str] = set()
        _refs(pending.pop(), found)
        for name in sorted(found - reachable):
            reachable.add(name)
            pending.append(defs[name])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": (
            f"Generated by tools/ocsf_schema.py from py-ocsf-models {version('py-ocsf-models')} ({MODELS_URL}): "
            f"OCSF 1.5.0 Compliance Finding, class_uid 2003 ({OCSF_CLASS_URL}), with the cloud profile. "
            "Do not edit; run `make regenerate`."
        ),
        "title": "OCSF Compliance Finding (class 2003) with the cloud profile",
        **{k: v for k, v in root.items() if k not in ("title",)},
        "$defs": {name: defs[name] for name in sorted(reachable)},
    }


def render() -> str:
    return json.dumps(build_schema(), indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed schema is stale")
    args = parser.parse_args(argv)
    try:
        text = render()
    except ImportError:
        print("py-ocsf-models is not installed (pip install -e '.[prowler]')", file=sys.stderr)
        return 1
    current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else None
    if args.check:
        if current != text:
            print(f"{SCHEMA_PATH.name} is stale: run tools/ocsf_schema.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
        SCHEMA_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
