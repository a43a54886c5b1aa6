"""CrowdStrike Falcon events that carry script text: ScriptControl* telemetry and CommandHistory.

Shapes accepted, all recognized from content: Falcon Data Replicator (FDR)
JSON Lines, a JSON array of FDR events, and Falcon event-search exports whose
field names start with ``#`` (``#event_simpleName``). Every FDR value is a
string, numbers included. Events without script text in the same batch
(ProcessRollup2, NetworkConnectIP4…) are skipped.

Two process ids differ: ``ContextProcessId`` and ``TargetProcessId`` are
Falcon's unique process id (UPID), while ``RawProcessId`` is the operating
system pid. Windows image paths are NT device paths
(``\\Device\\HarddiskVolume3\\…``) and are kept as given, because the drive
letter behind a volume is not in the event.
"""

from __future__ import annotations

import re

from .. import InputError, Match, Source, closest_match
from ..language import from_command_line, from_image, from_path, from_text, infer
from ..record import Hash, ScriptExecution
from ..timeparse import epoch_to_ms

FORMAT_ID = "crowdstrike_fdr"
TITLE = "CrowdStrike Falcon Data Replicator (ScriptControlScanTelemetry, CommandHistory)"
ORDER = 40
COMMAND_SEPARATOR = "\u00b6"  # ¶ joins the commands of a CommandHistory value

FIELDS = [
    ("ContextTimeStamp (epoch seconds), else timestamp", "time"),
    ("timestamp (epoch milliseconds)", "logged_time"),
    ("ComputerName", "device_hostname"),
    ("aid", "device_uid"),
    ("UserName", "user_name"),
    ("UserSid", "user_uid"),
    ("RawProcessId", "process_pid"),
    ("ContextProcessId / TargetProcessId (UPID)", "process_uid"),
    ("ApplicationName", "process_name"),
    ("ImageFileName", "process_path"),
    ("CommandLine", "process_cmd_line"),
    ("ParentProcessId (UPID)", "parent_uid"),
    ("ParentImageFileName", "parent_path"),
    ("ParentCommandLine", "parent_cmd_line"),
    ("ScriptContent / CommandHistory (¶ replaced by newlines)", "script_text"),
    ("ScriptContentName, when it is a path", "script_path"),
    ("ScriptContentName, when it is a bare name", "script_name"),
    ("ImageFileName, ApplicationName, ScriptContentName or shebang", "script_type"),
    ("ContentSHA256HashData", "script_hashes"),
    ("len(ScriptContent) < OriginalContentLength", "script_truncated"),
    ("OriginalContentLength", "script_untruncated_size"),
    ("id", "event_uid"),
]

_PLATFORMS = {"win": "windows", "lin": "linux", "mac": "macos"}


def _event(value: dict) -> dict:
    """Return the event with a leading ``#`` removed from field names (event-search exports)."""
    return {(key[1:] if isinstance(key, str) and key.startswith("#") else key): item
            for key, item in value.items()}


def _events(source: Source) -> list[tuple[int, dict, int]]:
    return [(index, _event(event), line) for index, event, line in source.objects()]


def detect(source: Source) -> Match | None:
    candidates = []
    for _, event, _ in _events(source):
        if "event_simpleName" not in event:
            continue
        missing = [] if ("aid" in event or "cid" in event) else ["aid or cid"]
        candidates.append(missing)
    return closest_match(candidates, penalty=0.5)


def parse(source: Source) -> list[ScriptExecution]:
    records = []
    skipped = []
    for index, event, line in _events(source):
        name = str(event.get("event_simpleName", ""))
        if "ScriptContent" in event or "CommandHistory" in event:
            record = _record(event)
            record.index, record.line = index, line
            records.append(record)
        elif name:
            skipped.append(name)
    if not records and skipped:
        raise InputError("no CrowdStrike event carries ScriptContent or CommandHistory "
                         f"(found {', '.join(sorted(set(skipped)))})")
    return records


def _text(event: dict, key: str) -> str | None:
    value = event.get(key)
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if text.strip() else None


def _integer(event: dict, key: str) -> int | None:
    value = event.get(key)
    if isinstance(value, bool) or value in (None, ""):
        return None
    text = str(value).strip()
    # 20 digits hold any 64-bit value, and int() rejects over 4300 digits by default.
    return int(text) if re.fullmatch(r"\d{1,20}", text) else None


def _epoch(event: dict, key: str, unit: str) -> int | None:
    value = _text(event, key)
    if value is None:
        return None
    try:
        return epoch_to_ms(value.strip(), unit)
    except ValueError as error:
        raise InputError(f"invalid {key}: {error}") from None


