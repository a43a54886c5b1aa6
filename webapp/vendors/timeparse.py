"""Parse the timestamp shapes found in vendor events into epoch milliseconds.

Every function floors sub-millisecond digits. An unparseable value, or one
outside years 1 to 9999 UTC (the range of :class:`datetime.datetime`), raises
:class:`ValueError` naming the value.
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
# Epoch milliseconds of 0001-01-01T00:00:00Z and of 9999-12-31T23:59:59.999Z.
_MIN_MS = -62_135_596_800_000
_MAX_MS = 253_402_300_799_999


def _out_of_range(value) -> ValueError:
    """Return the error for a time that falls outside years 1 to 9999 UTC."""
    return ValueError(f"time {value!r} is outside the supported range of years 1 to 9999 UTC")


def to_utc(moment: datetime, offset: timedelta, value) -> datetime:
    """Subtract a UTC ``offset`` from the local ``moment`` that ``value`` spells.

    Raise :class:`ValueError`, not :class:`OverflowError`, when the result
    leaves years 1 to 9999.
    """
    try:
        return moment - offset
    except OverflowError:
        raise _out_of_range(value) from None


def check_range(millis: int, value) -> int:
    """Check that ``millis`` lies within years 1 to 9999 UTC and return it.

    Raise :class:`ValueError` naming ``value`` when it does not.
    """
    if not _MIN_MS <= millis <= _MAX_MS:
        raise _out_of_range(value)
    return millis


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
        moment = to_utc(moment, offset if digits[0] == "+" else -offset, value)
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
    if unit == "s":
        millis = int(whole) * 1000 + int((fraction or "0").ljust(3, "0")[:3])
    else:
        # Integer division, because a float product overflows for very long digit strings.
        millis = int(whole) // {"ms": 1, "us": 1000, "ns": 1_000_000}[unit]
    return check_range(millis, value)
