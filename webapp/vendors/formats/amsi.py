"""AMSI scan events: ETW provider Microsoft-Antimalware-Scan-Interface, event 1101, as JSON.

AMSI has no event log channel, so these events reach users through ETW
consumers that render them to JSON in their own layout. Each layout below is
recognized from content:

* a ``system`` header with an ``event_data`` payload;
* a ``System``/``EventData`` pair, as evtx-style converters write it;
* SilkETW records (``ProviderName``, ``ProcessID``, ``TimeStamp``, with the
  payload in ``XmlEventData``);
* Winlogbeat-style ``winlog.event_data``;
* a flat object with the payload fields next to the header fields.

The ``content`` field is the scanned buffer, which script engines pass as
UTF-16LE text. Consumers render it as bare hex, ``0x``-prefixed hex, hex with
separators, base64, a JSON array of byte values, or already decoded text. The
``hash`` field is the SHA-256 of that buffer, so it is copied and never
recomputed from the decoded text.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

from .. import InputError, Match, Source, closest_match
from ..language import from_engine, from_image, from_path, from_text, infer
from ..record import Hash, ScriptExecution
from ..timeparse import check_range, iso_to_ms

FORMAT_ID = "amsi_etw"
TITLE = "AMSI ETW event 1101 (Microsoft-Antimalware-Scan-Interface)"
ORDER = 30
PROVIDER = "Microsoft-Antimalware-Scan-Interface"
EVENT_ID = 1101

FIELDS = [
    ("ETW header time (time_created, TimeCreated, TimeStamp)", "time"),
    ("ETW header computer", "device_hostname"),
    ("ETW header process id", "process_pid"),
    ("ProcessName (SilkETW)", "process_name"),
    ("appname: PowerShell_<host path>_<version>", "process_path"),
    ("content (hex or base64 of the scanned buffer)", "script_text"),
    ("contentname, when it is a path", "script_path"),
    ("appname, host path, contentname or text", "script_type"),
    ("hash", "script_hashes"),
    ("contentFiltered or contentsize < originalsize", "script_truncated"),
    ("originalsize", "script_untruncated_size"),
]

# Documented AMSI_RESULT values; results from 0x4000 to 0x4FFF mean "blocked by an administrator".
_SCAN_RESULTS = {0: "AMSI_RESULT_CLEAN", 1: "AMSI_RESULT_NOT_DETECTED",
                 32768: "AMSI_RESULT_DETECTED"}

# Paths of the payload fields and of the ETW header fields in each layout.
_PAYLOAD_PATHS = (("event_data",), ("EventData",), ("XmlEventData",), ("winlog", "event_data"),
                  ("Event", "EventData"), ())
_PID_PATHS = (("system", "execution", "process_id"), ("System", "Execution", "ProcessID"),
              ("Event", "System", "Execution", "#attributes", "ProcessID"),
              ("winlog", "process", "pid"), ("ProcessID",), ("ProcessId",), ("process_id",),
              ("XmlEventData", "PID"))
_TID_PATHS = (("system", "execution", "thread_id"), ("System", "Execution", "ThreadID"),
              ("Event", "System", "Execution", "#attributes", "ThreadID"),
              ("winlog", "process", "thread", "id"), ("ThreadID",), ("ThreadId",),
              ("XmlEventData", "TID"))
_TIME_PATHS = (("system", "time_created"), ("System", "TimeCreated", "SystemTime"),
               ("System", "TimeCreated"),
               ("Event", "System", "TimeCreated", "#attributes", "SystemTime"),
               ("TimeStamp",), ("TimeCreated",), ("@timestamp",), ("timestamp",))
_HOST_PATHS = (("system", "computer"), ("System", "Computer"), ("Event", "System", "Computer"),
               ("winlog", "computer_name"), ("Computer",), ("MachineName",), ("computer",))
_PROVIDER_PATHS = (("system", "provider"), ("System", "Provider", "Name"), ("System", "Provider"),
                   ("Event", "System", "Provider", "#attributes", "Name"),
                   ("winlog", "provider_name"), ("ProviderName",), ("Provider",))
_EVENT_ID_PATHS = (("system", "event_id"), ("System", "EventID"), ("Event", "System", "EventID"),
                   ("winlog", "event_id"), ("EventID",), ("EventId",), ("Id",))
_USER_PATHS = (("system", "security", "user_id"), ("System", "Security", "UserID"),
               ("Event", "System", "Security", "#attributes", "UserID"),
               ("winlog", "user", "identifier"))
_PAYLOAD_KEYS = {"session", "scanstatus", "scanresult", "appname", "contentname", "contentsize",
                 "originalsize", "content", "hash", "contentfiltered"}
_REQUIRED_PAYLOAD = ("appname", "content", "hash")


def _get(data, key: str):
    """Return ``data[key]`` matching the key case-insensitively, or None."""
    if not isinstance(data, dict):
        return None
    if key in data:
        return data[key]
    lowered = key.lower()
    for name, value in data.items():
        if isinstance(name, str) and name.lower() == lowered:
            return value
    return None


def _dig(data, path: tuple):
    for key in path:
        data = _get(data, key)
        if data is None:
            return None
    return data


def _first(data: dict, paths: tuple) -> tuple:
    """Return ``(value, dotted path)`` of the first path holding a non-empty value."""
    for path in paths:
        value = _dig(data, path)
        if value not in (None, "", {}, []):
            return value, ".".join(path)
    return None, None


def _payload(event: dict) -> tuple[dict | None, str]:
    """Return the dict holding the AMSI payload fields and its dotted path ('' for the top)."""
    for path in _PAYLOAD_PATHS:
        candidate = _dig(event, path) if path else event
        if not isinstance(candidate, dict):
            continue
        if _get(candidate, "appname") is not None or (
                _get(candidate, "content") is not None and _get(candidate, "hash") is not None):
            return candidate, ".".join(path)
    return None, ""


def _marks(event: dict) -> tuple[bool, list[str]]:
    """Return (whether the event looks like AMSI at all, the required marks it lacks)."""
    payload, _ = _payload(event)
    provider, _ = _first(event, _PROVIDER_PATHS)
    event_id, _ = _first(event, _EVENT_ID_PATHS)
    is_provider = isinstance(provider, str) and provider.strip().lower() == PROVIDER.lower()
    if is_provider and str(event_id).strip() == str(EVENT_ID):
        return True, []
    if payload is None:
        return is_provider, [f"Provider {PROVIDER}"] if not is_provider else ["content"]
    missing = [key for key in _REQUIRED_PAYLOAD if _get(payload, key) is None]
    return True, missing


def _events(source: Source) -> list[tuple[int, dict, int]]:
    return source.objects()


def detect(source: Source) -> Match | None:
    candidates = []
    for _, event, _ in _events(source):
        looks, missing = _marks(event)
        if not looks:
            continue
        candidates.append(missing)
    return closest_match(candidates, penalty=0.25)


def parse(source: Source) -> list[ScriptExecution]:
    records = []
    for index, event, line in _events(source):
        looks, _ = _marks(event)
        payload, prefix = _payload(event)
        if not looks or payload is None:
            continue
        record = _record(event, payload, prefix)
        record.index, record.line = index, line
        records.append(record)
    return records


def _label(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _integer(value) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    # 20 decimal or 16 hex digits hold any 64-bit value and keep int() below its
    # default limit of 4300 decimal digits.
    if re.fullmatch(r"\d{1,20}", text):
        return int(text)
    if re.fullmatch(r"0[xX][0-9a-fA-F]{1,16}", text):
        return int(text, 16)
    return None


def _boolean(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in {"true", "1", "yes"}:
        return True
    if text in {"false", "0", "no"}:
        return False
    return None


def _record(event: dict, payload: dict, prefix: str) -> ScriptExecution:
    record = ScriptExecution(format_id=FORMAT_ID, product_name="Antimalware Scan Interface (AMSI)",
                             vendor_name="Microsoft", device_os="windows")
    _header(event, record)

    appname = _get(payload, "appname")
    appname = appname if isinstance(appname, str) and appname.strip() else None
    if appname:
        record.extras["appname"] = appname
        host_path, host_version = host_from_appname(appname)
        record.put("process_path", host_path, _label(prefix, "appname"))
        if host_version:
            record.extras["host_version"] = host_version

    _content(payload, prefix, record)

    content_name = _get(payload, "contentname")
    if isinstance(content_name, str) and content_name.strip():
        if looks_like_path(content_name):
            record.put("script_path", content_name.strip(), _label(prefix, "contentname"))
        else:
            record.extras["contentname"] = content_name

    record.script_type = infer(
        from_engine(appname),
        from_image(record.process_name),
        from_image(record.process_path),
        from_path(record.script_path),
        from_text(record.script_text),
    )
    record.sources["script_type"] = record.script_type.evidence

    for key in ("session", "scanStatus"):
        value = _get(payload, key)
        if value not in (None, ""):
            record.extras[key] = value
    scan_result = _get(payload, "scanResult")
    if scan_result not in (None, ""):
        record.extras["scanResult"] = scan_result
        name = _scan_result_name(_integer(scan_result))
        if name:
            record.extras["scanResult_name"] = name
    for key, value in payload.items():
        if isinstance(key, str) and key.lower() not in _PAYLOAD_KEYS and key not in record.extras \
                and value not in (None, "", [], {}):
            record.extras[key] = value
    return record


def _scan_result_name(value: int | None) -> str | None:
    if value is None:
        return None
    if 0x4000 <= value <= 0x4FFF:
        return "AMSI_RESULT_BLOCKED_BY_ADMIN"
    return _SCAN_RESULTS.get(value)


def _header(event: dict, record: ScriptExecution) -> None:
    value, path = _first(event, _TIME_PATHS)
    if value is not None:
        try:
            millis, zone_known = time_to_ms(value)
        except ValueError as error:
            raise InputError(f"invalid {path}: {error}") from None
        record.put("time", millis, path)
        if not zone_known:
            record.time_zone_known = False
            record.notes.append(f"{path} {value!r} has no time zone; it was read as UTC")
    else:
        record.notes.append("the event carries no ETW header time")

    value, path = _first(event, _HOST_PATHS)
    if isinstance(value, str):
        record.put("device_hostname", value.strip(), path)
    value, path = _first(event, _PID_PATHS)
    record.put("process_pid", _integer(value), path)
    value, path = _first(event, _TID_PATHS)
    if _integer(value) is not None:
        record.extras["thread_id"] = _integer(value)
    # SilkETW names the image of the process when the trace saw it start.
    name = _get(event, "ProcessName")
    if isinstance(name, str) and name.strip() and name.strip().lower() != "unknown":
        record.put("process_name", name.strip(), "ProcessName")
    value, path = _first(event, _USER_PATHS)
    if isinstance(value, str) and value.strip().upper().startswith("S-1-"):
        record.put("user_uid", value.strip(), path)
    activity, _ = _first(event, (("system", "correlation", "ActivityID"),
                                 ("System", "Correlation", "ActivityID")))
    if isinstance(activity, str) and activity.strip("{}0-") != "":
        record.extras["ActivityID"] = activity


def _content(payload: dict, prefix: str, record: ScriptExecution) -> None:
    raw = _get(payload, "content")
    content_size = _integer(_get(payload, "contentsize"))
    original_size = _integer(_get(payload, "originalsize"))
    filtered = _boolean(_get(payload, "contentFiltered"))
    encoding = None
    buffer_length = None
    if raw is not None and raw != "":
        buffer, rendering = buffer_bytes(raw)
        if buffer is None:
            record.put("script_text", str(raw), _label(prefix, "content"))
            record.extras["content_rendering"] = "text"
        else:
            text, encoding, note = decode_buffer(buffer)
            buffer_length = len(buffer)
            record.put("script_text", text, _label(prefix, "content"))
            record.extras["content_rendering"] = rendering
            record.extras["content_encoding"] = encoding
            if note:
                record.notes.append(note)
        if record.script_text is None:
            # A buffer of zero bytes decodes to "", which put() skips, so it is set directly.
            record.script_text = ""
            record.sources["script_text"] = _label(prefix, "content")

    truncated = bool(filtered) or (content_size is not None and original_size is not None
                                   and content_size < original_size)
    if buffer_length is not None and content_size is not None and buffer_length < content_size:
        truncated = True
        record.notes.append(f"content holds {buffer_length} bytes but contentsize is "
                            f"{content_size}; the tool that rendered the event cut it short")
    if truncated:
        record.put("script_truncated", True, "contentFiltered or contentsize < originalsize")
        record.put("script_untruncated_size", original_size, _label(prefix, "originalsize"))
        if original_size is not None:
            record.script_size_unit = f"{encoding} bytes" if encoding else "bytes"
    for key, value in (("contentsize", content_size), ("originalsize", original_size),
                       ("contentFiltered", filtered)):
        if value is not None:
            record.extras[key] = value

    digest = _get(payload, "hash")
    if digest not in (None, "", []):
        value = hash_hex(digest)
        if value and len(value) == 64:
            basis = encoding or "unknown"
            record.put("script_hashes", [Hash(3, value, basis)], _label(prefix, "hash"))
        else:
            record.extras["hash"] = digest
            record.notes.append("hash is not a SHA-256 value; it was kept in unmapped")
    original_hash = _get(payload, "hashoriginalcontent")
    if original_hash not in (None, "", []):
        record.extras["hashoriginalcontent"] = hash_hex(original_hash) or original_hash


_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_SEPARATED_HEX = re.compile(r"[0-9a-fA-F]{2}(?:[-: ][0-9a-fA-F]{2})+")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def buffer_bytes(value) -> tuple[bytes | None, str]:
    """Return the buffer bytes of a rendered ``content`` value and the rendering's name.

    Return ``(None, "text")`` when the value is neither hex, base64 nor a byte
    array, which means the consumer already decoded the buffer to text.
    """
    if isinstance(value, list):
        if value and all(isinstance(item, int) and not isinstance(item, bool)
                         and 0 <= item <= 255 for item in value):
            return bytes(value), "byte array"
        return None, "text"
    if not isinstance(value, str):
        return None, "text"
    text = value.strip()
    if text[:2] in ("0x", "0X"):
        body = text[2:]
        if _HEX.fullmatch(body):
            return bytes.fromhex(body), "0x-prefixed hex"
        return None, "text"
    if _HEX.fullmatch(text):
        return bytes.fromhex(text), "hex"
    if _SEPARATED_HEX.fullmatch(text):
        return bytes.fromhex(re.sub(r"[-: ]", "", text)), "separated hex"
    if len(text) >= 4 and _BASE64.fullmatch(text):
        decoded = base64.b64decode(text, validate=True)
        # Plain words such as "Test" are valid base64 too, so base64 is accepted only
        # when the bytes decode cleanly in one of the two encodings.
        if _decode_strict(decoded) is not None:
            return decoded, "base64"
    return None, "text"


def _control_count(text: str) -> int:
    return sum(1 for char in text
               if char not in "\t\n\r\f" and unicodedata.category(char) == "Cc")


def _decode_strict(buffer: bytes) -> tuple[str, str] | None:
    """Decode as UTF-16LE or UTF-8, choosing the reading with fewer control characters.

    UTF-16LE needs an even byte count. A tie goes to UTF-8, because ASCII
    stored as UTF-16LE has a NUL every other byte, which UTF-8 reads as
    control characters, so a tie means that pattern is absent.
    """
    candidates = []
    if len(buffer) % 2 == 0:
        try:
            candidates.append((buffer.decode("utf-16-le"), "utf-16le"))
        except UnicodeDecodeError:
            pass
    try:
        candidates.append((buffer.decode("utf-8"), "utf-8"))
    except UnicodeDecodeError:
        pass
    if not candidates:
        return None
    best = min(candidates, key=lambda item: (_control_count(item[0]), item[1] == "utf-16le"))
    return best


def decode_buffer(buffer: bytes) -> tuple[str, str, str | None]:
    """Decode an AMSI buffer into (text, encoding, note about a lossy decode or None)."""
    if not buffer:
        return "", "utf-16le", None
    decoded = _decode_strict(buffer)
    if decoded is not None:
        text, encoding = decoded
        note = None
        if encoding == "utf-8":
            note = "content is not UTF-16LE text; it was decoded as UTF-8"
        return text, encoding, note
    if len(buffer) % 2 == 0:
        text = buffer.decode("utf-16-le", errors="replace")
        return text, "utf-16le", ("content is not valid UTF-16LE; invalid code units were "
                                  "replaced with U+FFFD")
    text = buffer.decode("utf-8", errors="replace")
    return text, "utf-8", ("content has an odd byte count and is not valid UTF-8; invalid bytes "
                           "were replaced with U+FFFD")


def hash_hex(value) -> str | None:
    """Return a rendered binary hash as lower-case hex, or None when it is not one."""
    if isinstance(value, list):
        if all(isinstance(item, int) and 0 <= item <= 255 for item in value):
            return bytes(value).hex()
        return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text[:2] in ("0x", "0X"):
        text = text[2:]
    compact = re.sub(r"[-: ]", "", text)
    if _HEX.fullmatch(compact):
        return compact.lower()
    if _BASE64.fullmatch(text):
        try:
            return base64.b64decode(text, validate=True).hex()
        except binascii.Error:
            return None
    return None


def host_from_appname(appname: str) -> tuple[str | None, str | None]:
    """Split ``PowerShell_<host path>_<version>`` into (host path, version).

    The split is on the last underscore because host paths may contain
    underscores. Other engine names (``JScript``, ``VBScript``…) name no host.
    """
    match = re.match(r"(?i)^powershell_(.+)$", appname.strip())
    if not match:
        return None, None
    rest = match.group(1)
    path, separator, version = rest.rpartition("_")
    if not separator or not re.fullmatch(r"\d+(?:\.\d+)*", version):
        return rest, None
    return path, version


def looks_like_path(name: str) -> bool:
    """Tell a file path (``C:\\…``, ``\\\\server\\…``, ``/…``) from a URL or a bare label."""
    text = name.strip()
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        return False
    return bool(re.match(r"^[A-Za-z]:[\\/]", text)) or text.startswith(("\\", "/")) \
        or "\\" in text or "/" in text


_FILETIME_EPOCH_OFFSET = 116444736000000000  # 100 ns intervals from 1601-01-01 to 1970-01-01


def time_to_ms(value) -> tuple[int, bool]:
    """Parse an ETW header time into (epoch ms, whether the zone was given).

    Accept ISO 8601 strings, .NET ``/Date(ms)/`` strings, FILETIME integers
    (100 ns since 1601) and epoch integers in seconds or milliseconds. Raise
    :class:`ValueError` for any other value and for times outside years 1 to 9999.
    """
    if isinstance(value, bool):
        raise ValueError(f"invalid time {value!r}")
    if isinstance(value, (int, float)) or (isinstance(value, str)
                                           and re.fullmatch(r"\d+", value.strip())):
        number = int(value)
        if number > 10 ** 16:
            return check_range((number - _FILETIME_EPOCH_OFFSET) // 10000, value), True
        if number > 10 ** 11:
            return check_range(number, value), True
        return check_range(number * 1000, value), True
    if not isinstance(value, str):
        raise ValueError(f"invalid time {value!r}")
    dotnet = re.fullmatch(r"/Date\((-?\d+)([+-]\d{4})?\)/", value.strip())
    if dotnet:
        return check_range(int(dotnet.group(1)), value), True
    return iso_to_ms(value)

