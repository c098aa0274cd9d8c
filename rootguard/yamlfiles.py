"""Reading the YAML files a person writes (the config file, sandbox scenarios) with one-line errors.

Every error names the file and, for a validation error, the field (``accounts[3].root.password: ...``), so the
person can fix it without a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


def read_yaml(path: str | Path, error: type[Exception]) -> Any:
    """The parsed document of `path`; `error` (one line) when it cannot be read or is not YAML."""
    p = Path(path)
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{p}: cannot read: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise error(f"{p}:{where} is not valid YAML") from None


def field_path(loc: tuple[int | str, ...]) -> str:
    """pydantic's error location as a person writes it: ``accounts[3].root``; the top level when empty."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def validation_message(exc: ValidationError) -> str:
    """The first validation error on one line: ``<field path>: <message>``."""
    err = exc.errors()[0]
    message = str(err["msg"]).removeprefix("Value error, ")
    return " ".join(f"{field_path(tuple(err['loc']))}: {message}".split())
