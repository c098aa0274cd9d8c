"""Files rootguard reads and writes, with one-line errors and nothing ever left half written.

Every reader names the file and the problem in one line (cannot read, not UTF-8, not JSON or YAML, nested too
deeply, a validation error with its field path) and raises the caller's own error class, so each command maps
it to its exit status. Every writer goes through a temporary file in the target folder that is renamed over
the target only once complete (and flushed to disk), so a crash or a kill leaves the old file or the new one,
never a torn one.

This module imports nothing else of rootguard: the sandbox uses it too.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import yaml
from pydantic import ValidationError

# ------------------------------------------------------------------------------------------------ reading


def read_text(path: str | Path, error: type[Exception]) -> str:
    """The UTF-8 text of `path`; `error` (one line) when it cannot be read or is not UTF-8."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except IsADirectoryError:
        raise error(f"{p}: is a directory, not a file") from None
    except FileNotFoundError:
        raise error(f"{p}: no such file") from None
    except OSError as exc:
        raise error(f"{p}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{p}: not UTF-8 text (byte {exc.start})") from None


def parse_json(text: str, name: str, error: type[Exception]) -> Any:
    """JSON `text` of the file `name`; `error` (one line) when it is not JSON or nested too deeply for the
    parser (hostile input ends in a RecursionError there, which becomes the one-line error)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{name}: not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise error(f"{name}: nested too deeply to be a document rootguard reads") from None


def read_json(path: str | Path, error: type[Exception]) -> Any:
    """The parsed JSON document of `path`, with one-line errors."""
    return parse_json(read_text(path, error), str(path), error)


def read_yaml(path: str | Path, error: type[Exception]) -> Any:
    """The parsed YAML document of `path`; `error` (one line) when it cannot be read or is not YAML."""
    p = Path(path)
    text = read_text(p, error)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise error(f"{p}:{where} is not valid YAML") from None
    except RecursionError:
        raise error(f"{p}: nested too deeply to be a document rootguard reads") from None


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


# ------------------------------------------------------------------------------------------------ writing


def writable_dir_problem(path: str | Path) -> str | None:
    """Why files cannot be written into the folder `path` (created if missing), or None when they can.

    Checked before a run starts, so a bad --output-dir costs nothing already collected."""
    p = Path(path)
    for parent in (p, *p.parents):
        if parent.exists():
            if not parent.is_dir():
                return f"{p}: {parent} is a file, not a folder"
            break
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"{p}: cannot create the folder: {exc.strerror or exc}"
    if not os.access(p, os.W_OK | os.X_OK):
        return f"{p}: the folder is not writable"
    return None


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # make a rename durable where the platform allows it
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def open_atomic(path: str | Path, *, mode: int | None = None, durable: bool = False) -> Iterator[IO[str]]:
    """A text handle whose content replaces `path` when the block ends without an exception.

    The data goes to a temporary file beside `path` (so the rename is atomic); on any exception the temporary
    file is removed and `path` is left as it was. `mode` sets the file's permissions (e.g. 0o600);
    `durable` flushes the file and the rename to disk before returning."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        _fsync_dir(p.parent)


def write_atomic(path: str | Path, text: str, *, mode: int | None = None, durable: bool = False) -> Path:
    """Write `text` to `path` through :func:`open_atomic`; returns the path."""
    with open_atomic(path, mode=mode, durable=durable) as handle:
        handle.write(text)
    return Path(path)
