"""Cheaper equivalents of moto's per-request work, with the same results.

- `BaseResponse.call_action` asks `action in method_names_from_class(cls)`, which lists every member of the
  response class (inspect.getmembers: a getattr per attribute, a few hundred per request). The replacement
  answers the same membership question for one name: the name is an attribute of the class (found along its
  MRO, as `dir()` lists it) whose value is a plain function.
- Query-protocol bodies (IAM, STS, ...) are written by `rootguard.sandbox.xml_writer` instead of xmltodict's
  SAX writer: the same text, several times faster. Pretty-printed output (moto's PRETTIFY_RESPONSES) is left
  to moto.
- Every response's `x-amzn-requestid` is 52 random letters and digits drawn one `random.choice` at a time;
  the replacement draws them with one `choices(k=52)` call from the same seeded generator and alphabet.
- Every lookup of an account's backend (`iam_backends[account]`, several per request) asks whether the account
  exists with `account_id not in list(self.keys())`: a copy and a linear scan of every account's id, the
  largest single cost of a served call with 10,000 accounts (a scan's first call for each account creates
  its backend, so it is paid on every account). The replacement does what moto does with one dict lookup and
  an identity scan of the few registered services.

Applied and undone with the sandbox's other patches (rootguard.sandbox.moto_patches).
"""

from __future__ import annotations

import inspect
import string
from collections.abc import Iterator
from typing import Any

import moto.core.responses as _responses
from moto.core.base_backend import AccountSpecificBackend, BackendDict, backend_lock
from moto.core.serialize import BaseXMLSerializer

from rootguard.sandbox.patching import Patch
from rootguard.sandbox.xml_writer import unparse_fragment

# moto's own functions, captured before the sandbox patches them (the patches come from this module).
_moto_method_names = _responses.method_names_from_class
_moto_xml_body = BaseXMLSerializer._serialize_body
_REQUEST_ID_ALPHABET = string.ascii_letters + string.digits
_REQUEST_ID_LENGTH = 52


class FunctionNames:
    """The names of a class's plain-function attributes, answering `in` for one name at a time."""

    __slots__ = ("_cls",)

    def __init__(self, cls: type) -> None:
        self._cls = cls

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or not any(name in vars(klass) for klass in self._cls.__mro__):
            return False
        try:
            value = getattr(self._cls, name)
        except AttributeError:
            return False
        return inspect.isfunction(value)

    def __iter__(self) -> Iterator[str]:
        return iter(_moto_method_names(self._cls))


def function_names(cls: Any) -> FunctionNames:
    return FunctionNames(cls)


def _xml_body(self: BaseXMLSerializer, body: Any) -> str:
    if self.pretty_print:
        return _moto_xml_body(self, body)
    return unparse_fragment(body)


def request_id(headerdict: dict[str, Any] | None = None) -> str:
    """moto's gen_amzn_requestid_long: a 52-character id, also set as `x-amzn-requestid` in `headerdict`."""
    from moto.moto_api._internal import mock_random

    req_id = "".join(mock_random.choices(_REQUEST_ID_ALPHABET, k=_REQUEST_ID_LENGTH))
    if isinstance(headerdict, dict):
        headerdict["x-amzn-requestid"] = req_id
    return req_id


def account_backend(self: BackendDict, account_id: str) -> None:
    """moto's BackendDict._create_account_specific_backend, O(1) in the number of accounts: the account's
    backend is created when missing (under moto's lock, as moto does), and the BackendDict is registered for
    reset when it is not (moto registers it again on every lookup: a reset can re-create an account's
    backend after clearing the list, as Security Hub's does for Organizations)."""
    if dict.__contains__(self, account_id) and _registered(self):
        return
    with backend_lock:
        if not dict.__contains__(self, account_id):
            self[account_id] = AccountSpecificBackend(
                service_name=self.service_name,
                account_id=account_id,
                backend=self.backend,
                use_boto3_regions=self._use_boto3_regions,
                additional_regions=self._additional_regions,
            )
        if not _registered(self):
            BackendDict._instances.append(self)


def _registered(backends: BackendDict) -> bool:
    # a few services, compared by identity (BackendDict's __eq__ is a Python-level call per entry)
    return any(registered is backends for registered in BackendDict._instances)


def patches() -> list[Patch]:
    """The equivalents, in place of moto's functions."""
    return [
        Patch(BackendDict, "_create_account_specific_backend", account_backend),
        Patch(_responses, "gen_amzn_requestid_long", request_id),
        Patch(_responses, "method_names_from_class", function_names),
        Patch(BaseXMLSerializer, "_serialize_body", _xml_body),
    ]
