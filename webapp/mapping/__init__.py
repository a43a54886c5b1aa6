"""Map vendor script events to Script Activity and Process Activity, validate both, compare."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

from webapp.catalog import Catalog, Release
from webapp.conformance import CheckOptions, EventReport, validate_event
from webapp.conformance.deadline import check as check_deadline
from webapp.vendors import ParseResult, ScriptExecution, parse

from .fidelity import FidelityRow, fidelity_rows
from .ocsf import process_activity, script_activity

log = logging.getLogger(__name__)


@dataclass
class MappedSide:
    event: dict | None
    validation: EventReport | None
    note: str | None = None

    def to_json(self) -> dict | None:
        if self.event is None:
            return None
        return {"event": self.event, "validation": self.validation.to_json()}


@dataclass
class MappedEvent:
    record: ScriptExecution
    script: MappedSide
    process: MappedSide
    fidelity: list[FidelityRow]

    def to_json(self) -> dict:
        notes = list(self.record.notes)
        for name, side in (("Script Activity", self.script), ("Process Activity", self.process)):
            if side.note:
                notes.append(f"no {name} event: {side.note}")
        notes = list(dict.fromkeys(notes))  # a parser note may repeat a mapping note
        if self.process.event is not None and "actor" not in self.process.event:
            notes.append("Process Activity has no actor: the source names neither the parent "
                         "of the process nor a user, so the required actor stays empty")
        return {
            "source": {"index": self.record.index, "line": self.record.line},
            "script_activity": self.script.to_json(),
            "process_activity": self.process.to_json(),
            "fidelity": [row.to_json() for row in self.fidelity],
            "notes": notes,
        }


@dataclass
class ProcessGroup:
    """Script executions that ran in one host process."""

    key: str
    label: str
    count: int
    cmd_lines: int  # distinct process.cmd_line values Process Activity gives that process
    created_times: int  # distinct created_time values across its "launches"
    script_uids: list[str] = field(default_factory=list)


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


@dataclass
class BatchSummary:
    executions: int
    processes: list[ProcessGroup]
    script_valid: int
    script_events: int
    process_events: int
    process_valid: int

    @property
    def duplicate_launches(self) -> int:
        return sum(group.count - 1 for group in self.processes)

    launches_only: bool = False  # every record is a process launch without script text

    @property
    def sentence(self) -> str:
        processes = _count(len(self.processes), "process", "processes")
        script_events = _count(self.script_events, "event", "events")
        if self.launches_only:
            return (f"{_count(self.executions, 'process launch', 'process launches')}: "
                    f"Process Activity {_count(self.process_events, 'event', 'events')}, "
                    f"{self.process_valid} valid; Script Activity {script_events}, "
                    f"{self.script_valid} valid (only where the command line itself carries "
                    "the code)")
        launches = _count(self.process_events, "launch", "launches")
        return (f"{_count(self.executions, 'script execution', 'script executions')} in "
                f"{processes}: Script Activity {script_events}, {self.script_valid} valid; "
                f"Process Activity {launches} of {processes}, {self.process_valid} valid, "
                f"{self.duplicate_launches} of them duplicates")

    def to_json(self) -> dict:
        return {
            "sentence": self.sentence,
            "script_executions": self.executions,
            "processes": [group.__dict__ for group in self.processes],
            "script_activity": {"events": self.script_events, "valid": self.script_valid},
            "process_activity": {"events": self.process_events, "valid": self.process_valid,
                                 "duplicate_launches": self.duplicate_launches},
        }


@dataclass
class MapResult:
    parsed: ParseResult
    schema_version: str
    events: list[MappedEvent]
    summary: BatchSummary

    def to_json(self) -> dict:
        return {
            "format": self.parsed.format_id,
            "format_title": self.parsed.title,
            "schema_version": self.schema_version,
            "summary": self.summary.to_json(),
            "events": [event.to_json() for event in self.events],
            "notes": list(self.parsed.notes),
        }


def map_text(text: str, catalog: Catalog, format_id: str = "auto",
             schema_version: str | None = None) -> MapResult:
    """Parse vendor input and map every record twice; raise the parser's input errors."""
    started = time.perf_counter()
    release = catalog.get(schema_version)
    parsed = parse(text, format_id)
    options = CheckOptions(schema_version=release.label)
    events = []
    for record in parsed.records:
        check_deadline()
        events.append(_map_record(record, release, catalog, options))
    summary = summarize(events)
    log.info("mapped %d %s events in %.1f ms", len(events), parsed.format_id,
             (time.perf_counter() - started) * 1000)
    return MapResult(parsed, release.version, events, summary)


def _map_record(record: ScriptExecution, release: Release, catalog: Catalog,
                options: CheckOptions) -> MappedEvent:
    sides = []
    for build in (script_activity, process_activity):
        event, note = build(record, release)
        validation = validate_event(event, catalog, options) if event is not None else None
        sides.append(MappedSide(event, validation, note))
    rows = fidelity_rows(record, sides[0].event, sides[1].event)
    return MappedEvent(record, sides[0], sides[1], rows)


def summarize(events: list[MappedEvent]) -> BatchSummary:
    """Group executions by host process to show what each design makes of a batch."""
    groups: dict[str, list[MappedEvent]] = defaultdict(list)
    for event in events:
        record = event.record
        ident = record.process_uid or record.process_pid or record.process_path or "unknown"
        key = f"{record.device_hostname or record.device_uid or '?'}/{ident}"
        groups[key].append(event)
    processes = []
    for key, members in groups.items():
        first = members[0].record
        label = first.process_name or first.process_path or "process"
        if first.process_pid is not None:
            label += f" (pid {first.process_pid})"
        process_events = [m.process.event for m in members if m.process.event]
        processes.append(ProcessGroup(
            key=key,
            label=label,
            count=len(members),
            cmd_lines=len({e.get("process", {}).get("cmd_line") for e in process_events}),
            created_times=len({m.record.process_created_time for m in members}),
            script_uids=[m.record.script_uid for m in members if m.record.script_uid],
        ))
    return BatchSummary(
        executions=len(events),
        processes=processes,
        script_events=sum(1 for e in events if e.script.event is not None),
        script_valid=sum(1 for e in events if e.script.validation and e.script.validation.valid),
        process_events=sum(1 for e in events if e.process.event is not None),
        process_valid=sum(1 for e in events
                          if e.process.validation and e.process.validation.valid),
        launches_only=bool(events) and all(e.record.granularity == "process" for e in events),
    )
