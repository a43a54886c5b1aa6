"""Shared model and record building for the PowerShell Operational formats (4104 and 4103).

Each carrier (Event XML, evtx_dump JSON, Winlogbeat ECS, NXLog) is first read
into :class:`OperationalEvent`, which names the source field of every value.
:func:`build_records` then turns those events into records: 4104 parts of one
script block are reassembled, and each 4103 event becomes one command record.
This module defines no ``FORMAT_ID``, so it is not a format of its own.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Callable

from .. import InputError
from ..language import POWERSHELL
from ..record import ScriptExecution, ScriptType
from ..timeparse import iso_to_ms

SCRIPT_BLOCK_EVENT = 4104
MODULE_LOGGING_EVENT = 4103
SCRIPT_EVENTS = {SCRIPT_BLOCK_EVENT, MODULE_LOGGING_EVENT}
PROVIDERS = {"microsoft-windows-powershell": "Windows PowerShell", "powershellcore": "PowerShell"}
CMS_HEADER = "-----BEGIN CMS-----"
CMS_FOOTER = "-----END CMS-----"

# Windows event Level -> OCSF severity_id. PowerShell writes a 4104 at Level 3
# (Warning) when the text contains a keyword from its list of suspicious ones
# (Add-Type, VirtualAlloc...), and then logs it even with script block logging off.
SEVERITY_BY_LEVEL = {0: 1, 1: 5, 2: 4, 3: 3, 4: 1, 5: 1}
LEVEL_NAMES = {"logalways": 0, "critical": 1, "error": 2, "warning": 3, "information": 4,
               "informational": 4, "info": 4, "verbose": 5}
SUSPICIOUS_LEVEL = 3
# Missing parts of a script block listed by number; the rest are only counted.
MAX_LISTED_PARTS = 1000

# ContextInfo labels of a 4103 event in the order Windows PowerShell 5.1 writes them.
CONTEXT_LABELS = (
    "Severity", "Host Name", "Host Version", "Host ID", "Host Application", "Engine Version",
    "Runspace ID", "Pipeline ID", "Command Name", "Command Type", "Script Name",
    "Command Path", "Sequence Number", "User", "Connected User", "Shell ID",
)
_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}\}?$")
_SURROGATE = re.compile("[\ud800-\udfff]")


def label_key(label: str) -> str:
    """Return a label lower-cased with spaces and punctuation removed ("Host ID" -> "hostid")."""
    return re.sub(r"[^0-9a-z]", "", label.lower())


_CONTEXT_KEYS = {label_key(label): label for label in CONTEXT_LABELS}


@dataclass
class OperationalEvent:
    """One PowerShell Operational event as read from its carrier, before reassembly.

    ``labels`` maps each filled attribute, ``data`` name and ``context`` label to
    the source field it came from, in the carrier's own notation.
    """

    shape: str
    index: int = 0
    line: int | None = None
    event_id: int | None = None
    provider: str | None = None
    time: int | None = None
    time_zone_known: bool = True
    logged_time: int | None = None
    level: int | None = None
    record_id: str | None = None
    computer: str | None = None
    process_pid: int | None = None
    user_uid: str | None = None
    user_name: str | None = None
    user_domain: str | None = None
    data: dict[str, str] = field(default_factory=dict)  # EventData values by Data/@Name
    context: dict[str, str] = field(default_factory=dict)  # 4103 ContextInfo by English label
    labels: dict[str, str] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def fill(self, name: str, value: Any, label: str) -> None:
        """Set attribute ``name`` from source field ``label``; skip None and empty strings."""
        if value is None or value == "":
            return
        setattr(self, name, value)
        self.labels[name] = label

    def fill_data(self, name: str, value: Any, label: str) -> None:
        """Set EventData field ``name``; keep an empty string, since a last segment can be empty."""
        if value is None:
            return
        self.data[name] = value if isinstance(value, str) else str(value)
        self.labels[f"data:{name}"] = label

    def data_label(self, name: str) -> str:
        return self.labels.get(f"data:{name}", name)

    def fill_context(self, label: str, value: Any, source: str) -> None:
        if value is None or str(value).strip() == "":
            return
        self.context[label] = str(value)
        self.labels[f"context:{label}"] = source

    def context_label(self, label: str) -> str:
        return self.labels.get(f"context:{label}", label)


def to_int(value: Any, name: str, line: int | None) -> int | None:
    """Read an integer field that a carrier may give as a number or a string.

    Raise :class:`InputError` for text that is not an integer and for values that
    do not fit in 64 bits, which no field of these events exceeds.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            number = int(text, 0) if text.lower().startswith("0x") else int(text)
        except ValueError:
            raise InputError(f"invalid {name} {value!r}; expected an integer", line) from None
    if number.bit_length() > 64:
        raise InputError(f"invalid {name} {value!r}; the integer does not fit in 64 bits", line)
    return number


