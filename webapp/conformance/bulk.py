"""Bulk validation: the fast yes/no check for every event, the full checker for the rest.

Events the fast check passes are valid by construction (see
:mod:`webapp.conformance.fastpath`) and get a report without findings; their
warnings are not computed. Events it does not pass are checked in full, with
line and column positions, so their errors and warnings are complete.
"""

from __future__ import annotations

import logging
import time
import weakref

import msgspec
import orjson

from webapp.catalog import Catalog

from .checker import CheckOptions
from .deadline import check as check_deadline
from .fastpath import FastChecker
from .findings import EventReport, ValidationResult
from .jsontext import JsonInputError, TextIndex, parse_values

log = logging.getLogger(__name__)

# Inputs larger than this many bytes go through the bulk path in the CLI, the pages and
# the API: findings only for events with errors, which keeps large inputs fast.
BULK_THRESHOLD = 1024 * 1024

_checkers: "weakref.WeakKeyDictionary[Catalog, dict]" = weakref.WeakKeyDictionary()


def fast_checker(catalog: Catalog, options: CheckOptions) -> FastChecker:
    """Return a cached :class:`FastChecker`, so compiled schemas are reused across calls."""
    per_catalog = _checkers.setdefault(catalog, {})
    key = (options.schema_version, options.extra_profiles)
    checker = per_catalog.get(key)
    if checker is None:
        checker = per_catalog[key] = FastChecker(catalog, options)
    return checker


def validate_bulk(data: bytes, catalog: Catalog, options: CheckOptions | None = None,
                  full_check=None) -> ValidationResult:
    """Validate NDJSON or a JSON array of events given as UTF-8 bytes.

    Other shapes (one pretty-printed event, comma-separated events) go to
    ``full_check(text)``, the detailed checker over the whole text. Raise
    :class:`JsonInputError` for text that is not JSON at all.
    """
    started = time.perf_counter()
    options = options or CheckOptions()
    checker = fast_checker(catalog, options)
    stripped = data.lstrip()
    if stripped.startswith(b"\xef\xbb\xbf"):
        stripped = stripped[3:].lstrip()
    if stripped.startswith(b"["):
        reports = _validate_array(data, checker, catalog, options)
    else:
        reports = _validate_lines(data, checker, catalog, options)
    if reports is None:
        return full_check(data.decode("utf-8"))
    version = options.schema_version or catalog.default_version
    result = ValidationResult(schema_version=version, events=reports)
    result.bulk = True
    log.info("bulk-validated %d events (%d checked in full) in %.1f ms", len(reports),
             sum(1 for r in reports if r.checked_in_full),
             (time.perf_counter() - started) * 1000)
    return result


def _fast_report(index: int, line: int | None, head) -> EventReport:
    report = EventReport(index=index, line=line, column=1 if line else None,
                         checked_in_full=False)
    report.class_uid = head.class_uid
    uid = head.metadata.uid
    report.uid = uid if isinstance(uid, str) else None
    report.schema_version = head.schema_version
    return report


def _full_reports(text: str, first_line: int, index: int, catalog: Catalog,
                  options: CheckOptions) -> list[EventReport]:
    """Check one line in full; a line may hold several events (an array, or two objects)."""
    from . import validate_text

    try:
        result = validate_text(text, catalog, options)
    except JsonInputError as error:
        return [EventReport(index=index, line=first_line + error.line - 1, column=error.column,
                            input_error=f"invalid JSON: {error.reason}")]
    shift = first_line - 1
    for offset, report in enumerate(result.events):
        report.index = index + offset
        report.line = (report.line or 1) + shift
        for finding in report.errors + report.warnings:
            if finding.line is not None:
                finding.line += shift
    return result.events


def _validate_lines(data: bytes, checker: FastChecker, catalog: Catalog,
                    options: CheckOptions) -> list[EventReport] | None:
    reports: list[EventReport] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        if number % 1000 == 0:
            check_deadline()
        head = checker.check_raw(raw)
        if head is not None:
            reports.append(_fast_report(len(reports), number, head))
            continue
        if not reports and not _is_json_object(raw):
            return None  # not NDJSON: let the detailed checker read the whole text
        reports.extend(_full_reports(raw.decode("utf-8"), number, len(reports), catalog,
                                     options))
    return reports


def _is_json_object(raw: bytes) -> bool:
    try:
        return isinstance(orjson.loads(raw), dict)
    except orjson.JSONDecodeError:
        return False


def _validate_array(data: bytes, checker: FastChecker, catalog: Catalog,
                    options: CheckOptions) -> list[EventReport] | None:
    try:
        items = msgspec.json.decode(data, type=list[msgspec.Raw])
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    heads = [checker.check_raw(bytes(item)) for item in items]
    if all(head is not None for head in heads):
        return [_fast_report(i, None, head) for i, head in enumerate(heads)]
    # Some events need findings at their positions: read the text with positions once.
    from . import _check_located

    text = data.decode("utf-8")
    try:
        located = parse_values(text)
    except JsonInputError:
        return None
    if len(located) != len(items) or not all(isinstance(v.value, dict) for v in located):
        return None
    index = TextIndex(text)
    reports = []
    for position, head in enumerate(heads):
        check_deadline()
        line, _ = index.line_column(located[position].offset)
        if head is not None:
            reports.append(_fast_report(position, line, head))
        else:
            reports.append(_check_located(located[position], index, catalog, options))
    return reports
