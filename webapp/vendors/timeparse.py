"""Parse the timestamp shapes found in vendor events into epoch milliseconds.

Every function floors sub-millisecond digits and returns ``None`` for an empty
value; an unparseable value raises :class:`ValueError` naming the value.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s*"
    r"(Z|z|[+-]\d{2}:?\d{2}|\+0000 UTC|UTC)?$"
)
_US_DISPLAY = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4}),?\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*([AaPp][Mm])$"
)


def iso_to_ms(value: str, assume_utc: bool = True) -> tuple[int, bool]:
    """Parse an ISO 8601 / RFC 3339 time with 0 to 9 fractional digits.

    Return ``(epoch_ms, zone_known)``. A time without a zone is read as UTC
    when ``assume_utc`` is true, and ``zone_known`` is then false.
    """
    match = _ISO.match(value.strip())
    if not match:
        raise ValueError(f"invalid ISO 8601 time {value!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                      tzinfo=timezone.utc)
    zone_known = zone is not None
    if zone and zone[0] in "+-":
        digits = zone.replace(":", "")
        offset = timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5]))
        moment -= offset if digits[0] == "+" else -offset
    if not zone_known and not assume_utc:
        raise ValueError(f"time {value!r} has no zone")
    millis = int((fraction or "0").ljust(3, "0")[:3])
    return int(moment.timestamp()) * 1000 + millis, zone_known


def us_display_to_ms(value: str) -> int:
    """Parse the Log Analytics display format ``8/13/2024, 9:08:12.257 PM`` as UTC."""
    match = _US_DISPLAY.match(value.strip())
    if not match:
        raise ValueError(f"invalid M/D/YYYY, h:mm:ss.fff AM/PM time {value!r}")
    month, day, year, hour, minute, second, fraction, meridiem = match.groups()
    hour_24 = int(hour) % 12 + (12 if meridiem.lower() == "pm" else 0)
    moment = datetime(int(year), int(month), int(day), hour_24, int(minute), int(second),
                      tzinfo=timezone.utc)
    millis = int((fraction or "0").ljust(3, "0")[:3])
    return int(moment.timestamp()) * 1000 + millis


def epoch_to_ms(value, unit: str) -> int:
    """Convert an epoch number or numeric string in ``unit`` (s, ms, us, ns) to ms."""
    text = str(value).strip()
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise ValueError(f"invalid epoch time {value!r}")
    whole, _, fraction = text.partition(".")
    scale = {"s": 1000, "ms": 1, "us": 0.001, "ns": 0.000001}[unit]
    if unit == "s":
        return int(whole) * 1000 + int((fraction or "0").ljust(3, "0")[:3])
    if unit == "ms":
        return int(whole)
    return int(int(whole) * scale)
