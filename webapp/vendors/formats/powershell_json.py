"""Windows PowerShell Operational events 4104 and 4103 as JSON.

Shapes accepted, all recognized from content:

* Winlogbeat / Elastic Agent ECS documents (``powershell.file.*``,
  ``winlog.*``), also inside an Elasticsearch ``_source`` or ``hits.hits``
  search response, and older Winlogbeat documents with raw ``winlog.event_data``;
* NXLog ``im_msvistalog`` JSON (flat keys), one object per line, each line
  possibly prefixed by a syslog header such as ``<14>Dec 13 17:45:02 host tag:``;
* OTRF Security-Datasets lines (NXLog shipped through Logstash with
  ``tags: ["mordorDataset"]``), whose UTC ``@timestamp`` is used because
  their ``EventTime`` is the collector's local time;
* evtx_dump / evtx-rs JSON (``Event.System`` with ``#attributes``, or with
  ``<element>_attributes`` objects from ``--separate-json-attributes``), with
  or without the ``Record <n>`` line it prints before each record.

The rendered ``message``/``Message`` text repeats the event data, so it is
not copied to unmapped.
"""

from __future__ import annotations

import re
from typing import Any

from webapp.conformance.jsontext import JsonInputError, TextIndex, parse_values

from .. import InputError, Match, Source, closest_match, unwrap_search_hits
from ..record import ScriptExecution
from ..timeparse import iso_to_ms
from .powershell_common import (
    SCRIPT_BLOCK_EVENT, SCRIPT_EVENTS, OperationalEvent, build_records, is_powershell_provider,
    level_number, rebuild_payload, system_event, to_int,
)

FORMAT_ID = "powershell_json"
TITLE = "Windows PowerShell Operational 4104/4103 (Winlogbeat, NXLog, evtx_dump JSON)"
ORDER = 20

FIELDS = [
    ("@timestamp (ECS, OTRF) / EventTime (NXLog) / Event.System.TimeCreated SystemTime",
     "time"),
    ("event.created (ECS) / @timestamp (NXLog via Logstash) / latest part of a split block",
     "logged_time"),
    ("winlog.computer_name / Hostname / Event.System.Computer", "device_hostname"),
    ("winlog.user.identifier / UserID / Event.System.Security UserID", "user_uid"),
    ("winlog.user.name / AccountName / ContextInfo User (4103)", "user_name"),
    ("winlog.user.domain / Domain / ContextInfo User (4103)", "user_domain"),
    ("winlog.process.pid / ExecutionProcessID / Event.System.Execution ProcessID",
     "process_pid"),
    ("process.command_line / ContextInfo Host Application (4103)", "process_cmd_line"),
    ("powershell.file.script_block_text / ScriptBlockText parts joined by MessageNumber; "
     "Payload (4103)", "script_text"),
    ("powershell.file.script_block_id / ScriptBlockId", "script_uid"),
    ("file.path / Path; ContextInfo Script Name (4103)", "script_path"),
    ("file name of that path", "script_name"),
    ("event 4104 or 4103 of the PowerShell provider", "script_type"),
    ("MessageNumber gaps", "script_truncated"),
    ("computer + record id, or ScriptBlockId of a split block", "event_uid"),
    ("powershell.runspace_id + '/' + powershell.pipeline_id / ContextInfo (4103)",
     "correlation_uid"),
    ("log.level / EventType / Event.System.Level", "severity"),
]

SHAPE_ECS = "Winlogbeat ECS"
SHAPE_NXLOG = "NXLog JSON"
SHAPE_OTRF = "OTRF Security-Datasets (NXLog through Logstash)"
SHAPE_EVTX_DUMP = "evtx_dump JSON"
_NXLOG_KEYS = ("SourceModuleType", "SourceName", "EventReceivedTime", "ProviderGuid",
               "Hostname")
_RENDERED_MESSAGES = {"message", "Message", "event.original"}

