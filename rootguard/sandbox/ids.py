"""Identifiers in AWS's formats, drawn from moto's seeded random source so a seeded scenario repeats."""

from __future__ import annotations

import string

from moto.iam.utils import generate_access_key_id_from_account_id
from moto.moto_api._internal import mock_random

_UPPER_DIGITS = string.ascii_uppercase + string.digits
_LOWER_DIGITS = string.ascii_lowercase + string.digits
_LETTERS_DIGITS = string.ascii_letters + string.digits


def seed(value: int) -> None:
    mock_random.seed(value)


def root_access_key_id(account_id: str) -> str:
    """An AKIA key id that, like AWS's (and moto's), encodes its account."""
    return generate_access_key_id_from_account_id(account_id, prefix="AKIA", total_length=20)


def secret_key() -> str:
    return "".join(mock_random.choice(string.ascii_letters + string.digits + "/+") for _ in range(40))


def session_token() -> str:
    return "FQoGZXIvYXdzE" + "".join(mock_random.choices(_LETTERS_DIGITS, k=120))


def certificate_id() -> str:
    return "".join(mock_random.choice(_UPPER_DIGITS) for _ in range(24))


def lower_id(size: int) -> str:
    return "".join(mock_random.choice(_LOWER_DIGITS) for _ in range(size))


_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_KEY_ACCOUNT_OFFSET = (
    549755813888  # the base32 value "QAAAAAAA": where moto's key ids start counting accounts
)


def account_from_key_id(access_key_id: str) -> str | None:
    """The account an AKIA/ASIA key id of moto's format belongs to (what sts:GetAccessKeyInfo answers)."""
    if len(access_key_id) != 20 or access_key_id[:4] not in ("AKIA", "ASIA"):
        return None
    value = 0
    for ch in access_key_id[4:12]:
        pos = _B32.find(ch)
        if pos < 0:
            return None
        value = value * 32 + pos
    half = value - _KEY_ACCOUNT_OFFSET
    parity = _B32.find(access_key_id[12])
    if half < 0 or parity < 0:
        return None
    account = half * 2 + (1 if parity >= 16 else 0)
    return f"{account:012d}" if account < 10**12 else None
