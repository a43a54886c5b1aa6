"""Linux audit execve events from raw ``audit.log`` lines (or ``ausearch --raw``).

One event is every record that shares ``msg=audit(<epoch seconds>.<ms>:<serial>)``
(and the ``node=`` prefix, when the log has one): SYSCALL, EXECVE, CWD, PATH
and PROCTITLE. Records of several events may be interleaved. The kernel writes
an argument hex-encoded when it contains a space, a quote, a control character
or a byte above 0x7E, and splits a long argument into ``aN[0]``, ``aN[1]``…
pieces, possibly across several EXECVE records. With ``log_format=ENRICHED``,
auditd appends upper-case resolved fields (``AUID="alice"``) after a 0x1D byte.

Interpreted ``ausearch -i`` output is not accepted, because it replaces the
epoch stamp with local time and decodes arguments ambiguously.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from .. import InputError, Match, Source
from ..record import ScriptExecution
from ..timeparse import epoch_to_ms
from .launch_support import apply_launch_script, inspect_launch, join_posix_arguments

FORMAT_ID = "auditd_execve"
TITLE = "Linux auditd execve (raw audit.log)"
ORDER = 40
# Process launches: Process Activity keeps the real command line.
GRANULARITY = "process"
UNSET_ID = "4294967295"  # value of auid and ses before a login sets them
LOCAL_HOST = "localhost"
# Numeric record types, as the kernel prints them to the console and journal.
_TYPE_NAMES = {"1300": "SYSCALL", "1302": "PATH", "1307": "CWD", "1309": "EXECVE",
               "1327": "PROCTITLE"}
# execve and execveat syscall numbers: x86_64 59/322, i386 11/358, aarch64 221/281.
_EXEC_SYSCALLS = {"59", "322", "11", "358", "221", "281", "execve", "execveat"}

FIELDS = [
    ("msg=audit(<seconds>.<ms>:…)", "time"),
    ("node=", "device_hostname"),
    ("SYSCALL auid (ENRICHED AUID for the name)", "user_uid"),
    ("SYSCALL pid", "process_pid"),
    ("SYSCALL exe", "process_path"),
    ("EXECVE a0…aN (PROCTITLE when missing)", "process_cmd_line"),
    ("SYSCALL ppid", "parent_pid"),
    ("EXECVE -c / -e argument", "script_text"),
    ("PATH item 0 for a #! script, else the script argument, resolved against CWD",
     "script_path"),
    ("SYSCALL exe", "script_type"),
    ("node + msg=audit(…) stamp", "event_uid"),
]

# node= must start a word. Otherwise every "node=" inside one long word would scan
# the rest of that word, which is quadratic on a line such as "node=node=node=…".
_RECORD = re.compile(
    r"(?:(?<!\S)node=(?P<node>\S+)\s+)?type=(?P<type>\w+)\s+(?:msg=)?audit\("
    r"(?P<seconds>\d+)\.(?P<millis>\d+):(?P<serial>\d+)\)\s*:\s*(?P<body>.*)")
# A key=value field, or else a whole word that cannot start one. Whether a key
# matches depends only on what follows its word, so when the word fails at its
# first letter it fails at every later letter too. Consuming it in one step keeps
# findall linear, where retrying at each letter would be quadratic.
_FIELD = re.compile(r"([A-Za-z_][\w-]*(?:\[\d+\])?)=(\"[^\"]*\"|'[^']*'|\S*)|[A-Za-z_][\w-]*")
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2})+$")
_ARGUMENT_KEY = re.compile(r"^a(\d+)(?:\[(\d+)\]|_len)?$")
# Up to this many positions that argc or the aN keys name but the log lacks are
# filled with empty arguments. A larger gap means a bogus count rather than a few
# lost records, so then only the arguments present are kept. NOTE: the bound is a guess.
MAX_FILLED_ARGUMENTS = 1000


@dataclass
class _AuditRecord:
    kind: str
    fields: dict[str, str]  # raw tokens, quotes kept, so quoted and hex values stay apart
    enriched: dict[str, str]


@dataclass
class _AuditEvent:
    node: str | None
    stamp: str
    seconds: str
    millis: str
    line: int
    records: list[_AuditRecord] = field(default_factory=list)

    def first(self, kind: str) -> _AuditRecord | None:
        return next((record for record in self.records if record.kind == kind), None)

    def all(self, kind: str) -> list[_AuditRecord]:
        return [record for record in self.records if record.kind == kind]


def _split_body(body: str) -> tuple[str, str]:
    raw, _, enriched = body.partition("\x1d")
    return raw, enriched


def _fields(text: str) -> dict[str, str]:
    return {key: value for key, value in _FIELD.findall(text) if key}


def _decimal(text: str | None) -> int | None:
    """Return the value of a string of 1 to 18 decimal digits, or None for any other text."""
    if not text or len(text) > 18 or not text.isdecimal():
        return None
    return int(text)


def _events(text: str) -> tuple[list[_AuditEvent], int]:
    """Group records by node and stamp in order of first appearance.

    Also return how many non-blank lines are not audit records.
    """
    events: dict[tuple[str | None, str], _AuditEvent] = {}
    foreign = 0
    # str.splitlines() would also split at the 0x1D byte that starts the enriched fields.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        match = _RECORD.search(line)
        if not match:
            if line.strip() and not line.strip().startswith("----"):
                foreign += 1
            continue
        stamp = f"{match['seconds']}.{match['millis']}:{match['serial']}"
        key = (match["node"], stamp)
        if key not in events:
            events[key] = _AuditEvent(match["node"], stamp, match["seconds"], match["millis"],
                                      number)
        raw, enriched = _split_body(match["body"])
        kind = _TYPE_NAMES.get(match["type"], match["type"])
        fields = _fields(raw)
        # When copy and paste loses the 0x1D byte, the enriched fields are the upper-case ones.
        enriched_fields = _fields(enriched) if enriched else {
            key: value for key, value in fields.items() if key.isupper()}
        events[key].records.append(_AuditRecord(kind, fields, enriched_fields))
    return list(events.values()), foreign


def _is_exec(event: _AuditEvent) -> bool:
    if event.first("EXECVE") is not None:
        return True
    syscall = event.first("SYSCALL")
    if syscall is None:
        return False
    return (syscall.fields.get("syscall") in _EXEC_SYSCALLS
            or syscall.enriched.get("SYSCALL") in _EXEC_SYSCALLS)


def detect(source: Source) -> Match | None:
    if source.json_values is not None:
        return None
    events, _ = _events(source.text)
    if not events:
        return None
    if any(_is_exec(event) for event in events):
        return Match(1.5)
    return Match(0.5, ["an execve event (EXECVE or SYSCALL syscall=59 record)"])


def parse(source: Source) -> list[ScriptExecution]:
    events, foreign = _events(source.text)
    records = []
    for index, event in enumerate(event for event in events if _is_exec(event)):
        record = _record(event)
        record.index, record.line = index, event.line
        if foreign:
            record.notes.append(f"{foreign} pasted lines are not audit records and were ignored")
        records.append(record)
    if not records:
        if not events:
            raise InputError("no audit record with msg=audit(<seconds>.<ms>:<serial>) was found")
        kinds = sorted({record.kind for event in events for record in event.records})
        raise InputError("no audit event is an execve call; found records of type "
                         + ", ".join(kinds))
    return records


def decode_value(token: str | None) -> str | None:
    """Decode an untrusted-string field: quoted text as is, unquoted hex as UTF-8 bytes.

    Bytes that are not UTF-8 are kept as ``\\xNN`` escapes. ``(null)`` means no value.
    """
    if token is None:
        return None
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        return token[1:-1]
    if token == "(null)":
        return None
    if _HEX.match(token):
        return bytes.fromhex(token).decode("utf-8", errors="backslashreplace")
    return token


def _arguments(event: _AuditEvent, record: ScriptExecution) -> list[str] | None:
    """Rebuild argv from every EXECVE record, joining ``aN[i]`` pieces."""
    execve = event.all("EXECVE")
    if not execve:
        return None
    fields: dict[str, str] = {}
    for item in execve:
        fields.update(item.fields)

    count = _decimal(fields.get("argc"))
    named, split = _argument_positions(fields)
    total = max(count or 0, max(named, default=-1) + 1)
    present = {position for position in named if f"a{position}" in fields} | set(split)
    positions: range | list[int] = range(total)
    if total - len(present) > MAX_FILLED_ARGUMENTS:
        positions = sorted(present)
        record.notes.append(f"argc and the aN keys name {total} arguments but the log has "
                            f"only {len(present)}; the missing ones were left out, not taken "
                            "as empty")

    arguments = []
    missing = []
    for position in positions:
        plain = fields.get(f"a{position}")
        if plain is not None:
            arguments.append(decode_value(plain) or "")
            continue
        pieces = sorted(split.get(position, []), key=lambda piece: piece[0])
        if pieces:
            arguments.append(_join_pieces([value for _, value in pieces]))
            expected = _decimal(fields.get(f"a{position}_len"))
            if expected is not None and _encoded_length(pieces) < expected:
                record.notes.append(f"argument a{position} is incomplete: its pieces contain fewer "
                                    f"than the {expected} characters of a{position}_len")
            continue
        missing.append(position)
        arguments.append("")

    if missing:
        record.notes.append(f"argc is {total} but arguments {', '.join(f'a{n}' for n in missing)} "
                            "are not in the log; they were taken as empty")
    return arguments


def _argument_positions(fields: dict[str, str]) -> tuple[set[int], dict[int, list]]:
    """Index the argument keys of the EXECVE fields in one pass.

    Return the positions that any ``aN``, ``aN[i]`` or ``aN_len`` key names, and
    the ``(i, value)`` pieces of each split argument. Pieces are taken only from
    keys that spell N without leading zeros, the form the kernel writes.
    """
    named: set[int] = set()
    split: dict[int, list[tuple[int, str]]] = {}
    for key, value in fields.items():
        match = _ARGUMENT_KEY.match(key)
        position = _decimal(match.group(1)) if match else None
        if position is None:
            continue
        named.add(position)
        piece = _decimal(match.group(2))
        if piece is not None and match.group(1) == str(position):
            split.setdefault(position, []).append((piece, value))
    return named, split


def _join_pieces(values: list[str]) -> str:
    """Join the pieces of one split argument, which are all hex or all quoted text."""
    if all(not value.startswith('"') and _HEX.match(value) for value in values):
        return bytes.fromhex("".join(values)).decode("utf-8", errors="backslashreplace")
    return "".join(decode_value(value) or "" for value in values)


def _encoded_length(pieces: list[tuple[int, str]]) -> int:
    # The kernel's audit_log_execve_info() sets aN_len to the logged length: hex digits
    # for an encoded argument, characters for a quoted one.
    return sum(len(value.strip('"')) for _, value in pieces)


def _proctitle(event: _AuditEvent) -> list[str] | None:
    record = event.first("PROCTITLE")
    if record is None or "proctitle" not in record.fields:
        return None
    token = record.fields["proctitle"]
    if token.startswith('"'):
        return [token.strip('"')]
    if not _HEX.match(token):
        return [token]
    raw = bytes.fromhex(token).rstrip(b"\x00")
    return [part.decode("utf-8", errors="backslashreplace") for part in raw.split(b"\x00")]


def _record(event: _AuditEvent) -> ScriptExecution:
    record = ScriptExecution(format_id=FORMAT_ID, product_name="Linux Audit (auditd)",
                             vendor_name="Linux Audit Project")
    record.granularity = "process"
    record.device_os = "linux"
    syscall = event.first("SYSCALL") or _AuditRecord("SYSCALL", {}, {})
    values = syscall.fields

    try:
        record.put("time", epoch_to_ms(f"{event.seconds}.{event.millis}", "s"),
                   "msg=audit(…) stamp")
    except ValueError as error:
        raise InputError(str(error), event.line) from None
    if event.node:
        record.put("device_hostname", event.node, "node=")
        record.put("event_uid", f"{event.node}:{event.stamp}", "node + msg=audit(…) stamp")
    else:
        # NOTE: raw audit.log names no host unless name_format adds node=. OCSF needs a
        # device identifier, so the device is called "localhost", meaning the host that
        # wrote the log.
        record.put("device_hostname", LOCAL_HOST, "none (audit.log of the local host)")
        record.notes.append("the audit records have no node= prefix; device.hostname is "
                            f"{LOCAL_HOST!r}, meaning the host that wrote the log")
        record.put("event_uid", event.stamp, "msg=audit(…) stamp")

    _put_user(record, values, syscall.enriched)
    record.put("process_pid", _number(values.get("pid")), "SYSCALL pid")
    record.put("parent_pid", _number(values.get("ppid")), "SYSCALL ppid")
    record.put("process_path", decode_value(values.get("exe")), "SYSCALL exe")

    arguments = _arguments(event, record)
    label = "EXECVE a0…aN"
    if not arguments:
        arguments = _proctitle(event)
        label = "PROCTITLE"
        if arguments:
            record.notes.append("there is no EXECVE record; the command line comes from "
                                "PROCTITLE, which the kernel cuts at 128 bytes")
    arguments = arguments or []
    record.put("process_cmd_line", join_posix_arguments(arguments) if arguments else None,
               f"{label} (shell-quoted join)")

    for key in ("uid", "euid", "gid", "tty", "ses", "key", "success", "exit", "syscall", "arch"):
        value = decode_value(values.get(key)) if key == "key" else _plain(values.get(key))
        if value not in (None, "", "(none)", UNSET_ID):
            record.extras[key] = value
    if values.get("success") == "no":
        record.notes.append(f"the execve call failed (exit={values.get('exit')}), so no "
                            "program was actually started")
    comm = decode_value(values.get("comm"))
    if comm:
        record.extras["comm"] = comm

    cwd_record = event.first("CWD")
    cwd = decode_value(cwd_record.fields.get("cwd")) if cwd_record else None
    found = inspect_launch(arguments, record.process_path, cwd=cwd)
    script_path = _shebang_script(event, comm, record.process_path, arguments, cwd)
    apply_launch_script(record, found, label, "auditd execve", script_path=script_path,
                        script_path_label="PATH item 0 (a #! script), resolved against CWD")
    return record


def _plain(token: str | None) -> str | None:
    """Return a field that is never hex-encoded (numbers, ids, flags) without its quotes."""
    if token is None:
        return None
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
        return token[1:-1]
    return token


def _number(token: str | None) -> int | None:
    return _decimal(_plain(token))


def _put_user(record: ScriptExecution, values: dict, enriched: dict) -> None:
    auid = _plain(values.get("auid"))
    if auid and auid != UNSET_ID:
        record.put("user_uid", auid, "SYSCALL auid")
        record.put("user_name", _plain(enriched.get("AUID")), "SYSCALL AUID (ENRICHED)")
        return
    # A daemon started before any login has no auid; the real uid is the next best user.
    uid = _plain(values.get("uid"))
    record.put("user_uid", uid, "SYSCALL uid (auid unset)")
    record.put("user_name", _plain(enriched.get("UID")), "SYSCALL UID (ENRICHED)")


def _shebang_script(event: _AuditEvent, comm: str | None, exe: str | None,
                    arguments: list[str], cwd: str | None) -> str | None:
    """Return the script path when the kernel ran a ``#!`` script, else None.

    For such an exec, comm is the script's name (up to 15 characters), exe the
    interpreter, PATH item 0 the script as named by the caller, and the kernel
    puts that name into argv after the interpreter.
    """
    paths = {record.fields.get("item"): record for record in event.all("PATH")}
    item = paths.get("0")
    if not comm or not exe or item is None:
        return None
    name = decode_value(item.fields.get("name"))
    if not name:
        return None
    base = posixpath.basename(name)
    if base[:15] != comm or posixpath.basename(exe)[:15] == comm:
        return None
    if name not in arguments[1:3]:
        return None  # a symlink or argv[0] rewrite, not an interpreter run on a script
    if posixpath.isabs(name) or not cwd:
        return name
    return posixpath.normpath(posixpath.join(cwd, name))
