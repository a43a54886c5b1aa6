"""Recognize vendor script-execution events and parse them into neutral records.

Each format is one module in :mod:`webapp.vendors.formats` exposing:

``FORMAT_ID``, ``TITLE``
    identifier used by ``--from`` and the API, and a human title;
``FIELDS``
    list of ``(source field, record fact)`` pairs: the mapping page shows them;
``detect(source) -> Match | None``
    whether the pasted input looks like this format, judged from content only;
``parse(source) -> list[ScriptExecution]``
    the records, raising :class:`InputError` for input it cannot read.
"""

from __future__ import annotations

import importlib
import logging
import re
import pkgutil
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from webapp.conformance.deadline import TimeBudgetExceeded
from webapp.conformance.deadline import check as check_deadline
from webapp.conformance.jsontext import JsonInputError, LocatedValue, TextIndex, parse_values

from .record import FACTS, Hash, ScriptExecution, ScriptType

log = logging.getLogger(__name__)
# Largest number of top-level JSON values (events) read from one vendor input.
MAX_SOURCE_VALUES = 100_000

__all__ = [
    "FACTS", "Hash", "InputError", "Match", "ParseResult", "ScriptExecution", "ScriptType",
    "Source", "UnrecognizedInput", "all_formats", "parse",
]


class InputError(ValueError):
    """Input of a recognized format that cannot be read; line/column when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        where = f" at line {line}, column {column}" if line else ""
        super().__init__(message + where)
        self.reason = message
        self.line = line
        self.column = column


class UnrecognizedInput(ValueError):
    """No format matched; names the formats tried and the closest one."""

    def __init__(self, tried: list[str], closest: str | None, missing: list[str]):
        message = "the input matches none of the supported formats"
        if closest:
            message += f"; closest is {closest}, which also needs {', '.join(missing)}"
        super().__init__(message)
        self.tried = tried
        self.closest = closest
        self.missing = missing


@dataclass
class Match:
    """The fit of a format: a score, and the required marks that were not found."""

    score: float
    missing: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


class Source:
    """The pasted text with lazily parsed views of it (JSON values, XML…)."""

    def __init__(self, text: str):
        self.text = text.lstrip("\ufeff")

    @cached_property
    def json_values(self) -> list[LocatedValue] | None:
        """Top-level JSON values, or None when the text is not JSON."""
        stripped = self.text.lstrip()
        if not stripped or stripped[0] not in "{[":
            return None
        try:
            return parse_values(self.text, max_values=MAX_SOURCE_VALUES)
        except JsonInputError as error:
            self.json_error = error
            return None

    json_error: JsonInputError | None = None

    @cached_property
    def json_objects(self) -> list[dict]:
        return [v.value for v in self.json_values or [] if isinstance(v.value, dict)]

    def objects(self) -> list[tuple[int, dict, int]]:
        """Return (index, object, line) for every top-level JSON object of the input."""
        return [(value.index, value.value, self.line_of(value))
                for value in self.json_values or [] if isinstance(value.value, dict)]

    @cached_property
    def _index(self) -> TextIndex:
        return TextIndex(self.text)

    def line_of(self, value: LocatedValue) -> int:
        return self._index.line_column(value.offset)[0]


def unwrap_search_hits(value: Any) -> list[dict]:
    """Return the documents of a value: an Elasticsearch ``hits.hits[]._source`` response,
    a list of documents, or one document.

    Nesting is bounded by the JSON parser's depth limit.
    """
    if isinstance(value, list):
        return [document for item in value for document in unwrap_search_hits(item)]
    if not isinstance(value, dict):
        return []
    hits = value.get("hits")
    if isinstance(hits, dict) and isinstance(hits.get("hits"), list):
        return unwrap_search_hits(hits["hits"])
    if isinstance(value.get("_source"), dict):
        return [value["_source"]]
    return [value]


@dataclass
class ParseResult:
    format_id: str
    title: str
    records: list[ScriptExecution]
    notes: list[str] = field(default_factory=list)


def closest_match(candidates: list[list[str]], penalty: float) -> Match | None:
    """Return the match of the candidate event missing the fewest marks, or None.

    Each candidate is the list of marks one event lacks; each missing mark lowers the
    score by ``penalty`` from 1.5, the score of a complete match.
    """
    if not candidates:
        return None
    best = min(candidates, key=len)
    return Match(1.5 - penalty * len(best), best)


def all_formats() -> list[Any]:
    """Return every format module, in detection order."""
    from . import formats

    modules = []
    for info in pkgutil.iter_modules(formats.__path__):
        module = importlib.import_module(f"{formats.__name__}.{info.name}")
        if hasattr(module, "FORMAT_ID"):
            modules.append(module)
    return sorted(modules, key=lambda m: (getattr(m, "ORDER", 50), m.FORMAT_ID))


def format_by_id(format_id: str) -> Any:
    for module in all_formats():
        if module.FORMAT_ID == format_id:
            return module
    raise KeyError(format_id)


def parse(text: str, format_id: str = "auto") -> ParseResult:
    """Recognize (unless ``format_id`` is given) and parse vendor input.

    Raise :class:`UnrecognizedInput`, :class:`InputError` or ``KeyError`` for
    an unknown ``format_id``.
    """
    source = Source(text)
    if not source.text.strip():
        raise InputError("the input is empty")
    if format_id != "auto":
        module = format_by_id(format_id)
    else:
        module = detect(source)
    try:
        records = module.parse(source)
    except (InputError, TimeBudgetExceeded):
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError) as error:
        # A value of an unexpected type deep inside a recognized event: return what failed
        # as a 400 instead of a server error, and log it, because it marks a parser gap.
        log.exception("parsing %s input failed", module.FORMAT_ID)
        raise InputError(f"the input looks like {module.TITLE}, but a value has an unexpected "
                         f"type or shape ({type(error).__name__}: {error})") from None
    if not records:
        raise InputError(f"the input looks like {module.TITLE} but holds no event to map")
    notes = [f"line {line} is not valid JSON and was skipped: {message}"
             for line, _, message in getattr(source.json_values, "line_errors", [])]
    for record in records:
        _replace_lone_surrogates(record)
    return ParseResult(module.FORMAT_ID, module.TITLE, records, notes)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(value: Any) -> tuple[Any, bool]:
    if isinstance(value, str):
        if _LONE_SURROGATE.search(value):
            return _LONE_SURROGATE.sub("\ufffd", value), True
        return value, False
    if isinstance(value, dict):
        changed = False
        result = {}
        for key, item in value.items():
            key, key_changed = _clean(key)
            result[key], item_changed = _clean(item)
            changed = changed or key_changed or item_changed
        return result, changed
    if isinstance(value, list):
        cleaned = [_clean(item) for item in value]
        return [item for item, _ in cleaned], any(flag for _, flag in cleaned)
    return value, False


def _replace_lone_surrogates(record: ScriptExecution) -> None:
    """Replace lone UTF-16 surrogates (from inner JSON or UTF-16 decoding) with U+FFFD.

    They are not characters, so no page, database or JSON writer can store them.
    """
    changed = False
    for name, value in list(record.__dict__.items()):
        if name in ("sources", "notes"):
            continue
        cleaned, flag = _clean(value)
        if flag:
            setattr(record, name, cleaned)
            changed = True
    if changed:
        record.notes.append("the event held lone UTF-16 surrogates, which are not characters; "
                            "they were replaced with U+FFFD")


def detect(source: Source) -> Any:
    """Return the best matching format module or raise :class:`UnrecognizedInput`."""
    best, best_match = None, None
    tried = []
    for module in all_formats():
        check_deadline()
        tried.append(module.FORMAT_ID)
        try:
            match = module.detect(source)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError,
                RecursionError):
            # A value of an unexpected type: this format does not match, and the gap is logged.
            log.exception("detecting %s failed", module.FORMAT_ID)
            match = None
        if match is None:
            continue
        if match.complete and (best_match is None or not best_match.complete
                               or match.score > best_match.score):
            best, best_match = module, match
        elif best_match is None or (not best_match.complete and match.score > best_match.score):
            best, best_match = module, match
    if best is not None and best_match.complete:
        return best
    if source.json_values is None and source.json_error is not None and best is None:
        error = source.json_error
        raise InputError(f"invalid JSON: {error.reason}", error.line, error.column)
    raise UnrecognizedInput(tried, best.TITLE if best else None,
                            best_match.missing if best_match else [])
