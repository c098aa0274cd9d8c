"""What a scan leaves behind: results.json and the ASFF file, as data and as files (written atomically).

Both files are written as they are serialized, one element at a time (:class:`JsonArrayWriter`): a scan's
memory holds its results and findings, never a second copy of them as text. Each element is one line of
compact JSON inside an indented document; the parsed content is what `json.dumps(document, indent=2)` wrote
before.

    with open_atomic(path) as handle, JsonArrayWriter(handle) as array:
        for item in items:
            array.write(item)            # any JSON-able value
        array.write_json('{"a": 1}')     # or text that is already one JSON value

`write_json_array(path, items)` does that for a whole file; `write_results` and `write_findings` are the
scan's two files.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from rootguard.files import open_atomic
from rootguard.models import Result, Status

RESULTS_FILE = "results.json"
ASFF_FILE = "findings.asff.json"

# One element as compact JSON: the C encoder (an indented dump runs the pure-Python one and holds every piece).
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str).encode
# The same, escaping every non-ASCII character: for a terminal or pipe whose encoding may not be UTF-8.
_compact_ascii = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, default=str).encode


class JsonArrayWriter:
    """One JSON array written to a text handle element by element; only the element being written is held.

    `level` is the array's indentation depth inside an enclosing indented document (0 at the top); each
    element goes on its own line, `indent` spaces deeper. `encode` turns an element into JSON text (compact by
    default; objects it cannot encode become their str(), as `json.dumps(default=str)` does). The array is
    closed by :meth:`close` or by leaving a `with` block; an empty array is written `[]`.
    """

    def __init__(
        self,
        handle: TextIO,
        *,
        level: int = 0,
        indent: int = 2,
        encode: Callable[[Any], str] = _compact,
    ) -> None:
        self._handle = handle
        self._encode = encode
        self._element_prefix = ",\n" + " " * (indent * (level + 1))
        self._closing = "\n" + " " * (indent * level) + "]"
        self.count = 0
        self._closed = False
        handle.write("[")

    def write(self, item: Any) -> None:
        """Append one element, serialized with `encode`."""
        self.write_json(self._encode(item))

    def write_json(self, text: str) -> None:
        """Append one element given as JSON text (for example a pydantic model's model_dump_json())."""
        if self._closed:
            raise ValueError("the array is closed")
        self._handle.write(self._element_prefix[1:] if self.count == 0 else self._element_prefix)
        self._handle.write(text)
        self.count += 1

    def extend(self, items: Iterable[Any]) -> int:
        """Append every item; returns how many."""
        before = self.count
        for item in items:
            self.write(item)
        return self.count - before

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._handle.write(self._closing if self.count else "]")

    def __enter__(self) -> JsonArrayWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()


def write_json_array(path: Path, items: Iterable[Any], *, encode: Callable[[Any], str] = _compact) -> Path:
    """`items` as one JSON array file, written as they come and replacing `path` only once complete."""
    with open_atomic(path) as handle:
        with JsonArrayWriter(handle, encode=encode) as array:
            array.extend(items)
        handle.write("\n")
    return path


def summarize(results: Iterable[Result]) -> dict[str, Any]:
    by_check: dict[str, Counter[str]] = {}
    for r in results:
        by_check.setdefault(r.check_id, Counter())[r.status.value] += 1
    total: Counter[str] = Counter()
    for counts in by_check.values():
        total.update(counts)
    return {
        "total": {s.value: total.get(s.value, 0) for s in Status},
        "by_check": {cid: {s.value: c.get(s.value, 0) for s in Status} for cid, c in by_check.items()},
    }


def results_document(results: Sequence[Result], meta: dict[str, Any]) -> dict[str, Any]:
    """results.json as one object (what :func:`stream_results` writes, for callers that want the data)."""
    return {
        "rootguard": meta,
        "summary": summarize(results),
        "results": [r.model_dump(mode="json") for r in results],
    }


def dump_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n"


def _indented(obj: Any, level: int) -> str:
    """`obj` as indented JSON whose lines after the first sit `level` levels deep."""
    return json.dumps(obj, indent=2, sort_keys=False, default=str).replace("\n", "\n" + "  " * level)


def stream_results(
    handle: TextIO, results: Sequence[Result], meta: dict[str, Any], *, ascii_only: bool = False
) -> None:
    """results.json into `handle`: the run and the summary indented, then one result per line. `ascii_only`
    escapes every non-ASCII character (standard output, whatever its encoding)."""
    handle.write('{\n  "rootguard": ')
    handle.write(_indented(meta, 1))
    handle.write(',\n  "summary": ')
    handle.write(_indented(summarize(results), 1))
    handle.write(',\n  "results": ')
    with JsonArrayWriter(handle, level=1) as array:
        for result in results:
            if ascii_only:
                array.write_json(_compact_ascii(result.model_dump(mode="json")))
            else:
                array.write_json(result.model_dump_json())
    handle.write("\n}\n")


def stream_findings(handle: TextIO, findings: Iterable[dict[str, Any]], *, ascii_only: bool = False) -> int:
    """The ASFF array into `handle`, one finding per line; returns how many (`ascii_only`: as stream_results)."""
    with JsonArrayWriter(handle, encode=_compact_ascii if ascii_only else _compact) as array:
        array.extend(findings)
    handle.write("\n")
    return array.count


def write_results(path: Path, results: Sequence[Result], meta: dict[str, Any]) -> Path:
    with open_atomic(path) as handle:
        stream_results(handle, results, meta)
    return path


def write_findings(path: Path, findings: Iterable[dict[str, Any]]) -> Path:
    with open_atomic(path) as handle:
        stream_findings(handle, findings)
    return path
