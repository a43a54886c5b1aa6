"""Microsoft Defender for Endpoint DeviceEvents rows with ActionType ScriptContent or PowerShellCommand.

Shapes accepted, all recognized from content: advanced-hunting rows (ISO times
with up to 7 fractional digits), the Graph ``runHuntingQuery`` response
(``schema``/``results``) and the older ``Schema``/``Results`` one, the streaming
API (``records[]`` of ``{category, properties}``), the Log Analytics / Sentinel
export as JSON and as CSV (`` [UTC]`` header suffixes, ``M/D/YYYY, h:mm:ss.fff AM/PM``
values), and JSON converted from that CSV where every value is a string.
"""

from __future__ import annotations

import csv
import io
import json
import re
from json.decoder import scanstring

from .. import InputError, Match, Source
from ..language import from_command_line, from_image, from_path, from_text, infer
from ..record import Hash, ScriptExecution
from ..timeparse import iso_to_ms, us_display_to_ms

FORMAT_ID = "mde_deviceevents"
TITLE = "Microsoft Defender for Endpoint DeviceEvents (ScriptContent, PowerShellCommand)"
ORDER = 10
SCRIPT_ACTIONS = {"ScriptContent", "PowerShellCommand"}
CSV_FIELD_LIMIT = 10 * 1024 * 1024  # characters in one CSV cell
# Column name for the values of a CSV row that has more fields than the header.
CSV_EXTRA_FIELDS = "(fields beyond the header)"

FIELDS = [
    ("Timestamp / Timestamp [UTC]", "time"),
    ("TimeGenerated / envelope time", "logged_time"),
    ("DeviceName", "device_hostname"),
    ("DeviceId", "device_uid"),
    ("InitiatingProcessAccountName", "user_name"),
    ("InitiatingProcessAccountSid", "user_uid"),
    ("InitiatingProcessAccountDomain", "user_domain"),
    ("InitiatingProcessId", "process_pid"),
    ("InitiatingProcessFileName", "process_name"),
    ("InitiatingProcessFolderPath", "process_path"),
    ("InitiatingProcessCommandLine", "process_cmd_line"),
    ("InitiatingProcessCreationTime", "process_created_time"),
    ("InitiatingProcessParentId", "parent_pid"),
    ("InitiatingProcessParentFileName", "parent_name"),
    ("AdditionalFields.ScriptContent / AdditionalFields.Command", "script_text"),
    ("FolderPath", "script_path"),
    ("FileName", "script_name"),
    ("InitiatingProcessFileName, FolderPath or shebang", "script_type"),
    ("SHA256, SHA1, MD5", "script_hashes"),
    ("AdditionalFields cut short", "script_truncated"),
    ("DeviceId + ReportId + Timestamp", "event_uid"),
]

_MARKS = ("ActionType", "DeviceId", "Timestamp", "InitiatingProcessId")
_ZONE_SUFFIXES = (("[UTC]", "UTC"), ("[Local Time]", "Local Time"))


def _rows_from_json(value) -> list[tuple[dict, str]]:
    """Unwrap the known envelopes; return (row, shape) pairs."""
    if isinstance(value, dict):
        if isinstance(value.get("records"), list):
            rows = []
            for record in value["records"]:
                rows.extend(_rows_from_json(record))
            return rows
        if isinstance(value.get("properties"), dict) and str(
                value.get("category", "")).startswith("AdvancedHunting-"):
            row = dict(value["properties"])
            if value.get("time"):
                row.setdefault("__envelope_time", value["time"])
            return [(row, "streaming API record")]
        for key in ("results", "Results"):
            if isinstance(value.get(key), list) and any(k in value for k in ("schema", "Schema")):
                shape = "Graph runHuntingQuery" if key == "results" else "advanced queries API"
                return [(row, shape) for row in value[key] if isinstance(row, dict)]
        return [(value, "row")]
    if isinstance(value, list):
        rows = []
        for item in value:
            rows.extend(_rows_from_json(item))
        return rows
    return []


def _normalize_keys(row: dict) -> tuple[dict, dict]:
    """Strip trailing spaces and `` [UTC]`` suffixes; return (row, {column: zone})."""
    clean, zones = {}, {}
    for key, value in row.items():
        name = key.strip()
        # Plain string methods: a regular expression such as "(.*?)\s*\[UTC\]$"
        # backtracks quadratically on keys with long runs of spaces.
        for suffix, zone in _ZONE_SUFFIXES:
            if not name.endswith(suffix):
                continue
            column = name[:-len(suffix)].rstrip()
            if "\n" not in column:
                name = column
                zones[name] = zone
            break
        clean[name] = value
    return clean, zones


def _looks_like_row(row: dict) -> list[str]:
    clean, _ = _normalize_keys(row)
    return [mark for mark in _MARKS if mark not in clean]