# A syslog header before a JSON object: "<14>Dec 13 17:45:02 host tag: {...}".
_SYSLOG_PREFIX = re.compile(r"^[ \t]*<\d{1,3}>[^{\n]*?(?=\{)", re.MULTILINE)
# The line evtx_dump prints before each record in its default JSON output.
_RECORD_HEADER = re.compile(r"^Record \d+[ \t]*\r?$", re.MULTILINE)


class FlatFields:
    """A JSON object seen as dotted keys, remembering which keys were read."""

    def __init__(self, document: dict):
        self.values: dict[str, Any] = {}
        self._flatten(document, "")
        self.used: set[str] = set()

    def _flatten(self, value: dict, prefix: str) -> None:
        for key, item in value.items():
            name = f"{prefix}{key}"
            if isinstance(item, dict) and item:
                self._flatten(item, f"{name}.")
            else:
                self.values[name] = item

    def first(self, *keys: str) -> tuple[Any, str]:
        """Return (value, key) of the first key present with a value, else (None, first key)."""
        for key in keys:
            value = self.values.get(key)
            if value is not None:
                self.used.add(key)
                return value, key
        return None, keys[0]

    def unused(self) -> dict[str, Any]:
        return {key: value for key, value in self.values.items()
                if key not in self.used and key not in _RENDERED_MESSAGES
                and value not in (None, "", [], {})}


def _strip_prefixes(text: str) -> str:
    """Blank syslog headers and evtx_dump record lines, keeping every offset."""
    def spaces(match: re.Match) -> str:
        return re.sub(r"[^\r\n]", " ", match.group())

    return _RECORD_HEADER.sub(spaces, _SYSLOG_PREFIX.sub(spaces, text))


def located_documents(source: Source) -> list[tuple[dict, int]]:
    """Return every JSON object of the input with its line, after unwrapping envelopes.

    Raise :class:`InputError` when the text is not JSON even after removing
    syslog and evtx_dump line prefixes.
    """
    values = source.json_values
    text = source.text
    if values is None:
        cleaned = _strip_prefixes(text)
        if cleaned == text and source.json_error is not None:
            error = source.json_error
            raise InputError(f"invalid JSON: {error.reason}", error.line, error.column)
        if not cleaned.lstrip().startswith(("{", "[")):
            raise InputError("the input is not JSON: it does not start with '{' or '[' after "
                             "any syslog header")
        try:
            values = parse_values(cleaned)
        except JsonInputError as error:
            raise InputError(f"invalid JSON: {error.reason}", error.line, error.column) from None
    documents = []
    index = TextIndex(text)
    for value in values:
        line = index.line_column(value.offset)[0]
        documents.extend((document, line) for document in unwrap_search_hits(value.value))
    return documents



def shape_of(document: dict) -> str | None:
    event = document.get("Event")
    if isinstance(event, dict) and isinstance(event.get("System"), dict):
        return SHAPE_EVTX_DUMP
    if isinstance(document.get("winlog"), dict) or isinstance(document.get("powershell"), dict):
        return SHAPE_ECS
    if any(key.startswith(("winlog.", "powershell.")) for key in document):
        return SHAPE_ECS  # the same fields flattened into dotted keys
    if "EventID" in document and any(key in document for key in _NXLOG_KEYS):
        tags = document.get("tags")
        if isinstance(tags, list) and "mordorDataset" in tags:
            return SHAPE_OTRF
        return SHAPE_NXLOG
    return None


def detect(source: Source) -> Match | None:
    try:
        documents = located_documents(source)
    except InputError:
        return None
    candidates: list[list[str]] = []
    for document, line in documents:
        shape = shape_of(document)
        if shape is None:
            continue
        try:
            event = read_document(document, shape, line)
        except InputError:
            continue
        missing = []
        has_text = any(name in event.data for name in ("ScriptBlockText", "Payload",
                                                       "ContextInfo"))
        if not (is_powershell_provider(event.provider) or (event.provider is None and has_text)):
            missing.append("provider Microsoft-Windows-PowerShell")
        if event.event_id not in SCRIPT_EVENTS:
            missing.append("EventID 4104 or 4103")
        candidates.append(missing)
    return closest_match(candidates, penalty=1 / 3)


