"""Elastic Defend process events (``endpoint.events.process`` data stream, ECS fields).

Accepted as Kibana's JSON document view, an Elasticsearch search response
(``hits.hits[]._source``), a single ``_source`` document, or NDJSON. Nested
objects and flattened dotted keys (``"process.pid"``) are both read. Only
process start events (``event.type`` contains ``start``: exec, fork, start) are
mapped. Elastic Defend process events carry no script text.
"""

from __future__ import annotations

import shlex
from typing import Any

from .. import InputError, Match, Source
from ..record import Hash, ScriptExecution
from ..timeparse import iso_to_ms
from .launch_support import (apply_launch_script, inspect_launch, join_posix_arguments,
                             split_windows_command_line)

FORMAT_ID = "elastic_defend_process"
TITLE = "Elastic Defend process events (endpoint.events.process)"
ORDER = 40
# Process launches: Process Activity keeps the real command line.
GRANULARITY = "process"
DATASET = "endpoint.events.process"

FIELDS = [
    ("@timestamp", "time"),
    ("event.created", "logged_time"),
    ("host.hostname / host.name", "device_hostname"),
    ("host.id", "device_uid"),
    ("user.name", "user_name"),
    ("user.id", "user_uid"),
    ("user.domain", "user_domain"),
    ("process.pid", "process_pid"),
    ("process.entity_id", "process_uid"),
    ("process.name", "process_name"),
    ("process.executable", "process_path"),
    ("process.command_line (process.args joined when absent)", "process_cmd_line"),
    ("process.start", "process_created_time"),
    ("process.parent.pid", "parent_pid"),
    ("process.parent.entity_id", "parent_uid"),
    ("process.parent.name", "parent_name"),
    ("process.parent.executable", "parent_path"),
    ("process.parent.command_line / args", "parent_cmd_line"),
    ("process.args -c / -e / -EncodedCommand argument", "script_text"),
    ("process.args script argument", "script_path"),
    ("process.executable", "script_type"),
    ("event.id", "event_uid"),
]

_OS_TYPES = {"linux": "linux", "windows": "windows", "macos": "macos", "darwin": "macos"}


def get(document: dict, path: str) -> Any:
    """Read a dotted ECS path from nested objects, flattened keys, or a mix of both."""
    if path in document:
        return document[path]
    head, dot, rest = path.partition(".")
    while dot:
        value = document.get(head)
        if isinstance(value, dict):
            found = get(value, rest)
            if found is not None:
                return found
        next_head, dot, rest = rest.partition(".")
        head = f"{head}.{next_head}"
    return None


def _documents(value: Any) -> list[dict]:
    if isinstance(value, list):
        return [document for item in value for document in _documents(item)]
    if not isinstance(value, dict):
        return []
    hits = value.get("hits")
    if isinstance(hits, dict) and isinstance(hits.get("hits"), list):
        return _documents(hits["hits"])
    if isinstance(value.get("_source"), dict):
        return [value["_source"]]
    return [value]


def _dataset(document: dict) -> str | None:
    return get(document, "data_stream.dataset") or get(document, "event.dataset")


def _event_types(document: dict) -> list[str]:
    value = get(document, "event.type")
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list) else []


def detect(source: Source) -> Match | None:
    documents = [document for value in source.json_values or []
                 for document in _documents(value.value)]
    datasets = {_dataset(document) for document in documents}
    if DATASET in datasets:
        return Match(1.5)
    if any(isinstance(name, str) and name.startswith("endpoint.events.") for name in datasets):
        return Match(0.5, [f"data_stream.dataset {DATASET}"])
    return None


def parse(source: Source) -> list[ScriptExecution]:
    records = []
    skipped = set()
    index = 0
    for value in source.json_values or []:
        for document in _documents(value.value):
            position, index = index, index + 1
            if _dataset(document) != DATASET:
                skipped.add(str(_dataset(document)))
                continue
            if "start" not in _event_types(document):
                skipped.add(f"{DATASET} {get(document, 'event.action') or '?'}")
                continue
            record = _record(document)
            record.index, record.line = position, source.line_of(value)
            records.append(record)
    if not records and skipped:
        raise InputError("no document is an Elastic Defend process start event "
                         f"({DATASET} with event.type start); found "
                         + ", ".join(sorted(skipped)))
    return records