def detect(source: Source) -> Match | None:
    rows = _candidate_rows(source)
    if not rows:
        return None
    missing = min((_looks_like_row(row) for row, _ in rows), key=len)
    if len(missing) == len(_MARKS):
        return None
    score = 1 - len(missing) / len(_MARKS)
    return Match(score + 0.5, missing)


def _candidate_rows(source: Source) -> list[tuple[dict, str]]:
    if source.json_values is not None:
        rows = []
        for value in source.json_values:
            rows.extend(_rows_from_json(value.value))
        return rows
    first_line = source.text.split("\n", 1)[0]
    if "ActionType" in first_line and "," in first_line:
        return _csv_rows(source.text)
    return []


def _csv_rows(text: str) -> list[tuple[dict, str]]:
    csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""),
                                restkey=CSV_EXTRA_FIELDS)
        return [(dict(row), "Log Analytics CSV export") for row in reader]
    except csv.Error as error:
        raise InputError(f"invalid CSV: {error}") from None


def parse(source: Source) -> list[ScriptExecution]:
    if source.json_values is not None:
        located = []
        for value in source.json_values:
            line = source.line_of(value)
            located.extend((row, shape, line) for row, shape in _rows_from_json(value.value))
    else:
        located = [(row, shape, position + 2)
                   for position, (row, shape) in enumerate(_csv_rows(source.text))]
    records = []
    skipped = []
    for index, (row, shape, line) in enumerate(located):
        clean, zones = _normalize_keys(row)
        action = str(clean.get("ActionType", ""))
        if action not in SCRIPT_ACTIONS:
            skipped.append(action or "(none)")
            continue
        record = _record(clean, zones, shape)
        record.index, record.line = index, line
        records.append(record)
    if not records and skipped:
        raise InputError("no DeviceEvents row has ActionType ScriptContent or PowerShellCommand "
                         f"(found {', '.join(sorted(set(skipped)))})")
    return records


