"""SentinelOne Deep Visibility "Command Script" events (Cloud Funnel, SDL and PowerQuery exports).

The events are flat objects with dotted keys (``"src.process.pid": 7740``).
Nested objects are accepted too and flattened to the same dotted keys. Key
spelling varies between export paths (``src.process.Storyline™.id`` beside
``src.process.storyline.id``), so keys are matched case-insensitively and
with ``™`` removed. Events of other types in the same batch are skipped.

On Windows the script text comes from AMSI: ``cmdScript.sha256`` is the
SHA-256 of the UTF-16LE bytes of the full script and ``cmdScript.originalSize``
is its UTF-16LE byte count. The ``timestamp`` field is a time of day only
(``"21:08:14.118"``), so the event time is always ``event.time``.
"""

from __future__ import annotations

import re

from .. import InputError, Match, Source
from ..language import from_command_line, from_engine, from_image, from_text, infer
from ..record import Hash, ScriptExecution
from ..timeparse import epoch_to_ms, iso_to_ms

FORMAT_ID = "sentinelone_dv"
TITLE = "SentinelOne Deep Visibility Command Script"
ORDER = 45
SCRIPT_EVENT_TYPES = {"command script", "commandscript"}

FIELDS = [
    ("event.time (epoch milliseconds)", "time"),
    ("sca:atlantisIngestTime / sca:ingestTime", "logged_time"),
    ("endpoint.name", "device_hostname"),
    ("agent.uuid", "device_uid"),
    ("src.process.user (DOMAIN\\user)", "user_name"),
    ("src.process.user (DOMAIN\\user)", "user_domain"),
    ("src.process.pid", "process_pid"),
    ("src.process.uid", "process_uid"),
    ("src.process.name", "process_name"),
    ("src.process.image.path", "process_path"),
    ("src.process.cmdline", "process_cmd_line"),
    ("src.process.startTime", "process_created_time"),
    ("src.process.parent.pid", "parent_pid"),
    ("src.process.parent.uid", "parent_uid"),
    ("src.process.parent.name", "parent_name"),
    ("src.process.parent.image.path", "parent_path"),
    ("src.process.parent.cmdline", "parent_cmd_line"),
    ("cmdScript.content", "script_text"),
    ("cmdScript.applicationName, src.process.name or text", "script_type"),
    ("cmdScript.sha256", "script_hashes"),
    ("cmdScript.isComplete = false", "script_truncated"),
    ("cmdScript.originalSize", "script_untruncated_size"),
    ("event.id", "event_uid"),
    ("src.process.storyline.id", "correlation_uid"),
]

_OS_NAMES = {"windows": "windows", "linux": "linux", "osx": "macos", "macos": "macos"}
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def normalize_key(key: str) -> str:
    """Return the matching form of a key: lower case, with ``™`` and ``(TM)`` removed."""
    return key.replace("\u2122", "").replace("(TM)", "").replace("(tm)", "").lower()


def _flatten(value: dict, prefix: str = "") -> dict:
    flat = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict) and item:
            flat.update(_flatten(item, f"{name}."))
        else:
            flat[name] = item
    return flat


class Event:
    """One flattened event with case- and ``™``-insensitive key lookup."""

    def __init__(self, value: dict):
        self.fields = _flatten(value)
        self._keys = {}
        for key in self.fields:
            self._keys.setdefault(normalize_key(key), key)
        self.used: set[str] = set()

    def key(self, name: str) -> str | None:
        """Return the key as spelled in the event, or None when absent."""
        return self._keys.get(normalize_key(name))

    def get(self, name: str):
        key = self.key(name)
        if key is None:
            return None
        self.used.add(key)
        return self.fields[key]

    def text(self, name: str) -> str | None:
        value = self.get(name)
        if value is None or isinstance(value, (dict, list)):
            return None
        text = value if isinstance(value, str) else str(value)
        return text if text.strip() else None

    def integer(self, name: str) -> int | None:
        value = self.get(name)
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int):
            return value
        text = str(value).strip()
        # 20 digits hold any 64-bit value, and int() rejects over 4300 digits by default.
        return int(text) if re.fullmatch(r"\d{1,20}", text) else None

    def label(self, name: str) -> str:
        return self.key(name) or name

    def has_script_keys(self) -> bool:
        return any(key.startswith("cmdscript.") for key in self._keys)

    def is_script_event(self) -> bool:
        kind = self.fields.get(self.key("event.type") or "")
        return isinstance(kind, str) and kind.strip().lower() in SCRIPT_EVENT_TYPES


def _events(source: Source) -> list[tuple[int, Event, int]]:
    return [(index, Event(event), line) for index, event, line in source.objects()]


def detect(source: Source) -> Match | None:
    best = None
    for _, event, _ in _events(source):
        if not (event.has_script_keys() or event.is_script_event()):
            continue
        has_content = event.key("cmdScript.content") is not None
        missing = [] if has_content or (event.is_script_event() and event.has_script_keys()) \
            else ["cmdScript.content"]
        if best is None or len(missing) < len(best):
            best = missing
    if best is None:
        return None
    return Match(1.5 - 0.5 * len(best), best)


def parse(source: Source) -> list[ScriptExecution]:
    records = []
    skipped = []
    for index, event, line in _events(source):
        if not (event.has_script_keys() or event.is_script_event()):
            skipped.append(event.text("event.type") or "(no event.type)")
            continue
        record = _record(event)
        record.index, record.line = index, line
        records.append(record)
    if not records and skipped:
        raise InputError("no SentinelOne event is a Command Script event "
                         f"(found {', '.join(sorted(set(skipped)))})")
    return records


