"""Carbon Black Cloud fileless script loads (AMSI-fed script text).

Shapes accepted, all recognized from content: the Data Forwarder's endpoint
events (``"type": "endpoint.event.fileless_scriptload"``, JSON Lines or an
array) and rows of the Investigate search API (``"event_type":
"fileless_scriptload"``), which carry ISO times and may hold one-element
lists in place of scalars. Other endpoint events in the same batch
(procstart, netconn, file-based scriptload…) carry no script text and are
skipped.

Forwarder times use Go's ``time.Time.String`` form,
``2022-02-10 11:48:05.2725926 +0000 UTC``, with 0 to 9 fractional digits and
sometimes a monotonic-clock suffix (`` m=+0.001``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from .. import InputError, Match, Source, closest_match
from ..language import from_command_line, from_image, from_text, infer
from ..record import Hash, ScriptExecution
from ..timeparse import iso_to_ms, to_utc

FORMAT_ID = "carbon_black_cloud"
TITLE = "Carbon Black Cloud fileless script load (endpoint.event.fileless_scriptload)"
ORDER = 50
FORWARDER_TYPE = "endpoint.event.fileless_scriptload"
SEARCH_TYPE = "fileless_scriptload"

FIELDS = [
    ("device_timestamp / event_timestamp", "time"),
    ("backend_timestamp", "logged_time"),
    ("device_name (DOMAIN\\HOST)", "device_hostname"),
    ("device_id", "device_uid"),
    ("process_username (DOMAIN\\user)", "user_name"),
    ("process_username (DOMAIN\\user)", "user_domain"),
    ("process_pid", "process_pid"),
    ("process_guid", "process_uid"),
    ("process_name", "process_name"),
    ("process_path", "process_path"),
    ("process_cmdline", "process_cmd_line"),
    ("parent_pid", "parent_pid"),
    ("parent_guid", "parent_uid"),
    ("parent_path", "parent_path"),
    ("parent_cmdline", "parent_cmd_line"),
    ("fileless_scriptload_cmdline", "script_text"),
    ("process_path, process_cmdline or text", "script_type"),
    ("fileless_scriptload_hash / fileless_scriptload_sha256", "script_hashes"),
    ("fileless_scriptload_cmdline_length > text length", "script_truncated"),
    ("fileless_scriptload_cmdline_length", "script_untruncated_size"),
    ("event_id", "event_uid"),
]

_OS_NAMES = {"windows": "windows", "linux": "linux", "mac": "macos", "macos": "macos"}
_HASH_ALGORITHMS = {32: 1, 40: 2, 64: 3, 128: 4}  # hex length -> OCSF algorithm_id

_GO_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r" ([+-])(\d{2})(\d{2})(?: (?:[A-Za-z]+|[+-]\d{2,4}))?(?: m=[+-]\d+(?:\.\d+)?)?$"
)


def go_time_to_ms(value: str) -> int:
    """Parse Go's ``time.Time.String`` form into epoch ms, flooring sub-millisecond digits.

    The numeric offset decides the instant; the zone abbreviation after it is
    informational. Raise :class:`ValueError` naming the value when it does not fit
    this form or lies outside years 1 to 9999 UTC.
    """
    match = _GO_TIME.match(value.strip())
    if not match:
        raise ValueError(f"invalid Go time {value!r}")
    year, month, day, hour, minute, second, fraction, sign, off_hours, off_minutes = \
        match.groups()
    moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                      tzinfo=timezone.utc)
    offset = timedelta(hours=int(off_hours), minutes=int(off_minutes))
    moment = to_utc(moment, offset if sign == "+" else -offset, value)
    millis = int((fraction or "0").ljust(3, "0")[:3])
    return int(moment.timestamp()) * 1000 + millis


def _time_to_ms(value: str) -> int:
    if _GO_TIME.match(value.strip()):
        return go_time_to_ms(value)
    millis, zone_known = iso_to_ms(value)
    if not zone_known:
        raise ValueError(f"time {value!r} has no zone")
    return millis


def _kind(event: dict) -> str | None:
    """Return 'forwarder', 'search' or None for an event that is not Carbon Black."""
    kind = event.get("type")
    if isinstance(kind, str) and kind.startswith("endpoint.event.") and (
            "process_guid" in event or "device_name" in event):
        return "forwarder"
    kind = event.get("event_type")
    if isinstance(kind, str) and kind and "process_guid" in event and any(
            key.startswith(("fileless_scriptload_", "scriptload_")) for key in event):
        return "search"
    return None


def _is_fileless(event: dict) -> bool:
    return event.get("type") == FORWARDER_TYPE or event.get("event_type") == SEARCH_TYPE


def _events(source: Source) -> list[tuple[int, dict, int]]:
    return source.objects()


def detect(source: Source) -> Match | None:
    candidates = []
    for _, event, _ in _events(source):
        if _kind(event) is None:
            continue
        missing = []
        if "process_guid" not in event:
            missing.append("process_guid")
        if _is_fileless(event) and "fileless_scriptload_cmdline" not in event:
            missing.append("fileless_scriptload_cmdline")
        candidates.append(missing)
    return closest_match(candidates, penalty=0.5)


def parse(source: Source) -> list[ScriptExecution]:
    records = []
    skipped = []
    for index, event, line in _events(source):
        if _kind(event) is None:
            continue
        if not _is_fileless(event):
            skipped.append(str(event.get("type") or event.get("event_type")))
            continue
        record = _record(event)
        record.index, record.line = index, line
        records.append(record)
    if not records and skipped:
        raise InputError(f"no Carbon Black event is a {FORWARDER_TYPE} event "
                         f"(found {', '.join(sorted(set(skipped)))})")
    return records


def _scalar(event: dict, key: str):
    """Return the value of ``key``, unwrapping the one-element lists of the search API."""
    value = event.get(key)
    if isinstance(value, list):
        value = value[0] if len(value) == 1 else None
    return value


def _text(event: dict, key: str) -> str | None:
    value = _scalar(event, key)
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = value if isinstance(value, str) else str(value)
    return text if text.strip() else None


def _integer(event: dict, key: str) -> int | None:
    value = _scalar(event, key)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    # 20 digits hold any 64-bit value, and int() rejects over 4300 digits by default.
    return int(text) if re.fullmatch(r"\d{1,20}", text) else None


def _time(event: dict, key: str) -> int | None:
    value = _text(event, key)
    if value is None:
        return None
    try:
        return _time_to_ms(value)
    except ValueError as error:
        raise InputError(f"invalid {key}: {error}") from None


def split_account(account: str | None) -> tuple[str | None, str | None]:
    """Split ``DOMAIN\\name`` into (domain, name), or (None, value) when no domain is given."""
    if not account:
        return None, None
    if "\\" in account:
        domain, _, name = account.partition("\\")
        return domain or None, name or None
    return None, account


def hashes(value) -> list[Hash]:
    """Read a hash field: one hex string or a list such as ``[md5, sha256]``."""
    values = value if isinstance(value, list) else [value]
    found = []
    for item in values:
        if not isinstance(item, str):
            continue
        digest = item.strip().lower()
        algorithm = _HASH_ALGORITHMS.get(len(digest))
        if algorithm and re.fullmatch(r"[0-9a-f]+", digest):
            found.append(Hash(algorithm, digest, "unknown"))
    return found


def _record(event: dict) -> ScriptExecution:
    record = ScriptExecution(format_id=FORMAT_ID, product_name="Carbon Black Cloud",
                             vendor_name="VMware Carbon Black")
    used = set()

    def put(fact: str, value, key: str) -> None:
        used.add(key)
        record.put(fact, value, key)

    for key in ("device_timestamp", "event_timestamp"):
        if _text(event, key):
            put("time", _time(event, key), key)
            break
    put("logged_time", _time(event, "backend_timestamp"), "backend_timestamp")

    domain, host = split_account(_text(event, "device_name"))
    put("device_hostname", host, "device_name")
    if domain:
        record.extras["device_domain"] = domain
    put("device_uid", _text(event, "device_id"), "device_id")
    os_name = (_text(event, "device_os") or "").strip().lower()
    record.device_os = _OS_NAMES.get(os_name)
    if record.device_os:
        used.add("device_os")
    put("event_uid", _text(event, "event_id"), "event_id")

    domain, user = split_account(_text(event, "process_username"))
    put("user_domain", domain, "process_username")
    put("user_name", user, "process_username")

    put("process_pid", _integer(event, "process_pid"), "process_pid")
    put("process_uid", _text(event, "process_guid"), "process_guid")
    put("process_name", _text(event, "process_name"), "process_name")
    put("process_path", _text(event, "process_path"), "process_path")
    put("process_cmd_line", _text(event, "process_cmdline"), "process_cmdline")
    record.process_hashes = [Hash(h.algorithm_id, h.value, "file")
                             for h in hashes(event.get("process_hash"))]
    if record.process_hashes:
        used.add("process_hash")
    put("parent_pid", _integer(event, "parent_pid"), "parent_pid")
    put("parent_uid", _text(event, "parent_guid"), "parent_guid")
    put("parent_path", _text(event, "parent_path"), "parent_path")
    put("parent_cmd_line", _text(event, "parent_cmdline"), "parent_cmdline")

    _script(event, record, used)

    record.script_type = infer(
        from_image(record.process_path),
        from_image(record.process_name),
        from_command_line(record.process_cmd_line),
        from_text(record.script_text),
    )
    record.sources["script_type"] = record.script_type.evidence

    for key, value in event.items():
        if key not in used and value not in (None, "", [], {}):
            record.extras[key] = value
    return record


def _script(event: dict, record: ScriptExecution, used: set) -> None:
    text = _scalar(event, "fileless_scriptload_cmdline")
    used.add("fileless_scriptload_cmdline")
    if isinstance(text, str):
        record.put("script_text", text, "fileless_scriptload_cmdline")

    length = _integer(event, "fileless_scriptload_cmdline_length")
    if record.script_text is not None and length is not None and len(record.script_text) < length:
        used.add("fileless_scriptload_cmdline_length")
        record.put("script_truncated", True,
                   "fileless_scriptload_cmdline_length > text length")
        record.put("script_untruncated_size", length, "fileless_scriptload_cmdline_length")
        # NOTE: the forwarder schema does not state the unit of the length field.
        record.script_size_unit = "characters (assumed)"

    found: list[Hash] = []
    for key in ("fileless_scriptload_sha256", "fileless_scriptload_hash"):
        for digest in hashes(event.get(key)):
            if all(digest.value != seen.value for seen in found):
                found.append(digest)
        if event.get(key) not in (None, "", []) and hashes(event.get(key)):
            used.add(key)
    found.sort(key=lambda digest: -digest.algorithm_id)
    label = " / ".join(key for key in ("fileless_scriptload_hash", "fileless_scriptload_sha256")
                       if key in used)
    record.put("script_hashes", found, label)