def _text(document: dict, path: str) -> str | None:
    value = get(document, path)
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return str(value).strip() or None


def _integer(document: dict, path: str) -> int | None:
    value = get(document, path)
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InputError(f"{path} {value!r} is not a process ID") from None


def _time(document: dict, path: str) -> int | None:
    value = _text(document, path)
    if value is None:
        return None
    try:
        millis, _ = iso_to_ms(value)
    except ValueError as error:
        raise InputError(f"{path}: {error}") from None
    return millis


def _arguments(document: dict, path: str) -> list[str]:
    value = get(document, path)
    return [str(item) for item in value] if isinstance(value, list) else []


def _record(document: dict) -> ScriptExecution:
    record = ScriptExecution(format_id=FORMAT_ID, product_name="Elastic Defend",
                             vendor_name="Elastic")
    record.granularity = "process"
    os_type = (_text(document, "host.os.type") or "").lower()
    record.device_os = _OS_TYPES.get(os_type)
    windows = record.device_os == "windows"

    record.put("time", _time(document, "@timestamp"), "@timestamp")
    record.put("logged_time", _time(document, "event.created"), "event.created")
    record.put("event_uid", _text(document, "event.id"), "event.id")
    hostname = _text(document, "host.hostname")
    record.put("device_hostname", hostname or _text(document, "host.name"),
               "host.hostname" if hostname else "host.name")
    record.put("device_uid", _text(document, "host.id"), "host.id")
    for fact, path in (("user_name", "user.name"), ("user_uid", "user.id"),
                       ("user_domain", "user.domain")):
        record.put(fact, _text(document, path), path)

    record.put("process_pid", _integer(document, "process.pid"), "process.pid")
    record.put("process_uid", _text(document, "process.entity_id"), "process.entity_id")
    record.put("process_name", _text(document, "process.name"), "process.name")
    record.put("process_path", _text(document, "process.executable"), "process.executable")
    record.put("process_created_time", _time(document, "process.start"), "process.start")
    arguments = _arguments(document, "process.args")
    _put_command_line(record, document, "process", "process_cmd_line", arguments, windows)
    for algorithm, algorithm_id in (("sha256", 3), ("sha1", 2), ("md5", 1)):
        value = _text(document, f"process.hash.{algorithm}")
        if value:
            record.process_hashes.append(Hash(algorithm_id, value.lower(), "file"))

    record.put("parent_pid", _integer(document, "process.parent.pid"), "process.parent.pid")
    record.put("parent_uid", _text(document, "process.parent.entity_id"),
               "process.parent.entity_id")
    record.put("parent_name", _text(document, "process.parent.name"), "process.parent.name")
    record.put("parent_path", _text(document, "process.parent.executable"),
               "process.parent.executable")
    record.parent_created_time = _time(document, "process.parent.start")
    _put_command_line(record, document, "process.parent", "parent_cmd_line",
                      _arguments(document, "process.parent.args"), windows)

    for path in ("event.action", "event.sequence", "process.working_directory",
                 "process.Ext.ancestry", "agent.version", "group.name"):
        value = get(document, path)
        if value not in (None, "", []):
            record.extras[path] = value

    if not arguments and record.process_cmd_line:
        arguments = (split_windows_command_line(record.process_cmd_line) if windows
                     else _split_posix(record.process_cmd_line))
        arguments_label = "process.command_line"
    else:
        arguments_label = "process.args"
    found = inspect_launch(arguments, record.process_path,
                           cwd=_text(document, "process.working_directory"), windows=windows)
    apply_launch_script(record, found, arguments_label, "Elastic Defend process")
    return record


def _put_command_line(record: ScriptExecution, document: dict, prefix: str, fact: str,
                      arguments: list[str], windows: bool) -> None:
    command_line = _text(document, f"{prefix}.command_line")
    if command_line:
        record.put(fact, command_line, f"{prefix}.command_line")
    elif arguments:
        # Windows programs split their own command lines, so a plain join is all ECS allows.
        joined = " ".join(arguments) if windows else join_posix_arguments(arguments)
        record.put(fact, joined, f"{prefix}.args (joined)")


def _split_posix(command_line: str) -> list[str]:
    try:
        return shlex.split(command_line)
    except ValueError:
        return command_line.split()