def parse(source: Source) -> list[ScriptExecution]:
    events = []
    for document, line in located_documents(source):
        shape = shape_of(document)
        if shape is None:
            continue
        event = read_document(document, shape, line)
        event.index = len(events)
        events.append(event)
    if not events:
        raise InputError("no Windows event found: expected Winlogbeat ECS (winlog.*), NXLog "
                         "(EventID, SourceName) or evtx_dump (Event.System) JSON objects")
    return build_records(events, FORMAT_ID)


def read_document(document: dict, shape: str, line: int) -> OperationalEvent:
    if shape == SHAPE_EVTX_DUMP:
        return _evtx_dump_event(document["Event"], line)
    if shape == SHAPE_ECS:
        return _ecs_event(document, line)
    return _nxlog_event(document, shape, line)


def _put_time(event: OperationalEvent, value: Any, label: str, attribute: str = "time") -> None:
    if value in (None, ""):
        return
    try:
        millis, zone_known = iso_to_ms(str(value))
    except ValueError as error:
        raise InputError(f"{label}: {error}", event.line) from None
    event.fill(attribute, millis, label)
    if not zone_known and attribute == "time":
        event.time_zone_known = False
        event.notes.append(f"{label} {value!r} has no time zone (NXLog writes the collector's "
                           "local time); it was read as UTC")


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _ecs_event(document: dict, line: int) -> OperationalEvent:
    fields = FlatFields(document)
    event = OperationalEvent(shape=SHAPE_ECS, line=line)
    value, key = fields.first("winlog.event_id", "event.code")
    event.fill("event_id", to_int(value, key, line), key)
    value, key = fields.first("winlog.provider_name", "event.provider")
    event.fill("provider", _text(value), key)
    value, key = fields.first("@timestamp")
    _put_time(event, value, key)
    value, key = fields.first("event.created")
    _put_time(event, value, key, "logged_time")
    value, key = fields.first("winlog.level", "log.level")
    event.fill("level", level_number(value), key)
    value, key = fields.first("winlog.record_id")
    event.fill("record_id", _text(value), key)
    value, key = fields.first("winlog.computer_name", "host.name")
    event.fill("computer", _text(value), key)
    value, key = fields.first("winlog.process.pid", "process.pid")
    event.fill("process_pid", to_int(value, key, line), key)
    for attribute, keys in (("user_uid", ("winlog.user.identifier", "user.id")),
                            ("user_name", ("winlog.user.name", "user.name")),
                            ("user_domain", ("winlog.user.domain", "user.domain"))):
        value, key = fields.first(*keys)
        event.fill(attribute, _text(value), key)

    for name, keys in (
            ("ScriptBlockText", ("powershell.file.script_block_text",
                                 "winlog.event_data.ScriptBlockText")),
            ("ScriptBlockId", ("powershell.file.script_block_id",
                               "winlog.event_data.ScriptBlockId")),
            ("MessageNumber", ("powershell.sequence", "winlog.event_data.MessageNumber")),
            ("MessageTotal", ("powershell.total", "winlog.event_data.MessageTotal")),
            ("ContextInfo", ("winlog.event_data.ContextInfo",)),
            ("Payload", ("winlog.event_data.Payload",)),
            ("UserData", ("winlog.event_data.UserData",))):
        value, key = fields.first(*keys)
        event.fill_data(name, _text(value), key)

    if event.event_id == SCRIPT_BLOCK_EVENT:
        value, key = fields.first("file.path", "winlog.event_data.Path")
        event.fill_data("Path", _text(value), key)
    else:
        _ecs_command_context(event, fields)
    event.extras.update(fields.unused())
    return event


