"""Rebuild result objects from a saved result's JSON, for the validate and compare partials.

The partials read attributes of the live result objects. A saved result only has the API
JSON, so this module turns that JSON back into the same classes. The API JSON has no link
from a finding to its schema row, so the link is looked up again in the packaged release
the result names, which never changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from webapp.catalog import Catalog, Release, SourceError, UnknownVersion
from webapp.conformance import ERROR, WARNING, EventReport, Finding, ValidationResult
from webapp.mapping import MappedSide

# Keys of a finding's JSON that are fields of Finding; every other key is context.
FINDING_FIELDS = {"message", "attribute_path", "attribute", "line", "column"}
SIDE_TITLES = {"script_activity": "Script Activity", "process_activity": "Process Activity"}


def schema_ref(release: Release | None, class_name: str | None, code: str,
               path: str | None) -> tuple[str, str] | None:
    """Return the ("class:<name>" or "object:<name>", attribute) a finding links to.

    This follows the path through object-typed attributes, as the checker does. The
    attribute is empty for an unknown attribute and for a failed constraint, whose link
    goes to the class or object itself.
    """
    if release is None or class_name not in release.classes:
        return None
    if not path and code != "constraint_failed":
        return None
    schema = release.classes[class_name]
    segments = [segment.split("[", 1)[0] for segment in path.split(".")] if path else []
    # A failed constraint names the object that contains the constraint; other findings name
    # an attribute of the last object on the path.
    walked = segments if code == "constraint_failed" else segments[:-1]
    for segment in walked:
        attribute = schema.attributes.get(segment)
        if attribute is None or attribute.object_type not in release.objects:
            return None
        schema = release.objects[attribute.object_type]
    ref = f"{schema.kind}:{schema.name}"
    if code in ("constraint_failed", "attribute_unknown") or segments[-1] not in schema.attributes:
        return ref, ""
    return ref, segments[-1]


def finding_from_json(data: dict, severity: str, release: Release | None = None,
                      class_name: str | None = None) -> Finding:
    context = {key: value for key, value in data.items()
               if key not in FINDING_FIELDS and key != severity}
    code = data.get(severity, "")
    return Finding(code=code, severity=severity, message=data.get("message", ""),
                   attribute_path=data.get("attribute_path"), line=data.get("line"),
                   column=data.get("column"), context=context,
                   schema_ref=schema_ref(release, class_name, code, data.get("attribute_path")))


def report_from_json(data: dict, catalog: Catalog | None = None) -> EventReport:
    """Rebuild one event's findings; an ``event_unparseable`` first error is the input error."""
    errors = list(data.get("errors") or [])
    input_error = None
    if errors and errors[0].get("error") == "event_unparseable":
        input_error = errors.pop(0).get("message")
    release = None
    if catalog is not None and data.get("schema_version"):
        try:
            release = catalog.get(data["schema_version"])
        except (UnknownVersion, SourceError):
            release = None  # gone or broken since: the findings show without schema links
    class_name = data.get("class_name")
    return EventReport(
        index=data.get("index", 0),
        line=data.get("line"),
        class_uid=data.get("class_uid"),
        class_name=data.get("class_name"),
        schema_version=data.get("schema_version"),
        uid=data.get("uid"),
        errors=[finding_from_json(item, ERROR, release, class_name) for item in errors],
        warnings=[finding_from_json(item, WARNING, release, class_name)
                  for item in data.get("warnings") or []],
        input_error=input_error,
    )


def validation_from_json(data: dict, catalog: Catalog | None = None) -> ValidationResult:
    return ValidationResult(schema_version=data.get("schema_version", ""),
                            events=[report_from_json(event, catalog)
                                    for event in data.get("events", [])])


@dataclass
class SavedMappedEvent:
    """The two sides of one mapped event, as the compare partial reads them."""

    script: MappedSide
    process: MappedSide


@dataclass
class SavedMapResult:
    events: list[SavedMappedEvent]


def _side_from_json(event: dict, side: str, catalog: Catalog | None) -> MappedSide:
    data = event.get(side)
    if data:
        return MappedSide(data.get("event"),
                          report_from_json(data.get("validation") or {}, catalog))
    # The live page shows why a side is missing; the JSON keeps that reason as a note.
    prefix = f"no {SIDE_TITLES[side]} event: "
    note = next((note[len(prefix):] for note in event.get("notes", [])
                 if note.startswith(prefix)), "the saved result does not say why")
    return MappedSide(None, None, note)


def mapping_from_json(data: dict, catalog: Catalog | None = None) -> SavedMapResult:
    return SavedMapResult(events=[
        SavedMappedEvent(script=_side_from_json(event, "script_activity", catalog),
                         process=_side_from_json(event, "process_activity", catalog))
        for event in data.get("events", [])
    ])


def pretty_events(data: dict) -> list[dict[str, str | None]]:
    """Indent each mapped event for display, as the compare page does."""
    return [
        {side: json.dumps(event[side]["event"], indent=2, ensure_ascii=False)
         if event.get(side) else None for side in SIDE_TITLES}
        for event in data.get("events", [])
    ]


def partial_context(kind: str, text: str, result: dict[str, Any], shown: int,
                    catalog: Catalog) -> dict:
    """Return the template and variables that render a saved result like the live page."""
    if kind == "validate":
        return {"result_partial": "validate/_report.html", "text": text, "error": None,
                "result": validation_from_json(result, catalog), "lines": text.split("\n"),
                "shown": shown}
    return {"result_partial": "compare/_result.html", "text": text, "error": None,
            "result": mapping_from_json(result, catalog), "data": result,
            "pretty": pretty_events(result), "shown": shown}
