"""macOS Endpoint Security exec events as printed by ``eslogger exec`` (JSON Lines).

Each line is one ``es_message_t``. Only exec events (``event_type`` 9,
``event.exec``) are mapped: the launched process is ``event.exec.target``,
its parent is ``target.ppid`` / ``target.parent_audit_token``. Audit tokens are
objects in older eslogger output and arrays of eight integers in newer output.
Endpoint Security never records script text. ``event.exec.script`` names the
script file only when the kernel ran a ``#!`` script directly.
"""

from __future__ import annotations

from typing import Any

from .. import InputError, Match, Source
from ..record import ScriptExecution
from ..timeparse import iso_to_ms
from .launch_support import apply_launch_script, inspect_launch, join_posix_arguments

FORMAT_ID = "eslogger_exec"
TITLE = "macOS Endpoint Security exec (eslogger)"
ORDER = 40
# Process launches: Process Activity keeps the real command line.
GRANULARITY = "process"
NOTIFY_EXEC = 9
LOCAL_HOST = "localhost"
# Field order of an audit_token written as an array.
AUDIT_TOKEN_FIELDS = ("auid", "euid", "egid", "ruid", "rgid", "pid", "asid", "pidversion")

FIELDS = [
    ("time", "time"),
    ("event.exec.target.audit_token.euid", "user_uid"),
    ("event.exec.target.audit_token.pid", "process_pid"),
    ("event.exec.target.audit_token pid:pidversion", "process_uid"),
    ("event.exec.target.executable.path", "process_path"),
    ("event.exec.args (shell-quoted join)", "process_cmd_line"),
    ("event.exec.target.start_time", "process_created_time"),
    ("event.exec.target.ppid", "parent_pid"),
    ("event.exec.target.parent_audit_token pid:pidversion", "parent_uid"),
    ("event.exec.args -c / -e argument", "script_text"),
    ("event.exec.script.path", "script_path"),
    ("event.exec.target.executable.path", "script_type"),
    ("global_seq_num", "event_uid"),
]

_MARKS = ("event_type", "event.exec", "process.audit_token", "time")


def _marks_missing(message: dict) -> list[str]:
    missing = []
    if not isinstance(message.get("event_type"), int):
        missing.append("event_type")
    event = message.get("event")
    if not (isinstance(event, dict) and isinstance(event.get("exec"), dict)):
        missing.append("event.exec")
    process = message.get("process")
    if not (isinstance(process, dict) and "audit_token" in process):
        missing.append("process.audit_token")
    if not isinstance(message.get("time"), str):
        missing.append("time")
    return missing


def detect(source: Source) -> Match | None:
    messages = source.json_objects
    if not messages:
        return None
    missing = min((_marks_missing(message) for message in messages), key=len)
    # event_type and audit_token are what set eslogger apart from other JSON.
    if "event_type" in missing and "process.audit_token" in missing:
        return None
    return Match(1 - len(missing) / len(_MARKS) + 0.5, missing)


def parse(source: Source) -> list[ScriptExecution]:
    records = []
    skipped = set()
    for index, value in enumerate(source.json_values or []):
        message = value.value
        if not isinstance(message, dict):
            continue
        event = message.get("event")
        if not (isinstance(event, dict) and isinstance(event.get("exec"), dict)):
            skipped.add(str(message.get("event_type", "(none)")))
            continue
        record = _record(message, event["exec"])
        record.index, record.line = index, source.line_of(value)
        records.append(record)
    if not records and skipped:
        raise InputError(f"no eslogger message is an exec event (event_type {NOTIFY_EXEC}); "
                         "found event_type "
                         + ", ".join(sorted(skipped)))
    return records


