"""A fast XML fragment writer, byte-identical to moto's query-protocol body writer.

moto writes every query-protocol response body (IAM, STS, ...) with
`xmltodict.unparse(body, full_document=False, short_empty_elements=True)`: a SAX handler call per element and
a name check per element, the largest cost of a GetAccountSummary. `unparse_fragment` writes the same text for
the dictionaries moto's serializer builds (elements, lists, `@attribute`s, `#text`, str, int, float, bool,
None) straight into a list of strings. Anything else (bytes, comments, namespace maps, nested or non-list
iterables, other value types, names xmltodict rejects) is handed to xmltodict itself, so the result, or the
error, is always xmltodict's. tests/sandbox/test_xml_writer.py checks the equivalence on generated documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import xmltodict

_TEXT = "#text"
_COMMENT = "#comment"
_ATTR = "@"
_BAD_NAME_CHARS = frozenset("<>/\"'=")
_NAME_CACHE_LIMIT = 4096
_good_names: set[str] = set()


class _Unsupported(Exception):
    """A construct this writer leaves to xmltodict."""


def unparse_fragment(body: Mapping[str, Any]) -> str:
    """`xmltodict.unparse(body, full_document=False, short_empty_elements=True)`, faster."""
    out: list[str] = []
    try:
        for key, value in body.items():
            _element(key, value, out)
    except _Unsupported:
        return xmltodict.unparse(body, full_document=False, short_empty_elements=True)
    return "".join(out)


def _check_name(name: Any) -> str:
    if name in _good_names:
        return name
    if (
        not isinstance(name, str)
        or name.startswith(("?", "!"))
        or any(ch in _BAD_NAME_CHARS or ch.isspace() for ch in name)
    ):
        raise _Unsupported  # xmltodict raises its ValueError
    if len(_good_names) < _NAME_CACHE_LIMIT:
        _good_names.add(name)
    return name


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if type(value) in (int, float):
        return str(value)
    raise _Unsupported


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    return text


def _quote_attr(text: str) -> str:
    text = _escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', "&quot;") + '"'


def _element(key: Any, value: Any, out: list[str]) -> None:
    if key == _COMMENT:
        raise _Unsupported
    name = _check_name(key)
    if isinstance(value, list):
        items: list[Any] | tuple[Any] = value
    elif value is None or isinstance(value, str | dict | bool | int | float):
        items = (value,)
    else:
        raise _Unsupported
    append = out.append
    for item in items:
        if type(item) is str:  # the common leaf: <name>text</name>
            append(f"<{name}>{_escape(item)}</{name}>" if item else f"<{name}/>")
            continue
        cdata: str | None = None
        children: list[tuple[Any, Any]] = []
        start = "<" + name
        if isinstance(item, dict):
            for child_key, child_value in item.items():
                if child_key == _TEXT:
                    cdata = None if child_value is None else _text(child_value)
                elif isinstance(child_key, str) and child_key.startswith(_ATTR):
                    if child_key == "@xmlns" and isinstance(child_value, dict):
                        raise _Unsupported
                    attr_value = "" if child_value is None else _text(child_value)
                    start += f" {_check_name(child_key[1:])}={_quote_attr(attr_value)}"
                elif not (isinstance(child_value, list) and not child_value):
                    children.append((child_key, child_value))
        elif item is not None:
            if isinstance(item, list):
                raise _Unsupported
            cdata = _text(item)
        if not children and not cdata:
            append(start + "/>")
            continue
        append(start + ">")
        for child_key, child_value in children:
            kind = type(child_value)
            if (kind is int or (kind is str and child_value)) and child_key != _COMMENT:
                child = _check_name(child_key)
                append(f"<{child}>{_escape(str(child_value))}</{child}>")
            else:
                _element(child_key, child_value, out)
        if cdata:
            append(_escape(cdata))
        append(f"</{name}>")
