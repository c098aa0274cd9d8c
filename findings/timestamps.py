"""RFC 3339 timestamps as integers, to compare UpdatedAt values exactly (up to nanoseconds)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_STAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$"
)


def timestamp_ns(stamp: str) -> int | None:
    """Nanoseconds since the epoch, or None when `stamp` is not RFC 3339."""
    match = _STAMP.match(stamp or "")
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    offset = "+00:00" if zone in ("Z", "z") else zone
    try:
        moment = datetime.fromisoformat(f"{year}-{month}-{day}T{hour}:{minute}:{second}{offset}")
    except ValueError:
        return None
    whole = int(moment.astimezone(UTC).timestamp())
    return whole * 1_000_000_000 + int((fraction or "0").ljust(9, "0"))
