"""Parse pasted JSON into events while keeping where each value sits in the text.

Accepted shapes: one JSON value, a JSON array of values, NDJSON (one value per
line) and values separated by commas without enclosing brackets, as people
paste them from discussion threads. Every value's offset is recorded under its
path, so findings can name the line and column of the offending value.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from json.decoder import scanstring
from typing import Any

from .deadline import check as check_deadline

MAX_DEPTH = 64  # nesting levels of objects and arrays accepted in one event
MAX_NUMBER_CHARS = 100  # longer numbers are rejected instead of parsed

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# Valid pairs decode to one character, so any surrogate left after decoding is alone.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")

Path = tuple  # of str keys and int indexes


class JsonInputError(ValueError):
    """Raised for text that is not acceptable JSON; carries line and column (1-based)."""

    def __init__(self, message: str, line: int, column: int):
        super().__init__(f"{message} at line {line}, column {column}")
        self.reason = message
        self.line = line
        self.column = column


@dataclass
class LocatedValue:
    """One top-level value of the input with the offsets of everything inside it."""

    index: int
    value: Any
    offset: int
    positions: dict[Path, int] = field(default_factory=dict)


class TextIndex:
    """Turn character offsets of a text into 1-based line and column numbers."""

    def __init__(self, text: str):
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_column(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


class _Parser:
    def __init__(self, text: str, base: int = 0):
        self.text = text
        self.base = base
        self.positions: dict[Path, int] = {}
        # Only text with a \uD800-\uDFFF escape can decode to a lone surrogate.
        self.check_surrogates = _SURROGATE_ESCAPE.search(text) is not None
        self.max_items: int | None = None  # items of a top-level array

    def fail(self, message: str, offset: int):
        raise _Failure(message, offset)

    def skip(self, pos: int) -> int:
        return _WHITESPACE.match(self.text, pos).end()

    def value(self, pos: int, path: Path, depth: int) -> tuple[Any, int]:
        text = self.text
        if pos >= len(text):
            self.fail("unexpected end of input, a value is missing", pos)
        self.positions[path] = pos
        char = text[pos]
        if char == "{":
            return self.object(pos, path, depth + 1)
        if char == "[":
            return self.array(pos, path, depth + 1)
        if char == '"':
            try:
                decoded, end = scanstring(text, pos + 1, True)
            except ValueError as error:
                self.fail(_string_error(error), getattr(error, "pos", pos))
            if self.check_surrogates and _LONE_SURROGATE.search(decoded):
                self.fail("a \\u escape names a lone UTF-16 surrogate, which is not a character",
                          pos)
            return decoded, end
        if text.startswith("true", pos):
            return True, pos + 4
        if text.startswith("false", pos):
            return False, pos + 5
        if text.startswith("null", pos):
            return None, pos + 4
        match = _NUMBER.match(text, pos)
        if match and match.end() > pos:
            literal = match.group()
            if len(literal) > MAX_NUMBER_CHARS:
                self.fail(f"number with more than {MAX_NUMBER_CHARS} characters", pos)
            if match.group(1) or match.group(2):
                number = float(literal)
                if number in (float("inf"), float("-inf")):
                    self.fail("number out of the range of a 64-bit float", pos)
                return number, match.end()
            return int(literal), match.end()
        snippet = text[pos:pos + 12].split("\n")[0]
        self.fail(f"unexpected {snippet!r}, expected a JSON value", pos)

    def object(self, pos: int, path: Path, depth: int) -> tuple[dict, int]:
        if depth > MAX_DEPTH:
            self.fail(f"nesting deeper than {MAX_DEPTH} levels", pos)
        text = self.text
        result: dict = {}
        pos = self.skip(pos + 1)
        if pos < len(text) and text[pos] == "}":
            return result, pos + 1
        while True:
            if pos >= len(text) or text[pos] != '"':
                self.fail("expected a property name in double quotes", pos)
            key_start = pos
            try:
                key, pos = scanstring(text, pos + 1, True)
            except ValueError as error:
                self.fail(_string_error(error), getattr(error, "pos", pos))
            if self.check_surrogates and _LONE_SURROGATE.search(key):
                self.fail("a \\u escape names a lone UTF-16 surrogate, which is not a character",
                          key_start)
            pos = self.skip(pos)
            if pos >= len(text) or text[pos] != ":":
                self.fail("expected ':' after the property name", pos)
            pos = self.skip(pos + 1)
            result[key], pos = self.value(pos, path + (key,), depth)
            pos = self.skip(pos)
            if pos < len(text) and text[pos] == ",":
                pos = self.skip(pos + 1)
                continue
            if pos < len(text) and text[pos] == "}":
                return result, pos + 1
            self.fail("expected ',' or '}' after a property value", pos)

    def array(self, pos: int, path: Path, depth: int) -> tuple[list, int]:
        if depth > MAX_DEPTH:
            self.fail(f"nesting deeper than {MAX_DEPTH} levels", pos)
        text = self.text
        result: list = []
        pos = self.skip(pos + 1)
        if pos < len(text) and text[pos] == "]":
            return result, pos + 1
        while True:
            item, pos = self.value(pos, path + (len(result),), depth)
            result.append(item)
            if len(result) % 1000 == 0:
                check_deadline()
                if depth == 1 and self.max_items is not None and len(result) > self.max_items:
                    raise _Limit(f"more than {self.max_items:,} events; split the input", pos)
            pos = self.skip(pos)
            if pos < len(text) and text[pos] == ",":
                pos = self.skip(pos + 1)
                continue
            if pos < len(text) and text[pos] == "]":
                return result, pos + 1
            self.fail("expected ',' or ']' after an array item", pos)


class _Failure(Exception):
    def __init__(self, message: str, offset: int):
        self.message = message
        self.offset = offset


class _Limit(_Failure):
    """Too many events: reported at once, without trying the input as NDJSON."""


def _string_error(error: ValueError) -> str:
    message = getattr(error, "msg", str(error))
    if "Invalid control character" in message:
        return "unescaped control character inside a string"
    if "Unterminated string" in message:
        return "unterminated string"
    return message[0].lower() + message[1:]


def parse_values(text: str, max_values: int | None = None) -> list[LocatedValue]:
    """Parse every top-level value of ``text``; a single top-level array is unpacked.

    Raise :class:`JsonInputError` with the line and column of the first error, or
    when there are more than ``max_values`` values (events).
    """
    index = TextIndex(text)
    try:
        return _parse_sequence(text, max_values)
    except _Failure as failure:
        first_error = failure
    if isinstance(first_error, _Limit):
        line, column = index.line_column(first_error.offset)
        raise JsonInputError(first_error.message, line, column) from None
    recovered = _parse_lines(text)
    if recovered is not None:
        return recovered
    line, column = index.line_column(first_error.offset)
    raise JsonInputError(first_error.message, line, column) from None


def _parse_sequence(text: str, max_values: int | None = None) -> list[LocatedValue]:
    parser = _Parser(text)
    parser.max_items = max_values
    pos = parser.skip(0)
    if text.startswith("\ufeff", pos):
        pos = parser.skip(pos + 1)
    if pos >= len(text):
        parser.fail("the input is empty", pos)
    values: list[LocatedValue] = []
    while pos < len(text):
        check_deadline()
        if max_values is not None and len(values) >= max_values:
            raise _Limit(f"more than {max_values:,} events; split the input", pos)
        parser.positions = {}
        start = pos
        value, pos = parser.value(pos, (), 0)
        values.append(LocatedValue(len(values), value, start, parser.positions))
        pos = parser.skip(pos)
        if pos < len(text) and text[pos] == ",":
            pos = parser.skip(pos + 1)
    if len(values) == 1 and isinstance(values[0].value, list):
        return _unpack(values[0])
    return values


def _unpack(array: LocatedValue) -> list[LocatedValue]:
    return unpack_member(array, ())


def unpack_member(value: LocatedValue, path: Path) -> list[LocatedValue]:
    """Split the array at ``path`` inside ``value`` into one located value per item.

    One pass over the positions, so a batch of many small events stays linear.
    """
    depth = len(path)
    per_item: dict[int, dict[Path, int]] = {}
    for position_path, offset in value.positions.items():
        if len(position_path) > depth and position_path[:depth] == path:
            per_item.setdefault(position_path[depth], {})[position_path[depth + 1:]] = offset
    array = value.value
    for key in path:
        array = array[key]
    return [LocatedValue(item_index, item, per_item[item_index][()], per_item[item_index])
            for item_index, item in enumerate(array)]


class LineErrors(list):
    """Errors of single NDJSON lines that could not be parsed, as (line, column, message)."""


def _parse_lines(text: str) -> list[LocatedValue] | None:
    """Parse NDJSON line by line so one bad line does not hide the others.

    Return ``None`` unless the first non-empty line is a complete JSON value on
    its own, which distinguishes NDJSON from a pretty-printed value with an error.
    """
    values: list[LocatedValue] = []
    errors = LineErrors()
    offset = 0
    seen_first = False
    for number, line in enumerate(text.split("\n"), start=1):
        start = offset
        offset += len(line) + 1
        if not line.strip():
            continue
        parser = _Parser(line)
        try:
            pos = parser.skip(0)
            value, pos = parser.value(pos, (), 0)
            if parser.skip(pos) != len(line.rstrip("\r")) and parser.skip(pos) != len(line):
                parser.fail("unexpected text after the JSON value", parser.skip(pos))
        except _Failure as failure:
            if not seen_first:
                return None
            errors.append((number, failure.offset + 1, failure.message))
            continue
        seen_first = True
        positions = {path: start + pos for path, pos in parser.positions.items()}
        values.append(LocatedValue(len(values) + len(errors), value, start, positions))
    if not errors:
        return None
    result = _NdjsonResult(values)
    result.line_errors = errors
    return result


class _NdjsonResult(list):
    line_errors: LineErrors
