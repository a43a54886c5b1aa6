"""Checks this project adds to the OCSF server's: each has its own finding code.

They catch events that the server accepts but that say two different things:
a ``time`` and ``time_dt`` that disagree, an observable whose type or value
does not match the attribute it names, a script marked untruncated that still
gives its untruncated size, a hash whose length does not fit its algorithm.
"""

from __future__ import annotations

import re
from typing import Any

from webapp.catalog import Release, Schema

from .findings import ERROR, WARNING, EventReport, Finding

# Hex digits of a digest for each fingerprint algorithm_id with a fixed length.
DIGEST_HEX_LENGTH = {1: 32, 2: 40, 3: 64, 4: 128}
ALGORITHM_NAMES = {1: "MD5", 2: "SHA-1", 3: "SHA-256", 4: "SHA-512"}
TIME_PAIRS = (("time", "time_dt"), ("start_time", "start_time_dt"), ("end_time", "end_time_dt"))
_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
                      r"([Zz]|[+-]\d{2}:\d{2})?$")


def check_beyond_server(event: dict, schema: Schema, release: Release, report: EventReport,
                        profiles: set[str]) -> None:
    """Add this project's own findings for one event."""
    _check_time_pairs(event, report)
    _check_class_profiles(event, schema, release, report)
    _check_observable_targets(event, schema, release, report)
    _check_script_truncation(event, report)
    _check_hash_lengths(event, (), report)


def rfc3339_to_ms(text: str) -> int | None:
    """Parse an RFC 3339 time into epoch milliseconds; None when it does not parse."""
    from datetime import datetime, timedelta, timezone

    match = _RFC3339.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                          tzinfo=timezone.utc)
    except ValueError:
        return None
    if zone and zone not in "Zz":
        sign = 1 if zone[0] == "+" else -1
        try:
            moment -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        except OverflowError:  # the offset moves the time out of years 1 to 9999
            return None
    millis = int((fraction or "0")[:3].ljust(3, "0"))
    return int(moment.timestamp()) * 1000 + millis


def _check_time_pairs(event: dict, report: EventReport) -> None:
    for millis_name, text_name in TIME_PAIRS:
        millis, text = event.get(millis_name), event.get(text_name)
        if not isinstance(millis, int) or isinstance(millis, bool) or not isinstance(text, str):
            continue
        parsed = rfc3339_to_ms(text)
        if parsed is None or parsed == millis:
            continue
        report.add(Finding("time_dt_mismatch", WARNING,
                           f"\"{text_name}\" {text!r} is {parsed} ms since the epoch, but "
                           f"\"{millis_name}\" is {millis}; they should be the same moment.",
                           attribute_path=text_name, located_path=(text_name,),
                           context={"value": text, "expected_value": millis,
                                    "difference_ms": parsed - millis}))


def _check_class_profiles(event: dict, schema: Schema, release: Release,
                          report: EventReport) -> None:
    metadata = event.get("metadata")
    declared = metadata.get("profiles") if isinstance(metadata, dict) else None
    if not isinstance(declared, list):
        return
    for position, name in enumerate(declared):
        if isinstance(name, str) and name in release.profiles and name not in schema.profiles:
            report.add(Finding("profile_not_in_class", WARNING,
                               f"Profile \"{name}\" exists but class \"{schema.name}\" does not "
                               f"support it; the class supports {', '.join(schema.profiles)}.",
                               attribute_path=f"metadata.profiles[{position}]",
                               located_path=("metadata", "profiles", position),
                               context={"value": name, "allowed_values": list(schema.profiles)}))


def _values_at(data: Any, segments: list[str]) -> list[Any]:
    """Return every value at a dotted path, walking into arrays."""
    if not segments:
        return [data]
    if isinstance(data, list):
        return [found for item in data for found in _values_at(item, segments)]
    if isinstance(data, dict) and segments[0] in data:
        return _values_at(data[segments[0]], segments[1:])
    return []