def level_number(value: Any) -> int | None:
    """Read an event Level given as a number ("5") or a name ("verbose", "VERBOSE", "Warning")."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    return LEVEL_NAMES.get(text.lower())


def is_powershell_provider(name: str | None) -> bool:
    return bool(name) and name.lower() in PROVIDERS


def parse_context_info(
        text: str | None) -> tuple[dict[str, str], list[tuple[str, str]], str | None]:
    """Split a 4103 ContextInfo block of ``Key = Value`` lines.

    Return ``(values by English label, unrecognized (label, value) pairs, note)``.
    Labels are localized on non-English Windows. A value whose label is not
    English is taken by its position, but only when the block has the 16 lines
    of Windows PowerShell 5.1. Its Host ID and Runspace ID lines must also
    contain GUIDs, and its Pipeline ID line a number.
    """
    if not text:
        return {}, [], None
    pairs = _context_pairs(text)
    known: dict[str, str] = {}
    unknown: list[tuple[str, str]] = []
    for label, value in pairs:
        english = _CONTEXT_KEYS.get(label_key(label))
        if english and english not in known:
            known[english] = value
        else:
            unknown.append((label, value))
    if not unknown:
        return known, [], None
    if _has_standard_layout(pairs):
        by_position = {english: pairs[position][1]
                       for position, english in enumerate(CONTEXT_LABELS) if english not in known}
        note = (f"{len(by_position)} ContextInfo label(s) are not in English; their values were "
                "taken by position, in the order Windows PowerShell 5.1 writes them")
        return {**known, **by_position}, [], note
    if known:
        return known, unknown, None
    return {}, unknown, ("ContextInfo labels are not in English and the block does not have the "
                         "16-line layout of Windows PowerShell 5.1; its lines are kept under "
                         "unmapped")


def _context_pairs(text: str) -> list[tuple[str, str]]:
    """Split ContextInfo into (label, value) pairs, one per ``Label = Value`` line.

    The label is the text before the first ``=`` without surrounding spaces and
    tabs. One space or tab after the ``=`` is dropped, and so are trailing spaces,
    tabs and carriage returns. Lines with no ``=``, an empty label or a carriage
    return in the label are skipped. String methods keep this linear in the line
    length. A regular expression with a lazy label between optional runs of spaces
    backtracks in cubic time on a long line of spaces.
    """
    pairs = []
    for line in text.split("\n"):
        label, separator, value = line.partition("=")
        label = label.strip(" \t")
        if not separator or not label or "\r" in label:
            continue
        if value[:1] in (" ", "\t"):
            value = value[1:]
        pairs.append((label, value.rstrip(" \t\r")))
    return pairs


def _has_standard_layout(pairs: list[tuple[str, str]]) -> bool:
    if len(pairs) != len(CONTEXT_LABELS):
        return False
    values = dict(zip(CONTEXT_LABELS, (value for _, value in pairs)))
    return bool(_GUID.match(values["Host ID"]) and _GUID.match(values["Runspace ID"])
                and values["Pipeline ID"].isdigit())


def rebuild_payload(details: list) -> str | None:
    """Rebuild 4103 Payload lines from Winlogbeat's ``powershell.command.invocation_details``.

    Winlogbeat splits each ``Type(command): value`` line into ``type``,
    ``related_command``, ``name`` and ``value`` (quotes kept), then drops Payload.
    """
    lines = []
    for detail in details:
        if not isinstance(detail, dict):
            continue
        kind, command = detail.get("type"), detail.get("related_command")
        value = detail.get("value", "")
        if kind and command and kind == "ParameterBinding" and "name" in detail:
            lines.append(f"{kind}({command}): name={detail['name']}; value={value}")
        elif kind and command:
            lines.append(f"{kind}({command}): {value}")
        else:
            lines.append(str(value))
    return "\n".join(lines) or None


def split_account(account: str | None) -> tuple[str | None, str | None]:
    """Split ``DOMAIN\\user`` into (domain, user); a name without a backslash has no domain."""
    if not account or not account.strip():
        return None, None
    domain, _, name = account.strip().rpartition("\\")
    return (domain or None), (name or None)


def windows_basename(path: str | None) -> str | None:
    if not path:
        return None
    return re.split(r"[\\/]", path.rstrip("\\/"))[-1] or None


def join_surrogates(text: str) -> tuple[str, bool]:
    """Combine UTF-16 surrogate pairs that a segment cut left as separate code points.

    Return the text and whether lone surrogates were replaced by U+FFFD.
    """
    if not _SURROGATE.search(text):
        return text, False
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    if not _SURROGATE.search(joined):
        return joined, False
    return _SURROGATE.sub("\ufffd", joined), True


def is_protected(text: str) -> bool:
    """Tell whether a script block holds a Protected Event Logging CMS message, not source."""
    stripped = text.strip()
    return stripped.startswith(CMS_HEADER) or stripped.endswith(CMS_FOOTER)


def build_records(events: list[OperationalEvent], format_id: str) -> list[ScriptExecution]:
    """Turn parsed events into records, reassembling the 4104 parts of each script block."""
    blocks: dict[tuple[str, str], list[OperationalEvent]] = {}
    records = []
    skipped: Counter[str] = Counter()
    for event in events:
        if event.provider and not is_powershell_provider(event.provider):
            skipped[f"{event.provider} {event.event_id}"] += 1
            continue
        if event.event_id == SCRIPT_BLOCK_EVENT:
            block_id = event.data.get("ScriptBlockId", "").strip().lower()
            key = ((event.computer or "").lower(), block_id or f"#{event.index}")
            blocks.setdefault(key, []).append(event)
        elif event.event_id == MODULE_LOGGING_EVENT:
            records.append(_command_record(event, format_id))
        else:
            name = f"EventID {event.event_id}" if event.event_id is not None else "no EventID"
            skipped[name] += 1
    for parts in blocks.values():
        records.append(_script_block_record(parts, format_id))
    if not records:
        found = ", ".join(sorted(skipped)) or "nothing"
        raise InputError("no PowerShell Operational event 4104 or 4103 was found "
                         f"(found {found}); only these two carry script text")
    records.sort(key=lambda record: record.index)
    if skipped:
        total = sum(skipped.values())
        records[0].notes.append(f"{total} other event(s) ({', '.join(sorted(skipped))}) carry "
                                "no script text and were skipped")
    return records


def _new_record(event: OperationalEvent, format_id: str) -> ScriptExecution:
    product = PROVIDERS.get((event.provider or "").lower(), "Windows PowerShell")
    record = ScriptExecution(format_id=format_id, index=event.index, line=event.line,
                             product_name=product, vendor_name="Microsoft", device_os="windows")
    record.extras["shape"] = event.shape
    record.put("device_hostname", event.computer, event.labels.get("computer", ""))
    record.put("process_pid", event.process_pid, event.labels.get("process_pid", ""))
    record.put("user_uid", event.user_uid, event.labels.get("user_uid", ""))
    record.put("user_name", event.user_name, event.labels.get("user_name", ""))
    record.put("user_domain", event.user_domain, event.labels.get("user_domain", ""))
    if not event.time_zone_known:
        record.time_zone_known = False
    record.notes.extend(event.notes)
    return record


def _set_severity(record: ScriptExecution, events: list[OperationalEvent]) -> None:
    levels = [(SEVERITY_BY_LEVEL.get(event.level, 0), event) for event in events
              if event.level is not None]
    if not levels:
        return
    severity_id, event = max(levels, key=lambda pair: pair[0])
    record.severity_id = severity_id
    record.sources["severity"] = event.labels.get("level", "Level")
    record.extras["Level"] = event.level
    if event.level == SUSPICIOUS_LEVEL and event.event_id == SCRIPT_BLOCK_EVENT:
        record.notes.append("Level 3 (Warning): PowerShell gives this level to a script block "
                            "whose text contains a keyword it treats as suspicious, and logs "
                            "it even when script block logging is off; severity_id is 3 "
                            "(Medium)")


def _event_uid(record: ScriptExecution, event: OperationalEvent) -> None:
    if not event.record_id:
        return
    label = event.labels.get("record_id", "EventRecordID")
    if event.computer:
        record.put("event_uid", f"{event.computer}:{event.record_id}",
                   f"{event.labels.get('computer', 'Computer')} + {label}")
    else:
        record.put("event_uid", event.record_id, label)


def _script_block_record(parts: list[OperationalEvent], format_id: str) -> ScriptExecution:
    """Reassemble the 4104 parts of one script block into one record.

    Parts are ordered by MessageNumber and joined with no separator, whatever
    order they arrived in; the first copy of a duplicated part is kept.
    """
    parts = sorted(parts, key=lambda part: part.index)
    numbered: dict[int, OperationalEvent] = {}
    duplicates = []
    totals = []
    for part in parts:
        number = to_int(part.data.get("MessageNumber"), "MessageNumber", part.line) or 1
        total = to_int(part.data.get("MessageTotal"), "MessageTotal", part.line)
        if total:
            totals.append(total)
        if number in numbered:
            duplicates.append(number)
            continue
        numbered[number] = part
    numbers = sorted(numbered)
    total = max(totals) if totals else max(numbers)
    # MessageTotal comes from the input, so the gaps are counted, and only the first
    # ones listed, without walking every number up to it.
    missing_count = max(0, total - sum(1 for number in numbered if 1 <= number <= total))
    missing = list(islice((number for number in range(1, total + 1) if number not in numbered),
                          MAX_LISTED_PARTS))
    first = numbered[numbers[0]]

    record = _new_record(first, format_id)
    record.index, record.line = parts[0].index, parts[0].line
    for part in parts[1:]:
        record.notes.extend(note for note in part.notes if note not in record.notes)
        if not part.time_zone_known:
            record.time_zone_known = False

    _put_block_times(record, numbered, first)
    _put_block_text(record, numbered, first)

    block_id = first.data.get("ScriptBlockId")
    record.put("script_uid", block_id, first.data_label("ScriptBlockId"))
    path = first.data.get("Path")
    record.put("script_path", path, first.data_label("Path"))
    record.put("script_name", windows_basename(path), first.data_label("Path"))
    record.script_type = ScriptType(POWERSHELL, "PowerShell Operational event 4104")
    record.sources["script_type"] = record.script_type.evidence
    record.granularity = "script"

    if total > 1 or len(numbered) > 1:
        record.put("event_uid", block_id, first.data_label("ScriptBlockId"))
        record.extras["MessageNumbers"] = numbers
        record.extras["MessageTotal"] = total
        record.extras["EventRecordIDs"] = [numbered[n].record_id for n in numbers]
    else:
        _event_uid(record, first)
        record.extras["MessageNumber"] = numbers[0]
        record.extras["MessageTotal"] = total
    if missing:
        record.put("script_truncated", True, f"{first.data_label('MessageNumber')} gaps")
        record.extras["MissingMessageNumbers"] = missing
        listed = ", ".join(str(number) for number in missing)
        if missing_count > len(missing):
            record.extras["MissingMessageCount"] = missing_count
            listed += f" and {missing_count - len(missing)} more"
        record.notes.append(f"script block {block_id or '(no id)'} is missing part(s) {listed} "
                            f"of {total}; the text joins the parts present and is marked "
                            "truncated")
    beyond = [number for number in numbers if number > total]
    if beyond:
        record.notes.append(f"part(s) {', '.join(map(str, beyond))} exceed MessageTotal {total}")
    if duplicates:
        record.notes.append(f"part(s) {', '.join(map(str, sorted(set(duplicates))))} appear "
                            "more than once; the first copy of each was kept")
    _set_severity(record, list(numbered.values()))
    for key, value in first.extras.items():
        record.extras.setdefault(key, value)
    return record


def _put_block_times(record: ScriptExecution, numbered: dict[int, OperationalEvent],
                     first: OperationalEvent) -> None:
    timed = [part for part in numbered.values() if part.time is not None]
    if not timed:
        return
    label = first.labels.get("time", "time")
    if len(numbered) == 1:
        record.put("time", first.time, label)
        record.put("logged_time", first.logged_time, first.labels.get("logged_time", ""))
        return
    record.put("time", min(part.time for part in timed), f"{label} (earliest part)")
    record.put("logged_time", max(part.time for part in timed), f"{label} (latest part)")


def _put_block_text(record: ScriptExecution, numbered: dict[int, OperationalEvent],
                    first: OperationalEvent) -> None:
    if not any("ScriptBlockText" in part.data for part in numbered.values()):
        return
    text = "".join(numbered[number].data.get("ScriptBlockText", "")
                   for number in sorted(numbered))
    text, replaced = join_surrogates(text)
    if replaced:
        record.notes.append("the script text contains unpaired UTF-16 surrogates, replaced "
                            "by U+FFFD")
    label = first.data_label("ScriptBlockText")
    if len(numbered) > 1:
        label += " (parts joined by MessageNumber)"
    record.put("script_text", text, label)
    if text and is_protected(text):
        record.script_encrypted = True
        record.notes.append("ScriptBlockText is a Protected Event Logging CMS message: the "
                            "script was encrypted to a certificate, so the text is ciphertext, "
                            "not PowerShell source; decrypt it with the certificate's private "
                            "key (Unprotect-CmsMessage) to read the script")


def _command_record(event: OperationalEvent, format_id: str) -> ScriptExecution:
    """Build the record of one 4103 (module logging) event: one command of a pipeline."""
    record = _new_record(event, format_id)
    record.granularity = "command"
    record.put("time", event.time, event.labels.get("time", ""))
    record.put("logged_time", event.logged_time, event.labels.get("logged_time", ""))
    _event_uid(record, event)

    context = dict(event.context)
    if "ContextInfo" in event.data:
        parsed, unknown, note = parse_context_info(event.data["ContextInfo"])
        for label, value in parsed.items():
            event.fill_context(label, value, f"{event.data_label('ContextInfo')} {label}")
        context = dict(event.context)
        for label, value in unknown:
            record.extras[f"ContextInfo.{label}"] = value
        if note:
            record.notes.append(note)

    payload_label = event.data_label("Payload")
    text = event.data.get("Payload")
    if not text and context.get("Command Name"):
        text = context["Command Name"]
        payload_label = event.context_label("Command Name")
        record.notes.append("the event has no Payload; the script text is the command name only")
    record.put("script_text", text, payload_label)

    script_path = context.pop("Script Name", None)
    record.put("script_path", script_path, event.context_label("Script Name"))
    record.put("script_name", windows_basename(script_path), event.context_label("Script Name"))
    record.put("process_cmd_line", context.pop("Host Application", None),
               event.context_label("Host Application"))
    runspace, pipeline = context.pop("Runspace ID", None), context.pop("Pipeline ID", None)
    if runspace or pipeline:
        correlation = "/".join(part for part in (runspace, pipeline) if part)
        record.put("correlation_uid", correlation,
                   " + '/' + ".join(event.context_label(name) for name, value in
                                    (("Runspace ID", runspace), ("Pipeline ID", pipeline))
                                    if value))
    account = context.pop("User", None)
    if account and not event.user_name:
        domain, name = split_account(account)
        record.put("user_name", name, event.context_label("User"))
        record.put("user_domain", domain, event.context_label("User"))
    for label, value in context.items():
        record.extras[f"ContextInfo.{label}"] = value
    if event.data.get("UserData"):
        record.extras["UserData"] = event.data["UserData"]

    record.script_type = ScriptType(POWERSHELL, "PowerShell Operational event 4103")
    record.sources["script_type"] = record.script_type.evidence
    _set_severity(record, [event])
    for key, value in event.extras.items():
        record.extras.setdefault(key, value)
    return record


def system_event(shape: str, system: dict[str, dict], data: dict[str, Any],
                 system_label: Callable[[str, str | None], str],
                 data_label: Callable[[str], str], line: int | None) -> OperationalEvent:
    """Read an event given as Windows event XML ``System`` and ``EventData`` parts.

    ``system`` maps each System child name to ``{"text": ..., "attrs": {...}}``,
    which both Event XML and evtx_dump JSON can provide. The label callables
    name a field in the carrier's notation for the fidelity table.
    """
    event = OperationalEvent(shape=shape, line=line)

    def text(name: str) -> str | None:
        value = system.get(name, {}).get("text")
        return None if value is None else str(value).strip()

    def attribute(name: str, key: str) -> str | None:
        value = system.get(name, {}).get("attrs", {}).get(key)
        return None if value is None else str(value).strip()

    event.fill("event_id", to_int(text("EventID"), "EventID", line), system_label("EventID", None))
    event.fill("provider", attribute("Provider", "Name"), system_label("Provider", "Name"))
    created = attribute("TimeCreated", "SystemTime")
    if created:
        try:
            millis, zone_known = iso_to_ms(created)
        except ValueError as error:
            raise InputError(str(error), line) from None
        event.fill("time", millis, system_label("TimeCreated", "SystemTime"))
        if not zone_known:
            event.time_zone_known = False
            event.notes.append(f"SystemTime {created!r} has no time zone; it was read as UTC")
    event.fill("level", level_number(text("Level")), system_label("Level", None))
    event.fill("record_id", text("EventRecordID"), system_label("EventRecordID", None))
    event.fill("computer", text("Computer"), system_label("Computer", None))
    event.fill("process_pid", to_int(attribute("Execution", "ProcessID"), "ProcessID", line),
               system_label("Execution", "ProcessID"))
    event.fill("user_uid", attribute("Security", "UserID"), system_label("Security", "UserID"))

    for name, value in data.items():
        event.fill_data(name, value, data_label(name))

    # EventID stays under unmapped: it picks the record builder but has no OCSF attribute.
    used = {("Provider", "Name"), ("TimeCreated", "SystemTime"), ("Execution", "ProcessID"),
            ("Security", "UserID"), ("EventRecordID", None), ("Computer", None), ("Level", None)}
    for name, parts in system.items():
        if parts.get("text") not in (None, "") and (name, None) not in used:
            event.extras[name] = parts["text"]
        for key, value in parts.get("attrs", {}).items():
            if (name, key) not in used and value not in (None, "") and key != "xmlns":
                event.extras[f"{name}.{key}"] = value
    return event
