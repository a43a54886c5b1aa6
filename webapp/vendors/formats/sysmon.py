"""Sysmon Event ID 1 (process creation) events.

Every carrier is recognized from content. Windows event XML comes from Event
Viewer, ``Get-WinEvent … ToXml()`` or ``wevtutil qe /f:xml``, as one or several
``<Event>`` elements with or without an ``<Events>`` root. The JSON carriers are
Winlogbeat / Elastic Agent (``winlog.event_data``, with ECS ``process.*`` as
fallback), evtx_dump (``Event.System`` / ``Event.EventData``) and flat NXLog.
Only events whose provider is Microsoft-Windows-Sysmon with Event ID 1 are claimed.

XML is parsed with defusedxml and any DTD is rejected, so entity expansion
("billion laughs") and external entities never run.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from .. import InputError, Match, Source, unwrap_search_hits
from ..record import Hash, ScriptExecution
from ..timeparse import iso_to_ms
from .launch_support import apply_launch_script, inspect_launch, split_windows_command_line

FORMAT_ID = "sysmon_process_create"
TITLE = "Sysmon Event ID 1 (process creation)"
ORDER = 40
# Process launches: Process Activity keeps the real command line.
GRANULARITY = "process"
PROVIDER = "Microsoft-Windows-Sysmon"
PROCESS_CREATE = 1
EVENT_NAMESPACE = "{http://schemas.microsoft.com/win/2004/08/events/event}"

FIELDS = [
    ("UtcTime", "time"),
    ("System/TimeCreated/@SystemTime", "logged_time"),
    ("System/Computer", "device_hostname"),
    ("User (DOMAIN\\user)", "user_name"),
    ("User (DOMAIN\\user)", "user_domain"),
    ("ProcessId", "process_pid"),
    ("ProcessGuid", "process_uid"),
    ("Image", "process_path"),
    ("CommandLine", "process_cmd_line"),
    ("UtcTime", "process_created_time"),
    ("ParentProcessId", "parent_pid"),
    ("ParentProcessGuid", "parent_uid"),
    ("ParentImage", "parent_path"),
    ("ParentCommandLine", "parent_cmd_line"),
    ("CommandLine -EncodedCommand / -Command", "script_text"),
    ("CommandLine script argument (-File x.ps1, x.vbs…)", "script_path"),
    ("Image", "script_type"),
    ("System/EventRecordID", "event_uid"),
]

# EventData names mapped to record facts, with the ECS field Winlogbeat copies them to.
_ECS_FALLBACK = {
    "ProcessId": "process.pid",
    "ProcessGuid": "process.entity_id",
    "Image": "process.executable",
    "CommandLine": "process.command_line",
    "CurrentDirectory": "process.working_directory",
    "ParentProcessId": "process.parent.pid",
    "ParentProcessGuid": "process.parent.entity_id",
    "ParentImage": "process.parent.executable",
    "ParentCommandLine": "process.parent.command_line",
}
# EventData kept verbatim in ``unmapped``.
_EXTRA_FIELDS = ("RuleName", "CurrentDirectory", "IntegrityLevel", "LogonId", "LogonGuid",
                 "TerminalSessionId", "OriginalFileName", "FileVersion", "Description", "Product",
                 "Company", "ParentUser")
_HASH_ALGORITHMS = {"MD5": 1, "SHA1": 2, "SHA256": 3}

# Inside a tag the scans stop at "<" as well as ">", because "<" cannot occur in a
# well-formed tag. Stopping only at ">" would let every unclosed "<Provider" scan to
# the end of the text, which is quadratic on input that repeats it.
_PROVIDER_XML = re.compile(r"<(?:\w+:)?Provider\b[^<>]*\bName\s*=\s*['\"]" + PROVIDER + r"['\"]",
                           re.IGNORECASE)
_EVENT_ID_XML = re.compile(r"<(?:\w+:)?EventID\b[^<>]*>\s*(\d+)\s*<")
_XML_DECLARATION = re.compile(r"<\?xml[^<>]*\?>")
_EVENT_START = re.compile(r"<(?:\w+:)?Event[\s>]")


class _SysmonEvent:
    """One Windows event, whatever carried it, with its EventData as a flat dict."""

    def __init__(self, shape: str, provider: str | None, event_id: Any, data: dict,
                 line: int | None, prefix: str):
        self.shape = shape
        self.provider = provider
        self.event_id = _event_id(event_id)
        self.data = data
        self.line = line
        self.prefix = prefix  # how source labels name an EventData field, e.g. "winlog.event_data."
        self.computer: str | None = None
        self.computer_label = "System/Computer"
        self.record_id: str | None = None
        self.record_id_label = "System/EventRecordID"
        self.system_time: str | None = None
        self.system_time_label = ""
        self.ecs: dict = {}

    @property
    def is_sysmon(self) -> bool:
        return (self.provider or "").lower() == PROVIDER.lower()


def _event_id(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("#text")
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def detect(source: Source) -> Match | None:
    if source.json_values is not None:
        events = _json_events(source)
        if not any(event.is_sysmon for event in events):
            return None
    else:
        text = source.text.lstrip()
        if not text.startswith("<") or not _PROVIDER_XML.search(text):
            return None
        # Provider and EventID are close together in each <System>, so a coarse scan suffices.
        events = [_SysmonEvent("Windows event XML", PROVIDER, match.group(1), {}, None, "")
                  for match in _EVENT_ID_XML.finditer(text)]
    if any(event.is_sysmon and event.event_id == PROCESS_CREATE for event in events):
        return Match(1.5)
    return Match(0.5, ["EventID 1 (process creation)"])


def parse(source: Source) -> list[ScriptExecution]:
    if source.json_values is not None:
        events = _json_events(source)
    else:
        events = _xml_events(source.text)
    records = []
    skipped = set()
    for index, event in enumerate(events):
        if not event.is_sysmon or event.event_id != PROCESS_CREATE:
            skipped.add(f"{event.provider or 'unknown provider'} {event.event_id}")
            continue
        record = _record(event)
        record.index, record.line = index, event.line
        records.append(record)
    if not records and skipped:
        raise InputError("no event is Sysmon Event ID 1 (process creation); found "
                         + ", ".join(sorted(skipped)))
    return records


# --- Windows event XML ---------------------------------------------------------------


def _xml_events(text: str) -> list[_SysmonEvent]:
    # Blank out XML declarations instead of deleting them so error positions stay right.
    cleaned = _XML_DECLARATION.sub(lambda match: " " * len(match.group(0)), text)
    root = _parse_xml(cleaned)
    # Count line breaks from one start to the next, not from the top each time.
    starts = []
    line, counted_to = 1, 0
    for match in _EVENT_START.finditer(text):
        line += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        starts.append(line)
    events = []
    for position, element in enumerate(_event_elements(root)):
        line = starts[position] if position < len(starts) else None
        events.append(_from_xml(element, line))
    return events


def _parse_xml(text: str) -> Element:
    try:
        return SafeElementTree.fromstring(text, forbid_dtd=True)
    except DefusedXmlException:
        raise InputError("the XML declares a DTD or entities, which Windows event XML never "
                         "contains; it was rejected without expanding them") from None
    except ParseError as error:
        if "junk after document element" not in str(error):
            raise _xml_input_error(error, 0) from None
    # Several top-level <Event> elements (ToXml output joined together) need a common root.
    try:
        return SafeElementTree.fromstring("<Events>" + text + "</Events>", forbid_dtd=True)
    except DefusedXmlException:
        raise InputError("the XML declares a DTD or entities, which Windows event XML never "
                         "contains; it was rejected without expanding them") from None
    except ParseError as error:
        raise _xml_input_error(error, len("<Events>")) from None


def _xml_input_error(error: ParseError, first_line_shift: int) -> InputError:
    line, column = error.position
    if line == 1:
        column -= first_line_shift
    message = re.sub(r":\s*line \d+, column \d+$", "", str(error))
    return InputError(f"invalid XML: {message}", line, max(column, 0) + 1)


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _event_elements(root: Element) -> list[Element]:
    if _local_name(root.tag) == "Event":
        return [root]
    return [element for element in root.iter() if _local_name(element.tag) == "Event"]


def _child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    for child in element:
        if _local_name(child.tag) == name:
            return child
    return None


def _from_xml(element: Element, line: int | None) -> _SysmonEvent:
    system = _child(element, "System")
    provider = _child(system, "Provider")
    data = {}
    event_data = _child(element, "EventData")
    for item in event_data if event_data is not None else []:
        name = item.get("Name")
        if _local_name(item.tag) == "Data" and name:
            data[name] = item.text or ""
    provider_name = provider.get("Name") if provider is not None else None
    event = _SysmonEvent("Windows event XML", provider_name, _text(_child(system, "EventID")),
                         data, line, "")
    event.computer = _text(_child(system, "Computer"))
    event.record_id = _text(_child(system, "EventRecordID"))
    created = _child(system, "TimeCreated")
    event.system_time = created.get("SystemTime") if created is not None else None
    event.system_time_label = "System/TimeCreated/@SystemTime"
    return event


def _text(element: Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


# --- JSON carriers -------------------------------------------------------------------


def _json_events(source: Source) -> list[_SysmonEvent]:
    events = []
    for value in source.json_values or []:
        line = source.line_of(value)
        for item in unwrap_search_hits(value.value):
            event = _from_json(item, line)
            if event is not None:
                events.append(event)
    return events



def _from_json(item: dict, line: int) -> _SysmonEvent | None:
    winlog = item.get("winlog")
    if isinstance(winlog, dict):
        data = winlog.get("event_data") if isinstance(winlog.get("event_data"), dict) else {}
        event = _SysmonEvent("Winlogbeat JSON", winlog.get("provider_name"), winlog.get("event_id"),
                             data, line, "winlog.event_data.")
        event.computer = winlog.get("computer_name")
        event.computer_label = "winlog.computer_name"
        if not event.computer:
            event.computer, event.computer_label = _dig(item, "host.name"), "host.name"
        event.record_id = winlog.get("record_id")
        event.record_id_label = "winlog.record_id"
        event.system_time = item.get("@timestamp")
        event.system_time_label = "@timestamp"
        event.ecs = item
        return event
    wrapped = item.get("Event")
    if isinstance(wrapped, dict) and isinstance(wrapped.get("System"), dict):
        system = wrapped["System"]
        provider = system.get("Provider")
        name = provider.get("#attributes", {}).get("Name") if isinstance(provider, dict) else None
        data = wrapped.get("EventData") if isinstance(wrapped.get("EventData"), dict) else {}
        event = _SysmonEvent("evtx_dump JSON", name, system.get("EventID"), data, line,
                             "Event.EventData.")
        event.computer = system.get("Computer")
        event.computer_label = "Event.System.Computer"
        event.record_id = system.get("EventRecordID")
        event.record_id_label = "Event.System.EventRecordID"
        created = system.get("TimeCreated")
        if isinstance(created, dict):
            event.system_time = created.get("#attributes", {}).get("SystemTime")
        event.system_time_label = "Event.System.TimeCreated.SystemTime"
        return event
    provider = item.get("SourceName") or item.get("ProviderName")
    if provider is not None and "EventID" in item:
        event = _SysmonEvent("NXLog JSON", provider, item.get("EventID"), item, line, "")
        event.computer, event.computer_label = item.get("Hostname"), "Hostname"
        event.record_id, event.record_id_label = item.get("RecordNumber"), "RecordNumber"
        return event
    return None


def _dig(item: dict, path: str) -> Any:
    """Read a dotted ECS path from nested objects or from a flattened ``"a.b"`` key."""
    if path in item:
        return item[path]
    head, _, rest = path.partition(".")
    value = item.get(head)
    if rest and isinstance(value, dict):
        return _dig(value, rest)
    return None if rest else value


# --- Record ---------------------------------------------------------------------------


def _field(event: _SysmonEvent, name: str) -> tuple[str | None, str]:
    """Return an EventData value as text and its source label, trying ECS when it is absent."""
    value = event.data.get(name)
    label = event.prefix + name
    if (value is None or value == "") and name in _ECS_FALLBACK and event.ecs:
        value = _dig(event.ecs, _ECS_FALLBACK[name])
        label = _ECS_FALLBACK[name]
    if value is None or isinstance(value, (dict, list)):
        return None, label
    text = str(value).strip()
    return (text or None), label


def _integer(event: _SysmonEvent, name: str) -> tuple[int | None, str]:
    value, label = _field(event, name)
    if value is None:
        return None, label
    try:
        number = int(value, 0)
    except ValueError:
        raise InputError(f"{label} {value!r} is not a process ID") from None
    if number.bit_length() > 64:
        raise InputError(f"{label} {value!r} is not a process ID: it does not fit in 64 bits")
    return number, label


def _time(value: str, label: str) -> int:
    try:
        millis, _ = iso_to_ms(value)
    except ValueError as error:
        raise InputError(f"{label}: {error}") from None
    return millis


def _record(event: _SysmonEvent) -> ScriptExecution:
    record = ScriptExecution(format_id=FORMAT_ID, product_name="Sysmon", vendor_name="Microsoft")
    record.granularity = "process"
    record.device_os = "windows"
    record.extras["shape"] = event.shape

    utc_time, label = _field(event, "UtcTime")
    if utc_time:
        # Sysmon writes UtcTime in UTC without a zone suffix.
        millis = _time(utc_time, label)
        record.put("time", millis, label)
        record.put("process_created_time", millis, label)
    elif event.system_time:
        record.put("time", _time(event.system_time, event.system_time_label),
                   event.system_time_label)
        record.notes.append(f"UtcTime is missing; the event time is {event.system_time_label}")
    if event.system_time and utc_time:
        record.put("logged_time", _time(event.system_time, event.system_time_label),
                   event.system_time_label)

    record.put("device_hostname", event.computer, event.computer_label)
    record.put("event_uid", str(event.record_id) if event.record_id is not None else None,
               event.record_id_label)
    _put_user(record, event)

    for fact, name in (("process_pid", "ProcessId"), ("parent_pid", "ParentProcessId")):
        value, label = _integer(event, name)
        record.put(fact, value, label)
    for fact, name in (("process_uid", "ProcessGuid"), ("process_path", "Image"),
                       ("process_cmd_line", "CommandLine"), ("parent_uid", "ParentProcessGuid"),
                       ("parent_path", "ParentImage"), ("parent_cmd_line", "ParentCommandLine")):
        value, label = _field(event, name)
        record.put(fact, value, label)
    _put_hashes(record, event)

    for name in _EXTRA_FIELDS:
        value, _ = _field(event, name)
        if value and value != "-":
            record.extras[name] = value

    cwd, _ = _field(event, "CurrentDirectory")
    arguments = split_windows_command_line(record.process_cmd_line or "")
    found = inspect_launch(arguments, record.process_path, cwd=cwd, windows=True)
    _, command_line_label = _field(event, "CommandLine")
    apply_launch_script(record, found, command_line_label, "Sysmon process-creation")
    return record


def _put_user(record: ScriptExecution, event: _SysmonEvent) -> None:
    user, label = _field(event, "User")
    if user:
        domain, separator, name = user.rpartition("\\")
        record.put("user_name", name if separator else user, label)
        record.put("user_domain", domain if separator else None, label)
    elif event.ecs:
        record.put("user_name", _dig(event.ecs, "user.name"), "user.name")
        record.put("user_domain", _dig(event.ecs, "user.domain"), "user.domain")


def _put_hashes(record: ScriptExecution, event: _SysmonEvent) -> None:
    hashes, label = _field(event, "Hashes")
    if hashes:
        for part in hashes.split(","):
            algorithm, _, value = part.partition("=")
            algorithm, value = algorithm.strip().upper(), value.strip().lower()
            if not value:
                continue
            if algorithm in _HASH_ALGORITHMS:
                record.process_hashes.append(Hash(_HASH_ALGORITHMS[algorithm], value, "file"))
            else:
                record.extras[algorithm] = value  # IMPHASH is not a hash of the file bytes
        if record.process_hashes:
            record.sources["process_hashes"] = label
        return
    if event.ecs:
        for algorithm, algorithm_id in (("sha256", 3), ("sha1", 2), ("md5", 1)):
            value = _dig(event.ecs, f"process.hash.{algorithm}")
            if isinstance(value, str) and value:
                record.process_hashes.append(Hash(algorithm_id, value.lower(), "file"))
        if record.process_hashes:
            record.sources["process_hashes"] = "process.hash.*"