def _observable_type_of(schema: Schema, release: Release, segments: list[str]) -> int | None:
    current = schema
    attr = None
    for segment in segments:
        if current is None:
            return None
        attr = current.attributes.get(segment)
        if attr is None:
            return None
        current = release.objects.get(attr.object_type) if attr.object_type else None
    if attr is None:
        return None
    if attr.observable is not None:
        return attr.observable
    data_type = release.types.get(attr.type)
    if data_type is not None and data_type.observable is not None:
        return data_type.observable
    if attr.object_type and attr.object_type in release.objects:
        return None
    return None


def _check_observable_targets(event: dict, schema: Schema, release: Release,
                              report: EventReport) -> None:
    observables = event.get("observables")
    if not isinstance(observables, list):
        return
    for position, item in enumerate(observables):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        segments = item["name"].split(".")
        expected_type = _observable_type_of(schema, release, segments)
        type_id = item.get("type_id")
        if expected_type is not None and isinstance(type_id, int) and type_id != expected_type:
            report.add(Finding("observable_type_id_mismatch", WARNING,
                               f"Observable {position} names \"{item['name']}\", whose "
                               f"observable type_id is {expected_type}, but gives {type_id}.",
                               attribute_path=f"observables[{position}].type_id",
                               located_path=("observables", position, "type_id"),
                               context={"value": type_id, "expected_value": expected_type}))
        values = [v for v in _values_at(event, segments)
                  if isinstance(v, (str, int, float)) and not isinstance(v, bool)]
        value = item.get("value")
        if value is None or not values:
            continue
        if str(value) not in {str(v) for v in values}:
            report.add(Finding("observable_value_mismatch", WARNING,
                               f"Observable {position} has value {value!r}, but the event has "
                               f"{values[0]!r} at \"{item['name']}\".",
                               attribute_path=f"observables[{position}].value",
                               located_path=("observables", position, "value"),
                               context={"value": value, "expected_value": values[0]}))


def _check_script_truncation(event: dict, report: EventReport) -> None:
    script = event.get("script")
    content = script.get("script_content") if isinstance(script, dict) else None
    if not isinstance(content, dict):
        return
    truncated = content.get("is_truncated")
    size = content.get("untruncated_size")
    value = content.get("value")
    path = ("script", "script_content")
    if size is not None and truncated is not True:
        report.add(Finding("script_truncation_inconsistent", WARNING,
                           "script.script_content gives untruncated_size but is_truncated is "
                           "not true; the size must be omitted when nothing was cut.",
                           attribute_path="script.script_content.untruncated_size",
                           located_path=path + ("untruncated_size",),
                           context={"value": size}))
    elif truncated is True and isinstance(size, int) and isinstance(value, str) \
            and size <= len(value.encode("utf-8")):
        report.add(Finding("script_truncation_inconsistent", WARNING,
                           f"script.script_content is marked truncated, but untruncated_size "
                           f"{size} is not larger than the {len(value.encode('utf-8'))} UTF-8 "
                           "bytes of the value.",
                           attribute_path="script.script_content.untruncated_size",
                           located_path=path + ("untruncated_size",),
                           context={"value": size}))


def _check_hash_lengths(data: Any, path: tuple, report: EventReport) -> None:
    if isinstance(data, list):
        for position, item in enumerate(data):
            _check_hash_lengths(item, path + (position,), report)
        return
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if key == "hashes" and isinstance(value, list):
            for position, item in enumerate(value):
                _check_one_hash(item, path + (key, position), report)
        elif isinstance(value, (dict, list)):
            _check_hash_lengths(value, path + (key,), report)


def _check_one_hash(item: Any, path: tuple, report: EventReport) -> None:
    if not isinstance(item, dict):
        return
    algorithm_id, value = item.get("algorithm_id"), item.get("value")
    expected = DIGEST_HEX_LENGTH.get(algorithm_id) if isinstance(algorithm_id, int) else None
    if expected is None or not isinstance(value, str):
        return
    if len(value) == expected and re.fullmatch(r"[0-9a-fA-F]+", value):
        return
    dotted = ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")
    report.add(Finding("fingerprint_length_invalid", ERROR,
                       f"\"{dotted}.value\" has {len(value)} characters, but a "
                       f"{ALGORITHM_NAMES[algorithm_id]} digest is {expected} hex digits.",
                       attribute_path=f"{dotted}.value", located_path=path + ("value",),
                       context={"value": value if len(value) < 200 else value[:200] + "…",
                                "expected_length": expected}))
