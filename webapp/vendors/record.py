"""The neutral record of one script execution that every vendor parser produces.

A parser fills a :class:`ScriptExecution` with facts read from the vendor
event, naming the source field of each fact with :meth:`ScriptExecution.put`.
The mapping layer turns the same record into Script Activity and into Process
Activity, and the fidelity table reads the recorded source names, so a parser
never writes OCSF itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Every fact a record can carry, in the order the fidelity table lists them.
FACTS = (
    "time",
    "logged_time",
    "device_hostname",
    "device_uid",
    "user_name",
    "user_uid",
    "user_domain",
    "process_pid",
    "process_uid",
    "process_name",
    "process_path",
    "process_cmd_line",
    "process_created_time",
    "parent_pid",
    "parent_uid",
    "parent_name",
    "parent_path",
    "parent_cmd_line",
    "script_text",
    "script_uid",
    "script_parent_uid",
    "script_path",
    "script_name",
    "script_type",
    "script_hashes",
    "script_truncated",
    "script_untruncated_size",
    "event_uid",
    "correlation_uid",
    "severity",
)


@dataclass(frozen=True)
class Hash:
    """A vendor hash, copied as given, with the encoding it was computed over."""

    algorithm_id: int  # OCSF fingerprint algorithm_id: 1 MD5, 2 SHA-1, 3 SHA-256, 4 SHA-512
    value: str
    basis: str = "unknown"  # "utf-16le", "utf-8", "file" or "unknown"


@dataclass(frozen=True)
class ScriptType:
    """OCSF ``script.type_id`` with the evidence it was inferred from."""

    type_id: int
    evidence: str
    other_name: str | None = None  # the engine name when type_id is 99 (Other)


@dataclass
class ScriptExecution:
    """The facts one vendor event gives about one script execution."""

    format_id: str
    index: int = 0  # position of the source event in the pasted batch
    line: int | None = None  # line of the pasted text where the event starts

    # Occurrence time and collector time, epoch milliseconds.
    time: int | None = None
    logged_time: int | None = None
    time_zone_known: bool = True

    device_hostname: str | None = None
    device_uid: str | None = None
    device_os: str | None = None  # "windows", "linux", "macos"

    user_name: str | None = None
    user_uid: str | None = None
    user_domain: str | None = None
    user_email: str | None = None

    # The process that ran the script (the host: powershell.exe, bash…).
    process_pid: int | None = None
    process_uid: str | None = None
    process_name: str | None = None
    process_path: str | None = None
    process_cmd_line: str | None = None
    process_created_time: int | None = None
    process_hashes: list[Hash] = field(default_factory=list)

    # The parent of the host process.
    parent_pid: int | None = None
    parent_uid: str | None = None
    parent_name: str | None = None
    parent_path: str | None = None
    parent_cmd_line: str | None = None
    parent_created_time: int | None = None

    # The script. ``script_text`` is None when the source carries no text.
    script_text: str | None = None
    script_uid: str | None = None
    script_parent_uid: str | None = None
    script_path: str | None = None
    script_name: str | None = None
    script_type: ScriptType | None = None
    script_hashes: list[Hash] = field(default_factory=list)
    script_truncated: bool = False
    script_untruncated_size: int | None = None
    script_size_unit: str | None = None  # e.g. "utf-16le bytes"
    script_encrypted: bool = False  # Protected Event Logging ciphertext, not source
    # "script" (a whole script or block), "command" (one command of a script),
    # "process" (a process launch that carries no script text of its own).
    granularity: str = "script"

    event_uid: str | None = None
    correlation_uid: str | None = None
    severity_id: int | None = None
    product_name: str | None = None
    vendor_name: str | None = None

    # fact name -> source field that gave it, e.g. "script_text" -> "AdditionalFields.ScriptContent"
    sources: dict[str, str] = field(default_factory=dict)
    # Source fields that no OCSF attribute takes, kept verbatim for ``unmapped``.
    extras: dict[str, Any] = field(default_factory=dict)
    # Warnings about this event: unknown zone, salvaged text, guessed values…
    notes: list[str] = field(default_factory=list)

    def put(self, fact: str, value: Any, source: str) -> None:
        """Set ``fact`` to ``value`` and record ``source``; skip empty values.

        Empty strings, empty lists and None mean "absent" in every vendor format
        handled here, and OCSF events must not carry them.
        """
        if fact not in self.__dataclass_fields__:
            raise AttributeError(f"unknown record fact {fact!r}")
        if value is None or value == "" or value == []:
            return
        setattr(self, fact, value)
        self.sources[fact] = source
