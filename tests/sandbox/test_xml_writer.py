"""rootguard.sandbox.xml_writer writes what xmltodict writes, or fails the way it fails."""

from __future__ import annotations

from typing import Any

import pytest
import xmltodict
from hypothesis import given, settings
from hypothesis import strategies as st

from rootguard.sandbox.xml_writer import unparse_fragment

NAMES = st.sampled_from(
    ["a", "Entry", "key", "x:y", "", "b c", "d/e", "?p", "@attr", "@", "#text", "#comment", "é"]
)
TEXT = st.text(alphabet=st.sampled_from(list("ab &<>\"'\n\r\t\x1cé")), max_size=6)
SCALARS = st.one_of(
    st.none(), TEXT, st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=False), st.binary(max_size=3)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(NAMES, inner, max_size=4),
        st.tuples(inner),
    ),
    max_leaves=12,
)


def _reference(body: dict[str, Any]) -> tuple[str, str | None]:
    try:
        return "ok", xmltodict.unparse(body, full_document=False, short_empty_elements=True)
    except Exception as exc:
        return type(exc).__name__, None


def _ours(body: dict[str, Any]) -> tuple[str, str | None]:
    try:
        return "ok", unparse_fragment(body)
    except Exception as exc:
        return type(exc).__name__, None


# What moto's serializer builds: valid names, attributes, text, scalars, lists of elements.
PLAIN_NAMES = st.sampled_from(["a", "Entry", "key", "x:y", "é", "B-1"])
PLAIN_SCALARS = st.one_of(st.none(), TEXT, st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=False))
PLAIN_VALUES = st.recursive(
    PLAIN_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner.filter(lambda v: not isinstance(v, list)), max_size=3),  # moto never nests lists
        st.builds(
            lambda elements, attributes, text: {**attributes, **elements, **text},
            st.dictionaries(PLAIN_NAMES, inner, max_size=3),
            st.dictionaries(PLAIN_NAMES.map(lambda n: "@" + n), PLAIN_SCALARS, max_size=2),
            st.one_of(st.just({}), PLAIN_SCALARS.map(lambda t: {"#text": t})),
        ),
    ),
    max_leaves=12,
)


class _NoFallback:
    @staticmethod
    def unparse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("a plain document must not need xmltodict")


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(PLAIN_NAMES, PLAIN_VALUES, min_size=1, max_size=3))
def test_plain_documents_are_written_without_xmltodict(body: dict[str, Any]) -> None:
    expected = _reference(body)
    import rootguard.sandbox.xml_writer as xml_writer

    real, xml_writer.xmltodict = xml_writer.xmltodict, _NoFallback  # type: ignore[assignment]
    try:
        got = _ours(body)
    finally:
        xml_writer.xmltodict = real
    assert got == expected


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(NAMES, VALUES, min_size=1, max_size=3))
def test_same_text_or_same_error_as_xmltodict(body: dict[str, Any]) -> None:
    assert _ours(body) == _reference(body)


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (
            {
                "R": {
                    "@xmlns": "https://iam",
                    "S": {"entry": [{"key": "K", "value": 1}, {"key": "L", "value": 0}]},
                }
            },
            '<R xmlns="https://iam"><S><entry><key>K</key><value>1</value></entry>'
            "<entry><key>L</key><value>0</value></entry></S></R>",
        ),
        (
            {"E": {"M": "a<b & 'c'", "Empty": "", "None": None, "Skip": [], "T": True}},
            "<E><M>a&lt;b &amp; 'c'</M><Empty/><None/><T>true</T></E>",
        ),
        ({"A": {"@q": 'say "hi" it\'s\n', "#text": "t"}}, '<A q="say &quot;hi&quot; it\'s&#10;">t</A>'),
    ],
)
def test_known_documents(body: dict[str, Any], text: str) -> None:
    assert unparse_fragment(body) == text
    assert xmltodict.unparse(body, full_document=False, short_empty_elements=True) == text


@pytest.mark.parametrize(
    "body", [{"a": {"#comment": 5, "b": 1}}, {"a": {"#comment": "note", "b": "x"}}, {"a": {"b c": 1}}]
)
def test_constructs_left_to_xmltodict(body: dict[str, Any]) -> None:
    assert _ours(body) == _reference(body)