def _milliseconds(event: Event, name: str, unit: str = "ms") -> int | None:
    """Read an epoch number (in ``unit``) or an ISO 8601 string as epoch ms."""
    value = event.get(name)
    if value is None or value == "" or isinstance(value, bool):
        return None
    text = str(value).strip()
    try:
        if _NUMBER.fullmatch(text):
            return epoch_to_ms(text, unit)
        return iso_to_ms(text)[0]
    except ValueError as error:
        raise InputError(f"invalid {event.label(name)}: {error}") from None


def _record(event: Event) -> ScriptExecution:
    record = ScriptExecution(format_id=FORMAT_ID, product_name="SentinelOne Deep Visibility",
                             vendor_name="SentinelOne")
    record.put("time", _milliseconds(event, "event.time"), event.label("event.time"))
    if record.time is None:
        record.notes.append("event.time is missing; the time-of-day 'timestamp' field cannot "
                            "stand in for it")
    for name, unit in (("sca:atlantisIngestTime", "ms"), ("sca:ingestTime", "s")):
        if event.key(name):
            record.put("logged_time", _milliseconds(event, name, unit), event.label(name))
            break

    record.put("device_hostname", event.text("endpoint.name"), event.label("endpoint.name"))
    record.put("device_uid", event.text("agent.uuid"), event.label("agent.uuid"))
    os_name = (event.text("endpoint.os") or "").strip().lower()
    record.device_os = _OS_NAMES.get(os_name)
    record.put("event_uid", event.text("event.id"), event.label("event.id"))
    record.put("correlation_uid", event.text("src.process.storyline.id"),
               event.label("src.process.storyline.id"))

    _user(event, record)
    _processes(event, record)
    _script(event, record)

    application = event.text("cmdScript.applicationName")
    record.script_type = infer(
        from_engine(application),
        from_image(record.process_name),
        from_image(record.process_path),
        from_command_line(record.process_cmd_line),
        from_text(record.script_text),
    )
    record.sources["script_type"] = record.script_type.evidence

    for key, value in event.fields.items():
        if key not in event.used and value not in (None, "", [], {}):
            record.extras[key] = value
    if application:
        record.extras[event.label("cmdScript.applicationName")] = application
    if os_name and record.device_os:
        record.extras[event.label("endpoint.os")] = event.get("endpoint.os")
    return record


def split_account(account: str | None) -> tuple[str | None, str | None]:
    """Split ``DOMAIN\\user`` into (domain, user), or (None, account) when no domain is given."""
    if not account:
        return None, None
    if "\\" in account:
        domain, _, user = account.partition("\\")
        return domain or None, user or None
    return None, account


def _user(event: Event, record: ScriptExecution) -> None:
    label = event.label("src.process.user")
    domain, user = split_account(event.text("src.process.user"))
    record.put("user_domain", domain, label)
    record.put("user_name", user, label)


def _processes(event: Event, record: ScriptExecution) -> None:
    for fact, name in (("process_pid", "src.process.pid"),
                       ("parent_pid", "src.process.parent.pid")):
        record.put(fact, event.integer(name), event.label(name))
    for fact, name in (("process_uid", "src.process.uid"),
                       ("process_name", "src.process.name"),
                       ("process_path", "src.process.image.path"),
                       ("process_cmd_line", "src.process.cmdline"),
                       ("parent_uid", "src.process.parent.uid"),
                       ("parent_name", "src.process.parent.name"),
                       ("parent_path", "src.process.parent.image.path"),
                       ("parent_cmd_line", "src.process.parent.cmdline")):
        record.put(fact, event.text(name), event.label(name))
    record.put("process_created_time", _milliseconds(event, "src.process.startTime"),
               event.label("src.process.startTime"))
    record.parent_created_time = _milliseconds(event, "src.process.parent.startTime")
    for name, algorithm in (("src.process.image.sha256", 3), ("src.process.image.sha1", 2),
                            ("src.process.image.md5", 1)):
        value = event.text(name)
        if value:
            record.process_hashes.append(Hash(algorithm, value.strip().lower(), "file"))


def _script(event: Event, record: ScriptExecution) -> None:
    content = event.get("cmdScript.content")
    if isinstance(content, str):
        record.put("script_text", content, event.label("cmdScript.content"))
    complete = event.get("cmdScript.isComplete")
    if isinstance(complete, str):
        complete = {"true": True, "false": False}.get(complete.strip().lower())
    if complete is False:
        record.put("script_truncated", True, event.label("cmdScript.isComplete"))
        record.put("script_untruncated_size", event.integer("cmdScript.originalSize"),
                   event.label("cmdScript.originalSize"))
        if record.script_untruncated_size is not None:
            record.script_size_unit = "utf-16le bytes"
    elif complete is None and event.key("cmdScript.isComplete"):
        record.extras[event.label("cmdScript.isComplete")] = event.get("cmdScript.isComplete")
    size = event.get("cmdScript.originalSize")
    if size not in (None, "") and not record.script_truncated:
        record.extras[event.label("cmdScript.originalSize")] = size

    digest = event.text("cmdScript.sha256")
    if digest:
        digest = digest.strip().lower()
        if re.fullmatch(r"[0-9a-f]{64}", digest):
            record.put("script_hashes", [Hash(3, digest, "utf-16le")],
                       event.label("cmdScript.sha256"))
        else:
            record.extras[event.label("cmdScript.sha256")] = digest
            record.notes.append("cmdScript.sha256 is not a SHA-256 value; it was kept in "
                                "unmapped")
