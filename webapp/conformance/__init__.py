"""Conformance checking of OCSF events: parse pasted text, check each event, locate findings."""

from __future__ import annotations

import logging
import time
from typing import Any

from webapp.catalog import Catalog

from .checker import CheckOptions, check_event, choose_release
from .deadline import check as check_deadline
from .findings import ERROR, WARNING, EventReport, Finding, ValidationResult
from .jsontext import JsonInputError, LocatedValue, TextIndex, parse_values, unpack_member

__all__ = [
    "CheckOptions", "ERROR", "EventReport", "Finding", "JsonInputError", "ValidationResult",
    "WARNING", "validate_event", "validate_text",
]

log = logging.getLogger(__name__)


def validate_text(text: str, catalog: Catalog, options: CheckOptions | None = None,
                  accept_bundle: bool = False) -> ValidationResult:
    """Parse ``text`` (one event, an array, NDJSON or comma-separated events) and check it.

    With ``accept_bundle``, an object with an ``events`` array and no ``class_uid`` (the
    OCSF server's bundle request) is read as its events, with their own positions.
    Raise :class:`JsonInputError` when the text is not JSON at all.
    """
    started = time.perf_counter()
    options = options or CheckOptions()
    values = parse_values(text)
    if accept_bundle and len(values) == 1 and _is_bundle(values[0].value):
        values = unpack_member(values[0], ("events",))
    index = TextIndex(text)
    for value in values:
        if not isinstance(value.value, dict):
            line, column = index.line_column(value.offset)
            kind = type(value.value).__name__
            kind = {"list": "array", "str": "string", "int": "number", "float": "number",
                    "bool": "boolean", "NoneType": "null"}.get(kind, kind)
            raise JsonInputError(f"event {value.index} is a JSON {kind}, but an OCSF event "
                                 "must be a JSON object", line, column)
    reports = []
    for value in values:
        check_deadline()
        reports.append(_check_located(value, index, catalog, options))
    _check_duplicate_uids(values, reports, index)
    for line, column, message in getattr(values, "line_errors", []):
        reports.append(EventReport(index=len(reports), line=line, column=column,
                                   input_error=f"invalid JSON on line {line}: {message}"))
    reports.sort(key=lambda report: (report.line or 0))
    for position, report in enumerate(reports):
        report.index = position
    version = options.schema_version or catalog.default_version
    result = ValidationResult(schema_version=version, events=reports)
    log.info("validated %d events: %d errors, %d warnings in %.1f ms", len(reports),
             result.error_count, result.warning_count, (time.perf_counter() - started) * 1000)
    return result


def _is_bundle(value) -> bool:
    return isinstance(value, dict) and isinstance(value.get("events"), list) \
        and "class_uid" not in value


def _check_located(value: LocatedValue, index: TextIndex, catalog: Catalog,
                   options: CheckOptions) -> EventReport:
    line, column = index.line_column(value.offset)
    report = EventReport(index=value.index, line=line, column=column)
    release, note = choose_release(value.value, catalog, options)
    if note:
        report.add(Finding("schema_version_fallback", WARNING, note,
                           attribute_path="metadata.version",
                           located_path=("metadata", "version"),
                           context={"schema_version": release.version}))
    check_event(value.value, release, report, options)
    _locate(report, value.positions, index)
    return report


def _locate(report: EventReport, positions: dict, index: TextIndex) -> None:
    for finding in report.errors + report.warnings:
        path = finding.located_path
        while path not in positions and path:
            path = path[:-1]
        if path in positions:
            finding.line, finding.column = index.line_column(positions[path])


def _check_duplicate_uids(values: list[LocatedValue], reports: list[EventReport],
                          index: TextIndex) -> None:
    """Warn about a ``metadata.uid`` that an earlier event of the same input already used."""
    first_seen: dict[str, int] = {}
    for value, report in zip(values, reports):
        metadata = value.value.get("metadata")
        uid = metadata.get("uid") if isinstance(metadata, dict) else None
        if not isinstance(uid, str):
            continue
        if uid not in first_seen:
            first_seen[uid] = report.index
            continue
        finding = Finding("uid_duplicate", WARNING,
                          f"metadata.uid {uid!r} repeats the uid of event {first_seen[uid]} of "
                          "this input.",
                          attribute_path="metadata.uid", located_path=("metadata", "uid"),
                          context={"value": uid, "first_event": first_seen[uid]})
        position = value.positions.get(("metadata", "uid"))
        if position is not None:
            finding.line, finding.column = index.line_column(position)
        report.add(finding)


def validate_event(event: Any, catalog: Catalog, options: CheckOptions | None = None) -> EventReport:
    """Check one already-parsed event (no text positions)."""
    options = options or CheckOptions()
    report = EventReport(index=0)
    release, note = choose_release(event, catalog, options)
    if note:
        report.add(Finding("schema_version_fallback", WARNING, note,
                           attribute_path="metadata.version",
                           context={"schema_version": release.version}))
    return check_event(event, release, report, options)
