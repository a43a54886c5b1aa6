"""Findings: what the checker reports about one event."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass
class Finding:
    code: str  # stable snake_case code, e.g. attribute_required_missing
    severity: str  # ERROR or WARNING
    message: str
    attribute_path: str | None = None
    # The path whose position in the text the finding points at: the value
    # itself, or the object that misses a key.
    located_path: tuple = ()
    line: int | None = None
    column: int | None = None
    context: dict[str, Any] = field(default_factory=dict)
    # "class:<name>" or "object:<name>" and the attribute name, for links to its row.
    schema_ref: tuple[str, str] | None = None

    def to_json(self) -> dict:
        """Return the API shape: the code under ``error`` or ``warning``."""
        data: dict[str, Any] = {self.severity: self.code, "message": self.message}
        if self.attribute_path is not None:
            data["attribute_path"] = self.attribute_path
            data["attribute"] = self.attribute_path.rsplit(".", 1)[-1].split("[")[0]
        if self.line is not None:
            data["line"] = self.line
            data["column"] = self.column
        data.update(self.context)
        return data


@dataclass
class EventReport:
    """Findings of one event, and where the event starts in the text."""

    index: int
    line: int | None = None
    column: int | None = None
    class_uid: Any = None
    class_name: str | None = None
    class_caption: str | None = None
    schema_version: str | None = None
    uid: Any = None
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    input_error: str | None = None  # the event could not be parsed at all
    # Bulk mode: True when the full checker ran; False when the fast check passed
    # the event, whose warnings were then not computed.
    checked_in_full: bool = True

    @property
    def valid(self) -> bool:
        return not self.errors and self.input_error is None

    def add(self, finding: Finding) -> None:
        (self.errors if finding.severity == ERROR else self.warnings).append(finding)

    def to_json(self) -> dict:
        data: dict[str, Any] = {
            "index": self.index,
            "line": self.line,
            "class_uid": self.class_uid,
            "error_count": len(self.errors) + (1 if self.input_error else 0),
            "warning_count": len(self.warnings),
            "errors": [finding.to_json() for finding in self.errors],
            "warnings": [finding.to_json() for finding in self.warnings],
        }
        if self.input_error:
            data["errors"].insert(0, {"error": "event_unparseable", "message": self.input_error,
                                      "line": self.line, "column": self.column})
        if self.class_name:
            data["class_name"] = self.class_name
        if self.schema_version:
            data["schema_version"] = self.schema_version
        if self.uid is not None:
            data["uid"] = self.uid
        return data


@dataclass
class ValidationResult:
    """Findings of every event of one input."""

    schema_version: str
    events: list[EventReport]
    # Bulk mode reports warnings only for events with errors (see conformance.bulk).
    bulk: bool = False

    @property
    def error_count(self) -> int:
        return sum(len(e.errors) + (1 if e.input_error else 0) for e in self.events)

    @property
    def warning_count(self) -> int:
        return sum(len(e.warnings) for e in self.events)

    @property
    def valid_count(self) -> int:
        return sum(1 for e in self.events if e.valid)

    def summary(self) -> dict:
        """Count errors by finding code and events by class, for the report header."""
        by_code: dict[str, int] = {}
        by_class: dict[str, dict] = {}
        for event in self.events:
            for finding in event.errors:
                by_code[finding.code] = by_code.get(finding.code, 0) + 1
            if event.input_error:
                by_code["event_unparseable"] = by_code.get("event_unparseable", 0) + 1
            name = event.class_name or (f"unknown class_uid {event.class_uid}"
                                        if event.class_uid is not None else "no class_uid")
            counts = by_class.setdefault(name, {"class_uid": event.class_uid, "events": 0,
                                                "valid": 0})
            counts["events"] += 1
            counts["valid"] += 1 if event.valid else 0
        return {"errors_by_code": dict(sorted(by_code.items(), key=lambda kv: -kv[1])),
                "events_by_class": by_class}

    def to_json(self) -> dict:
        return {
            "schema_version": self.schema_version,
            "error_count": self.error_count,
            "warning_count": self.warning_count,
            "event_count": len(self.events),
            "valid_count": self.valid_count,
            "mode": "bulk" if self.bulk else "full",
            "summary": self.summary(),
            "events": [event.to_json() for event in self.events],
        }