def _text(row: dict, key: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    text = str(value).strip() if not isinstance(value, str) else value
    return text if text.strip() else None


def _integer(row: dict, key: str) -> int | None:
    value = row.get(key)
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number or None  # 0 means "not reported" in these columns


def _time(row: dict, zones: dict, key: str, record: ScriptExecution) -> int | None:
    """Parse one time column; an unreadable value becomes a note, not an error."""
    try:
        return _parse_time(row, zones, key, record)
    except ValueError as error:
        record.notes.append(f"{key} was left out: {error}")
        return None


def _parse_time(row: dict, zones: dict, key: str, record: ScriptExecution) -> int | None:
    value = _text(row, key)
    if value is None:
        return None
    if re.match(r"^\d{1,2}/\d{1,2}/\d{4}", value):
        if zones.get(key) != "UTC":
            record.time_zone_known = False
            record.notes.append(f"{key} is in the portal's local time; it was read as UTC")
        return us_display_to_ms(value)
    millis, zone_known = iso_to_ms(value)
    if not zone_known:
        record.time_zone_known = False
        record.notes.append(f"{key} {value!r} has no time zone; it was read as UTC")
    return millis


def _label(key: str, zones: dict) -> str:
    return f"{key} [{zones[key]}]" if key in zones else key


def _record(row: dict, zones: dict, shape: str) -> ScriptExecution:
    record = ScriptExecution(format_id=FORMAT_ID, product_name="Microsoft Defender for Endpoint",
                             vendor_name="Microsoft")
    record.extras["shape"] = shape
    action = row["ActionType"]
    record.extras["ActionType"] = action
    record.granularity = "script" if action == "ScriptContent" else "command"

    record.put("time", _time(row, zones, "Timestamp", record), _label("Timestamp", zones))
    if "TimeGenerated" in row:
        record.put("logged_time", _time(row, zones, "TimeGenerated", record),
                   _label("TimeGenerated", zones))
    elif "__envelope_time" in row:
        record.put("logged_time", _time(row, zones, "__envelope_time", record),
                   "envelope time")
    record.put("process_created_time",
               _time(row, zones, "InitiatingProcessCreationTime", record),
               _label("InitiatingProcessCreationTime", zones))
    record.parent_created_time = _time(row, zones, "InitiatingProcessParentCreationTime",
                                       record)

    record.put("device_hostname", _text(row, "DeviceName"), "DeviceName")
    record.put("device_uid", _text(row, "DeviceId"), "DeviceId")
    record.put("user_name", _text(row, "InitiatingProcessAccountName"),
               "InitiatingProcessAccountName")
    record.put("user_uid", _text(row, "InitiatingProcessAccountSid"),
               "InitiatingProcessAccountSid")
    record.put("user_domain", _text(row, "InitiatingProcessAccountDomain"),
               "InitiatingProcessAccountDomain")
    record.put("user_email", _text(row, "InitiatingProcessAccountUpn"),
               "InitiatingProcessAccountUpn")
    record.put("process_pid", _integer(row, "InitiatingProcessId"), "InitiatingProcessId")
    record.put("process_name", _text(row, "InitiatingProcessFileName"),
               "InitiatingProcessFileName")
    record.put("process_path", _text(row, "InitiatingProcessFolderPath"),
               "InitiatingProcessFolderPath")
    record.put("process_cmd_line", _text(row, "InitiatingProcessCommandLine"),
               "InitiatingProcessCommandLine")
    for column, algorithm in (("InitiatingProcessSHA256", 3), ("InitiatingProcessSHA1", 2),
                              ("InitiatingProcessMD5", 1)):
        if _text(row, column):
            record.process_hashes.append(Hash(algorithm, _text(row, column).lower(), "file"))
    record.put("parent_pid", _integer(row, "InitiatingProcessParentId"),
               "InitiatingProcessParentId")
    record.put("parent_name", _text(row, "InitiatingProcessParentFileName"),
               "InitiatingProcessParentFileName")

    key = "ScriptContent" if action == "ScriptContent" else "Command"
    text, truncated = _additional_field(row.get("AdditionalFields"), key, record)
    record.put("script_text", text, f"AdditionalFields.{key}")
    if truncated:
        record.put("script_truncated", True, "AdditionalFields cut short")
        record.notes.append("AdditionalFields is cut short and no longer valid JSON; the "
                            f"{key} prefix was salvaged and marked truncated")

    record.put("script_path", _text(row, "FolderPath"), "FolderPath")
    record.put("script_name", _text(row, "FileName"), "FileName")
    hashes = []
    for column, algorithm in (("SHA256", 3), ("SHA1", 2), ("MD5", 1)):
        if action == "ScriptContent" and _text(row, column):
            hashes.append(Hash(algorithm, _text(row, column).lower(), "unknown"))
    record.put("script_hashes", hashes, "SHA256, SHA1, MD5")

    record.script_type = infer(
        from_image(record.process_name),
        from_image(record.process_path),
        from_command_line(record.process_cmd_line),
        from_path(record.script_path),
        from_text(record.script_text if action == "ScriptContent" else None),
    )
    record.sources["script_type"] = record.script_type.evidence

    report_id = _text(row, "ReportId")
    if record.device_uid and report_id and record.time is not None:
        record.put("event_uid", f"{record.device_uid}-{report_id}-{record.time}",
                   "DeviceId + ReportId + Timestamp")
    mapped = {"Timestamp", "TimeGenerated", "DeviceName", "DeviceId", "ActionType",
              "AdditionalFields", "InitiatingProcessAccountName", "InitiatingProcessAccountSid",
              "InitiatingProcessAccountDomain", "InitiatingProcessAccountUpn",
              "InitiatingProcessId", "InitiatingProcessFileName", "InitiatingProcessFolderPath",
              "InitiatingProcessCommandLine", "InitiatingProcessCreationTime",
              "InitiatingProcessSHA256", "InitiatingProcessSHA1", "InitiatingProcessMD5",
              "InitiatingProcessParentId", "InitiatingProcessParentFileName",
              "InitiatingProcessParentCreationTime", "FolderPath", "FileName", "SHA256", "SHA1",
              "MD5", "__envelope_time"}
    for column, value in row.items():
        if column not in mapped and value not in (None, "", 0, "0", [], {}):
            record.extras[column] = value
    return record


def _additional_field(value, key: str, record: ScriptExecution) -> tuple[str | None, bool]:
    """Read ``key`` out of AdditionalFields, an object or a JSON string, salvaging a cut string."""
    if value is None or value == "":
        return None, False
    if isinstance(value, dict):
        found = value.get(key)
        return (found if isinstance(found, str) else None), False
    if not isinstance(value, str):
        return None, False
    try:
        parsed = json.loads(value)
    except RecursionError:
        # json.loads recurses once per nesting level, so deeply nested arrays or
        # objects exhaust the interpreter stack.
        text = _salvage(value, key)
        outcome = f"{key} was read from the text" if text is not None else f"{key} was left out"
        record.notes.append("AdditionalFields nests too deeply to be decoded as JSON; "
                            + outcome)
        return text, False
    except ValueError:
        return _salvage(value, key), True
    if isinstance(parsed, dict) and isinstance(parsed.get(key), str):
        return parsed[key], False
    return None, False


def _salvage(text: str, key: str) -> str | None:
    """Decode the longest valid prefix of the cut string value of ``key``."""
    match = re.search(r'"%s"\s*:\s*"' % re.escape(key), text)
    if not match:
        return None
    body = text[match.end():]
    # Drop a dangling escape or a partial \\uXXXX at the cut so the prefix decodes.
    for trim in range(0, 7):
        candidate = body[:len(body) - trim] if trim else body
        if candidate.endswith("\\") and not candidate.endswith("\\\\"):
            continue
        try:
            decoded, _ = scanstring('"' + candidate + '"', 1, False)
            return decoded
        except ValueError:
            continue
    return None