def audit_token(value: Any) -> dict | None:
    """Return an audit token as a dict, whether written as an object or as 8 integers."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and len(value) == len(AUDIT_TOKEN_FIELDS):
        return dict(zip(AUDIT_TOKEN_FIELDS, value))
    return None


def _path(file: Any) -> str | None:
    if isinstance(file, dict) and isinstance(file.get("path"), str):
        return file["path"] or None
    return None


def _time(value: Any, label: str) -> int | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        millis, _ = iso_to_ms(value)
    except ValueError as error:
        raise InputError(f"{label}: {error}") from None
    return millis


def _process_uid(token: dict | None) -> str | None:
    # pidversion changes on every exec, so pid:pidversion names one process image.
    if not token or token.get("pid") is None or token.get("pidversion") is None:
        return None
    return f"{token['pid']}:{token['pidversion']}"


def _record(message: dict, exec_event: dict) -> ScriptExecution:
    record = ScriptExecution(format_id=FORMAT_ID, product_name="Endpoint Security (eslogger)",
                             vendor_name="Apple")
    record.granularity = "process"
    record.device_os = "macos"
    target = exec_event.get("target") if isinstance(exec_event.get("target"), dict) else {}
    token = audit_token(target.get("audit_token"))

    record.put("time", _time(message.get("time"), "time"), "time")
    # NOTE: eslogger messages never name the host. OCSF needs some device identifier, so
    # the device is called "localhost", meaning the Mac that eslogger ran on.
    record.put("device_hostname", LOCAL_HOST, "none (eslogger reports on the host it runs on)")
    record.notes.append("eslogger does not record the host name; device.hostname is "
                        f"{LOCAL_HOST!r}, meaning the Mac that eslogger ran on")
    record.put("event_uid", _text(message.get("global_seq_num")), "global_seq_num")
    if token:
        record.put("user_uid", _text(token.get("euid")), "event.exec.target.audit_token.euid")
        record.put("process_pid", token.get("pid"), "event.exec.target.audit_token.pid")
        record.put("process_uid", _process_uid(token),
                   "event.exec.target.audit_token pid:pidversion")
        if token.get("auid") is not None and token.get("auid") != token.get("euid"):
            record.extras["audit_token.auid"] = token["auid"]
    record.put("process_path", _path(target.get("executable")),
               "event.exec.target.executable.path")
    record.put("process_created_time",
               _time(target.get("start_time"), "event.exec.target.start_time"),
               "event.exec.target.start_time")

    parent_token = audit_token(target.get("parent_audit_token"))
    parent_pid = target.get("ppid")
    parent_label = "event.exec.target.ppid"
    if parent_pid is None and parent_token:
        parent_pid = parent_token.get("pid")
        parent_label = "event.exec.target.parent_audit_token.pid"
    record.put("parent_pid", parent_pid, parent_label)
    if parent_token and parent_token.get("pid") == parent_pid:
        record.put("parent_uid", _process_uid(parent_token),
                   "event.exec.target.parent_audit_token pid:pidversion")

    arguments = exec_event.get("args")
    arguments = [str(argument) for argument in arguments] if isinstance(arguments, list) else []
    record.put("process_cmd_line", join_posix_arguments(arguments) if arguments else None,
               "event.exec.args (shell-quoted join)")

    _put_extras(record, message, exec_event, target)
    cwd = _path(exec_event.get("cwd"))
    found = inspect_launch(arguments, record.process_path, cwd=cwd)
    apply_launch_script(record, found, "event.exec.args", "Endpoint Security exec",
                        script_path=_path(exec_event.get("script")),
                        script_path_label="event.exec.script.path")
    return record


def _text(value: Any) -> str | None:
    return None if value is None or isinstance(value, bool) else str(value)


def _put_extras(record: ScriptExecution, message: dict, exec_event: dict, target: dict) -> None:
    # The process performing the exec has the target's pid, and its image is the one replaced.
    process = message.get("process") if isinstance(message.get("process"), dict) else {}
    image_before = _path(process.get("executable"))
    if image_before:
        record.extras["process.executable.path"] = image_before
    for key in ("signing_id", "team_id", "cdhash", "is_platform_binary"):
        if target.get(key) not in (None, ""):
            record.extras[f"target.{key}"] = target[key]
    tty = _path(target.get("tty"))
    if tty:
        record.extras["target.tty"] = tty
    cwd = _path(exec_event.get("cwd"))
    if cwd:
        record.extras["cwd"] = cwd
    if message.get("version") is not None:
        record.extras["message_version"] = message["version"]
    # The exec env is left out on purpose because environment variables often contain secrets.
