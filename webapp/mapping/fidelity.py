"""The fidelity table: where each source fact lands in each mapping, and what survives.

Each row names a fact of the source event, the source field it came from, and
the attribute path each mapping puts it in (or None). Each mapping gets a
verdict with the reason: ``kept``, ``distorted`` (present but with another
meaning or shape) or ``lost``.
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


@dataclass(frozen=True)
class FactRule:
    """The placement of one record fact in each mapping, and its usual Process Activity verdict."""

    fact: str
    label: str
    script_activity: str | None
    process_activity: str | None
    process_verdict: str = KEPT
    reason: str = ""


# The default placement of every fact. fidelity_rows() refines a few rows per
# event (script text, hash encoding, process start time); the format pages show
# this table as it is.
FACT_RULES = [
    FactRule("script_text", "script text", "script.script_content.value", "process.cmd_line",
             DISTORTED, "script text stored as the command line of the process that ran it"),
    FactRule("script_hashes", "script hash", "script.hashes", None, LOST,
             "no slot for a script hash: process.file.hashes describes the interpreter image"),
    FactRule("script_type", "language", "script.type_id", None, LOST,
             "no language attribute: it must be guessed again from the process image"),
    FactRule("script_uid", "script id", "script.uid", None, LOST,
             "the script block id, the key for de-duplication and reassembly, has no slot"),
    FactRule("script_parent_uid", "parent script id", "script.parent_uid", None, LOST,
             "the sub-script relation has no slot"),
    FactRule("script_path", "script path", "script.file.path", None, LOST,
             "the script path has no slot: process.file is the interpreter, so the path "
             "survives only if it happens to appear in the command line"),
    FactRule("script_name", "script name", "script.name", None, LOST,
             "no slot for the script name"),
    FactRule("script_truncated", "truncation", "script.script_content.is_truncated", None,
             LOST, "cmd_line is a plain string, so the cut text reads as complete"),
    FactRule("script_untruncated_size", "original size",
             "script.script_content.untruncated_size", None, LOST,
             "no slot for the original size"),
    FactRule("time", "event time", "time", "time"),
    FactRule("logged_time", "logged time", "metadata.logged_time", "metadata.logged_time"),
    FactRule("device_hostname", "host name", "device.hostname", "device.hostname"),
    FactRule("device_uid", "device id", "device.uid", "device.uid"),
    FactRule("user_name", "user name", "actor.user.name", "actor.user.name"),
    FactRule("user_uid", "user id", "actor.user.uid", "actor.user.uid"),
    FactRule("user_domain", "user domain", "actor.user.domain", "actor.user.domain"),
    FactRule("process_pid", "host process id", "actor.process.pid", "process.pid"),
    FactRule("process_uid", "host process unique id", "actor.process.uid", "process.uid"),
    FactRule("process_name", "host process name", "actor.process.name", "process.name"),
    FactRule("process_path", "host process image", "actor.process.file.path",
             "process.file.path"),
    FactRule("process_cmd_line", "host process command line", "actor.process.cmd_line", None,
             LOST, "overwritten by the script text (kept only under unmapped.host_cmd_line)"),
    FactRule("process_created_time", "host process start time", "actor.process.created_time",
             "process.created_time"),
    FactRule("parent_pid", "parent process id", "actor.process.parent_process.pid",
             "actor.process.pid"),
    FactRule("parent_uid", "parent process unique id", "actor.process.parent_process.uid",
             "actor.process.uid"),
    FactRule("parent_name", "parent process name", "actor.process.parent_process.name",
             "actor.process.name"),
    FactRule("parent_path", "parent process image", "actor.process.parent_process.file.path",
             "actor.process.file.path"),
    FactRule("parent_cmd_line", "parent command line", "actor.process.parent_process.cmd_line",
             "actor.process.cmd_line"),
    FactRule("event_uid", "event id", "metadata.uid", "metadata.uid"),
    FactRule("correlation_uid", "correlation id", "metadata.correlation_uid",
             "metadata.correlation_uid"),
    FactRule("severity", "severity", "severity_id", "severity_id"),
]
RULES_BY_FACT = {rule.fact: rule for rule in FACT_RULES}


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
        add("script_text", "script text", "script.script_content.value", "process.cmd_line",
            DISTORTED, "the code exists only as an argument inside the launch's command line "
            "(encoded or quoted); a reader must know the interpreter's switches to find it")
    elif record.script_encrypted:
        add("script_text", "script text (encrypted)", None, None, LOST,
            "Protected Event Logging ciphertext is not script source; neither mapping can "
            "show the script", sa_verdict=LOST)
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

    hash_reason = None
    if any(h.basis not in ("unknown", "utf-8") for h in record.script_hashes):
        hash_reason = (f"hash over {record.script_hashes[0].basis} dropped: "
                       "no slot for a script hash in a process launch")
    created_verdict, created_reason = None, None
    if not is_launch and record.process_created_time is not None and record.time is not None \
            and record.process_created_time != record.time:
        created_verdict = DISTORTED
        created_reason = (f"a Launch event at {record.time} for a process created at "
                          f"{record.process_created_time}: the event did not start the process")

    for rule in FACT_RULES:
        if rule.fact == "script_text":
            continue
        if rule.fact == "process_cmd_line" and is_launch:
            add(rule.fact, "process command line", rule.script_activity, "process.cmd_line")
            continue
        verdict, reason = rule.process_verdict, rule.reason
        if rule.fact == "script_hashes" and hash_reason:
            reason = hash_reason
        if rule.fact == "process_created_time" and created_verdict:
            verdict, reason = created_verdict, created_reason
        add(rule.fact, rule.label, rule.script_activity, rule.process_activity, verdict, reason)
    return rows