def _ecs_command_context(event: OperationalEvent, fields: FlatFields) -> None:
    """Read the 4103 ContextInfo values that Winlogbeat's pipeline moved to ECS fields."""
    if "Payload" not in event.data:
        details, key = fields.first("powershell.command.invocation_details")
        if isinstance(details, list):
            event.fill_data("Payload", rebuild_payload(details),
                            f"{key} (rebuilt as Payload lines)")
    for label, keys in (
            ("Host Application", ("process.command_line", "winlog.event_data.HostApplication")),
            ("Script Name", ("file.path", "winlog.event_data.ScriptName")),
            ("Runspace ID", ("powershell.runspace_id", "winlog.event_data.RunspaceID")),
            ("Pipeline ID", ("powershell.pipeline_id", "winlog.event_data.PipelineID")),
            ("Command Name", ("powershell.command.name", "winlog.event_data.CommandName")),
            ("Command Type", ("powershell.command.type", "winlog.event_data.CommandType")),
            ("Command Path", ("powershell.command.path", "winlog.event_data.CommandPath")),
            ("Sequence Number", ("event.sequence", "winlog.event_data.SequenceNumber")),
            ("User", ("winlog.event_data.User",))):
        value, key = fields.first(*keys)
        event.fill_context(label, _text(value), key)


def _nxlog_event(document: dict, shape: str, line: int) -> OperationalEvent:
    fields = FlatFields(document)
    event = OperationalEvent(shape=shape, line=line)
    value, key = fields.first("EventID")
    event.fill("event_id", to_int(value, key, line), key)
    value, key = fields.first("SourceName", "ProviderName")
    event.fill("provider", _text(value), key)
    if shape == SHAPE_OTRF:
        value, key = fields.first("@timestamp")
        _put_time(event, value, key)
    else:
        value, key = fields.first("EventTime")
        _put_time(event, value, key)
        value, key = fields.first("@timestamp")
        _put_time(event, value, key, "logged_time")
    value, key = fields.first("Level", "EventType")
    event.fill("level", level_number(value), key)
    value, key = fields.first("RecordNumber")
    event.fill("record_id", _text(value), key)
    value, key = fields.first("Hostname")
    event.fill("computer", _text(value), key)
    value, key = fields.first("ExecutionProcessID", "ProcessID")
    event.fill("process_pid", to_int(value, key, line), key)
    for attribute, name in (("user_uid", "UserID"), ("user_name", "AccountName"),
                            ("user_domain", "Domain")):
        value, key = fields.first(name)
        event.fill(attribute, _text(value), key)
    for name in ("ScriptBlockText", "ScriptBlockId", "MessageNumber", "MessageTotal", "Path",
                 "ContextInfo", "Payload", "UserData"):
        value, key = fields.first(name)
        event.fill_data(name, _text(value), key)
    event.extras.update(fields.unused())
    return event


def _evtx_dump_event(root: dict, line: int) -> OperationalEvent:
    system: dict[str, dict] = {}
    for name, value in root["System"].items():
        if name.endswith("_attributes") and isinstance(value, dict):
            # --separate-json-attributes puts <Execution ProcessID=…/> in "Execution_attributes".
            element = system.setdefault(name[:-len("_attributes")], {"text": None, "attrs": {}})
            element["attrs"] = value
        elif isinstance(value, dict):
            attributes = value.get("#attributes")
            element = system.setdefault(name, {"text": None, "attrs": {}})
            element["text"] = _text(value.get("#text"))
            if isinstance(attributes, dict):
                element["attrs"] = attributes
        else:
            element = system.setdefault(name, {"text": None, "attrs": {}})
            element["text"] = _text(value)
    data = {}
    event_data = root.get("EventData")
    if isinstance(event_data, dict):
        for name, value in event_data.items():
            if isinstance(value, dict):
                value = value.get("#text")
            if name == "#attributes":
                continue
            data[name] = "" if value is None else _text(value)
    event = system_event(
        SHAPE_EVTX_DUMP, system, data,
        lambda name, attribute: (f"Event.System.{name}.#attributes.{attribute}" if attribute
                                 else f"Event.System.{name}"),
        lambda name: f"Event.EventData.{name}", line)
    return event