def _record(event: dict) -> ScriptExecution:
    record = ScriptExecution(format_id=FORMAT_ID, product_name="CrowdStrike Falcon",
                             vendor_name="CrowdStrike")
    name = str(event.get("event_simpleName", ""))
    record.extras["event_simpleName"] = name

    if _text(event, "ContextTimeStamp"):
        record.put("time", _epoch(event, "ContextTimeStamp", "s"), "ContextTimeStamp")
    else:
        record.put("time", _epoch(event, "timestamp", "ms"), "timestamp")
    record.put("logged_time", _epoch(event, "timestamp", "ms"), "timestamp")

    platform = (_text(event, "event_platform") or "").strip().lower()
    record.device_os = _PLATFORMS.get(platform)
    record.put("device_hostname", _text(event, "ComputerName"), "ComputerName")
    record.put("device_uid", _text(event, "aid"), "aid")
    record.put("event_uid", _text(event, "id"), "id")

    _user(event, record)
    _process(event, record)
    if "CommandHistory" in event:
        _command_history(event, record)
    else:
        _script_content(event, record)

    record.script_type = infer(
        from_image(record.process_path),
        from_image(record.process_name),
        from_command_line(record.process_cmd_line),
        from_path(record.script_path or record.script_name),
        from_text(record.script_text),
    )
    record.sources["script_type"] = record.script_type.evidence

    used = set(record.sources.values())
    for key, value in event.items():
        if key in used or key in record.extras or (key == "event_platform" and record.device_os):
            continue
        if value not in (None, "", [], {}):
            record.extras[key] = value
    return record


def _user(event: dict, record: ScriptExecution) -> None:
    account = _text(event, "UserName")
    if account and "\\" in account:
        domain, _, user = account.partition("\\")
        record.put("user_domain", domain, "UserName")
        record.put("user_name", user, "UserName")
    else:
        record.put("user_name", account, "UserName")
    record.put("user_uid", _text(event, "UserSid"), "UserSid")


def _process(event: dict, record: ScriptExecution) -> None:
    record.put("process_pid", _integer(event, "RawProcessId"), "RawProcessId")
    for key in ("ContextProcessId", "TargetProcessId"):
        if _text(event, key):
            record.put("process_uid", _text(event, key).strip(), key)
            break
    record.put("process_path", _text(event, "ImageFileName"), "ImageFileName")
    application = _text(event, "ApplicationName")
    if application and re.search(r"[\\/]", application):
        record.put("process_path", application, "ApplicationName")
    else:
        record.put("process_name", application, "ApplicationName")
    record.put("process_cmd_line", _text(event, "CommandLine"), "CommandLine")
    # OCSF needs a pid or uid in every process object. ScriptControl events name the
    # parent only by image and command line, so those stay in unmapped unless a
    # ParentProcessId comes with them.
    parent_uid = _text(event, "ParentProcessId")
    if parent_uid:
        record.put("parent_uid", parent_uid.strip(), "ParentProcessId")
        record.put("parent_path", _text(event, "ParentImageFileName"), "ParentImageFileName")
        record.put("parent_cmd_line", _text(event, "ParentCommandLine"), "ParentCommandLine")


def _script_content(event: dict, record: ScriptExecution) -> None:
    text = event.get("ScriptContent")
    if isinstance(text, str):
        record.put("script_text", text, "ScriptContent")
    original_length = _integer(event, "OriginalContentLength")
    if record.script_text is not None and original_length is not None \
            and len(record.script_text) < original_length:
        record.put("script_truncated", True, "len(ScriptContent) < OriginalContentLength")
        record.put("script_untruncated_size", original_length, "OriginalContentLength")
        # NOTE: Falcon does not document the unit of OriginalContentLength. Characters
        # are assumed, but a UTF-16 byte count would also exceed the text length.
        record.script_size_unit = "characters (assumed)"
    if original_length is not None:
        record.extras["OriginalContentLength"] = original_length

    digest = _text(event, "ContentSHA256HashData")
    if digest:
        digest = digest.strip().lower()
        if re.fullmatch(r"[0-9a-f]{64}", digest):
            record.put("script_hashes", [Hash(3, digest, "unknown")], "ContentSHA256HashData")
        else:
            record.extras["ContentSHA256HashData"] = digest
            record.notes.append("ContentSHA256HashData is not a SHA-256 value; it was kept "
                                "in unmapped")

    name = _text(event, "ScriptContentName")
    if name:
        name = name.strip()
        if re.search(r"[\\/]", name) and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", name):
            record.put("script_path", name, "ScriptContentName")
        else:
            record.put("script_name", name, "ScriptContentName")


def _command_history(event: dict, record: ScriptExecution) -> None:
    history = event.get("CommandHistory")
    record.granularity = "command"
    if isinstance(history, str):
        record.put("script_text", "\n".join(history.split(COMMAND_SEPARATOR)), "CommandHistory")
    count = _integer(event, "CommandCount")
    maximum = _integer(event, "CommandCountMax")
    if count is not None and maximum is not None and maximum > 0 and count >= maximum:
        record.notes.append(f"CommandCount {count} reached CommandCountMax {maximum}: the "
                            "console history buffer was full, so older commands may be missing")
    record.notes.append("CommandHistory is collected when the console closes; the event time "
                        "is not the time of each command")
