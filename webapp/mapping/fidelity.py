"""The fidelity table: where each source fact lands in each mapping, and what survives.

Each row names a fact of the source event, the source field it came from, the
attribute path each mapping puts it in (or None), and a verdict per mapping:
``kept``, ``distorted`` (present but with another meaning or shape) or
``lost``, with the reason.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from webapp.vendors.record import ScriptExecution

WINDOWS_CMD_LINE_LIMIT = 32767  # characters a Windows process command line can hold

KEPT, DISTORTED, LOST = "kept", "distorted", "lost"


@dataclass
class FidelityRow:
    fact: str
    label: str
    source: str
    script_activity: str | None
    process_activity: str | None
    script_activity_verdict: str
    process_activity_verdict: str
    reason: str = ""

    @property
    def verdict(self) -> str:
        """The verdict of the Process Activity design, the one under comparison."""
        return self.process_activity_verdict

    def to_json(self) -> dict:
        data = asdict(self)
        data["verdict"] = self.verdict
        return data


def _present(record: ScriptExecution, fact: str) -> bool:
    return fact in record.sources


def fidelity_rows(record: ScriptExecution, script_event: dict | None,
                  process_event: dict | None) -> list[FidelityRow]:
    """Build the table for one record and its two mappings (either may be None)."""
    rows: list[FidelityRow] = []
    has_script = script_event is not None
    has_process = process_event is not None
    is_launch = record.granularity == "process"

    def add(fact, label, sa_path, pa_path, pa_verdict=KEPT, reason="", sa_verdict=KEPT):
        if not _present(record, fact):
            return
        rows.append(FidelityRow(
            fact=fact, label=label, source=record.sources[fact],
            script_activity=sa_path if has_script and sa_path else None,
            process_activity=pa_path if has_process and pa_path else None,
            script_activity_verdict=sa_verdict if has_script and sa_path else LOST,
            process_activity_verdict=pa_verdict if has_process else LOST,
            reason=reason if has_process else "no Process Activity event could be made",
        ))

    text = record.script_text or ""
    if is_launch:
        add("script_text", "script text", "script.script_content.value", None, LOST,
            "the launch event carries the command line, not a script")
    elif record.granularity == "command":
        add("script_text", "command text", "script.script_content.value", "process.cmd_line",
            DISTORTED, "one command inside a running script is shown as a process launch; "
            "no process was started for it")
    elif len(text) > WINDOWS_CMD_LINE_LIMIT:
        add("script_text", "script text", "script.script_content.value", "process.cmd_line",
            DISTORTED, f"{len(text):,} characters in cmd_line exceed the "
            f"{WINDOWS_CMD_LINE_LIMIT:,}-character Windows command-line limit; no real "
            "process could have had this command line")
    else:
        add("script_text", "script text", "script.script_content.value", "process.cmd_line",
            DISTORTED, "script text stored as the command line of the process that ran it; "
            "readers cannot tell script text from process arguments")

    hash_reason = "no slot for a script hash: process.file.hashes describes the interpreter image"
    if any(h.basis not in ("unknown", "utf-8") for h in record.script_hashes):
        hash_reason = (f"hash over {record.script_hashes[0].basis} dropped: "
                       "no slot for a script hash in a process launch")
    add("script_hashes", "script hash", "script.hashes", None, LOST, hash_reason)
    add("script_type", "language", "script.type_id", None, LOST,
        "no language attribute: it must be guessed again from the process image")
    add("script_uid", "script id", "script.uid", None, LOST,
        "the script block id, the key for de-duplication and reassembly, has no slot")
    add("script_parent_uid", "parent script id", "script.parent_uid", None, LOST,
        "the sub-script relation has no slot")
    add("script_path", "script path", "script.file.path", None, LOST,
        "the script path has no slot: process.file is the interpreter, so the path survives "
        "only if it happens to appear in the command line")
    add("script_name", "script name", "script.name", None, LOST, "no slot for the script name")
    add("script_truncated", "truncation", "script.script_content.is_truncated", None, LOST,
        "cmd_line is a plain string, so the cut text reads as complete")
    add("script_untruncated_size", "original size",
        "script.script_content.untruncated_size", None, LOST, "no slot for the original size")

    add("time", "event time", "time", "time")
    add("logged_time", "logged time", "metadata.logged_time", "metadata.logged_time")
    add("device_hostname", "host name", "device.hostname", "device.hostname")
    add("device_uid", "device id", "device.uid", "device.uid")
    add("user_name", "user name", "actor.user.name", "actor.user.name")
    add("user_uid", "user id", "actor.user.uid", "actor.user.uid")
    add("user_domain", "user domain", "actor.user.domain", "actor.user.domain")

    add("process_pid", "host process id", "actor.process.pid", "process.pid")
    add("process_uid", "host process unique id", "actor.process.uid", "process.uid")
    add("process_name", "host process name", "actor.process.name", "process.name")
    add("process_path", "host process image", "actor.process.file.path", "process.file.path")
    if is_launch:
        add("process_cmd_line", "process command line", "actor.process.cmd_line",
            "process.cmd_line")
    else:
        add("process_cmd_line", "host process command line", "actor.process.cmd_line", None,
            LOST, "overwritten by the script text (kept only under unmapped.host_cmd_line)")
    created_verdict, created_reason = KEPT, ""
    if not is_launch and record.process_created_time is not None and record.time is not None \
            and record.process_created_time != record.time:
        created_verdict = DISTORTED
        created_reason = (f"a Launch event at {record.time} for a process created at "
                          f"{record.process_created_time}: the event did not start the process")
    add("process_created_time", "host process start time", "actor.process.created_time",
        "process.created_time", created_verdict, created_reason)

    add("parent_pid", "parent process id", "actor.process.parent_process.pid",
        "actor.process.pid")
    add("parent_uid", "parent process unique id", "actor.process.parent_process.uid",
        "actor.process.uid")
    add("parent_name", "parent process name", "actor.process.parent_process.name",
        "actor.process.name")
    add("parent_path", "parent process image", "actor.process.parent_process.file.path",
        "actor.process.file.path")
    add("parent_cmd_line", "parent command line", "actor.process.parent_process.cmd_line",
        "actor.process.cmd_line")

    add("event_uid", "event id", "metadata.uid", "metadata.uid")
    add("correlation_uid", "correlation id", "metadata.correlation_uid",
        "metadata.correlation_uid")
    add("severity", "severity", "severity_id", "severity_id")
    return rows
