"""Markdown of a saved result, for pasting into a GitHub comment.

Every value from the input or the result is escaped: ``<``, ``>`` and ``&`` become entities,
and Markdown punctuation gets a backslash, so the text can make no HTML, link, image or
table cell of its own. Script and input text goes into fenced code blocks instead, where
GitHub shows ``<`` as a character and never parses HTML. Each fence is longer than any
backtick run in its text, so the text cannot close it.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import quote

from webapp.store import SavedResult

# GitHub rejects comments longer than 65,536 characters; stop adding events well before.
MAX_DOCUMENT_CHARS = 60_000
MAX_FINDING_ROWS = 40
MAX_COMPARED_EVENTS = 5
MAX_CELL_CHARS = 240
INPUT_EXCERPT = (40, 4000)  # lines, characters
SCRIPT_EXCERPT = (25, 2000)

# Characters that could start emphasis, code, links, tables, strikethrough or headings.
MARKDOWN_PUNCTUATION = set("\\`*_[]|~#!")
ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
SIDES = (("script_activity", "Script Activity"), ("process_activity", "Process Activity"))


def escape(value: object, limit: int = MAX_CELL_CHARS) -> str:
    """Return ``value`` as inline Markdown text: one line, shortened, nothing active."""
    text = re.sub(r"\s+", " ", "" if value is None else str(value)).strip()
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    parts = []
    for char in text:
        if char in ENTITIES:
            parts.append(ENTITIES[char])
        elif char in MARKDOWN_PUNCTUATION:
            parts.append("\\" + char)
        else:
            parts.append(char)
    return "".join(parts)


def code_block(text: str) -> list[str]:
    longest_run = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest_run + 1)
    return [fence, *text.split("\n"), fence]


def excerpt(text: str, limits: tuple[int, int]) -> tuple[str, str | None]:
    """Return the start of ``text`` within (lines, characters), and a note when shortened."""
    max_lines, max_chars = limits
    lines = text.rstrip("\n").split("\n")
    kept: list[str] = []
    size = 0
    for line in lines[:max_lines]:
        if size + len(line) > max_chars:
            kept.append(line[:max_chars - size])
            break
        kept.append(line)
        size += len(line) + 1
    shown = "\n".join(kept)
    if len(kept) == len(lines) and shown == "\n".join(lines):
        return shown, None
    return shown, (f"Shortened: the first {len(kept)} of {len(lines):,} lines "
                   f"({len(shown):,} of {len(text):,} characters); the permalink has the "
                   "whole text.")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Return a GitHub table; cells must already be escaped."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines.extend("| " + " | ".join(cell or " " for cell in row) + " |" for row in rows)
    return lines


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def link_target(url: str) -> str:
    """Percent-encode what could end a Markdown link destination early."""
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def render_markdown(record: SavedResult, permalink: str) -> str:
    """Return the Markdown comment for a saved result, ending with a link to ``permalink``."""
    result = record.result
    if record.kind == "validate":
        lines = _validation(result, record.input)
    else:
        lines = _comparison(result)
    saved = record.created_at.strftime("%Y-%m-%d %H:%M UTC")
    lines += ["", f"Saved {saved}: [{escape(permalink)}]({link_target(permalink)})", ""]
    return "\n".join(lines)


def _location(finding: dict) -> str:
    if finding.get("line") is None:
        return ""
    return f"{finding['line']}:{finding.get('column') or ''}".rstrip(":")


def _finding_cells(finding: dict, severity: str) -> list[str]:
    return [severity, escape(finding.get(severity)), escape(finding.get("attribute_path")),
            _location(finding), escape(finding.get("message"))]


def _findings_rows(reports: list[tuple[list[str], dict]]) -> tuple[list[list[str]], int]:
    """Return at most MAX_FINDING_ROWS rows, errors first, and the number left out."""
    rows = []
    for severity, key in (("error", "errors"), ("warning", "warnings")):
        for prefix, report in reports:
            for finding in report.get(key) or []:
                rows.append(prefix + _finding_cells(finding, severity))
    return rows[:MAX_FINDING_ROWS], max(0, len(rows) - MAX_FINDING_ROWS)


def _validation(result: dict, text: str) -> list[str]:
    events = result.get("events", [])
    errors = result.get("error_count", 0)
    warnings = result.get("warning_count", 0)
    invalid = sum(1 for event in events if event.get("error_count"))
    version = escape(result.get("schema_version"))
    if errors:
        title = f"{invalid:,} of {plural(len(events), 'event')} invalid"
        verdict = (f"**Invalid:** {title}, with {plural(errors, 'error')} and "
                   f"{plural(warnings, 'warning')}; OCSF {version}.")
    else:
        title = f"all {plural(len(events), 'event')} valid"
        verdict = (f"**Valid:** {title} against OCSF {version}, with "
                   f"{plural(warnings, 'warning')}.")
    lines = [f"### OCSF validation: {title}", "", verdict]
    rows, left_out = _findings_rows([([str(event.get("index", ""))], event)
                                     for event in events])
    if rows:
        lines += [""] + table(["Event", "Severity", "Code", "Path", "Line:col", "Message"], rows)
    if left_out:
        lines += ["", f"{plural(left_out, 'more finding')} on the permalink page."]
    shown, note = excerpt(text, INPUT_EXCERPT)
    lines += ["", "Input:", ""] + code_block(shown)
    if note:
        lines += ["", f"_{note}_"]
    return lines


def _fidelity_counts(events: list[dict], side: str) -> Counter:
    return Counter(row.get(f"{side}_verdict") for event in events
                   for row in event.get("fidelity", []))


def _comparison_verdict(result: dict) -> str:
    events = result.get("events", [])
    summary = result.get("summary", {})
    parts = []
    for side, title in SIDES:
        counts = _fidelity_counts(events, side)
        total = sum(counts.values())
        valid = summary.get(side, {}).get("valid", 0)
        made = summary.get(side, {}).get("events", 0)
        parts.append(f"{title} keeps {counts['kept']:,} of {plural(total, 'source fact')} "
                     f"({counts['distorted']:,} distorted, {counts['lost']:,} lost), "
                     f"{valid:,} of {plural(made, 'event')} valid")
    return f"**Verdict:** {'; '.join(parts)}. OCSF {escape(result.get('schema_version'))}."


def _fidelity_cell(row: dict, side: str) -> str:
    verdict = escape(row.get(f"{side}_verdict"))
    path = row.get(side)
    return f"{verdict}: {escape(path)}" if path else verdict


def _script_text(event: dict) -> str | None:
    script_side = event.get("script_activity") or {}
    content = ((script_side.get("event") or {}).get("script") or {}).get("script_content")
    if isinstance(content, dict) and isinstance(content.get("value"), str):
        return content["value"]
    process_side = event.get("process_activity") or {}
    cmd_line = ((process_side.get("event") or {}).get("process") or {}).get("cmd_line")
    return cmd_line if isinstance(cmd_line, str) else None


def _compared_event(event: dict, number: int) -> list[str]:
    source = event.get("source", {})
    lines = ["", f"#### Event {number} (source line {escape(source.get('line'))})"]
    for note in event.get("notes", []):
        lines += ["", f"Note: {escape(note, limit=1000)}"]
    rows = [[escape(row.get("label")), escape(row.get("source")),
             _fidelity_cell(row, "script_activity"), _fidelity_cell(row, "process_activity"),
             escape(row.get("reason"))] for row in event.get("fidelity", [])]
    if rows:
        lines += [""] + table(["Source fact", "Source field", "Script Activity",
                               "Process Activity", "Why"], rows)
    reports = [([title], (event.get(side) or {}).get("validation") or {})
               for side, title in SIDES]
    findings, left_out = _findings_rows(reports)
    if findings:
        lines += ["", "Findings:", ""] + table(
            ["Mapping", "Severity", "Code", "Path", "Line:col", "Message"], findings)
    if left_out:
        lines += ["", f"{plural(left_out, 'more finding')} on the permalink page."]
    script = _script_text(event)
    if script is not None:
        shown, note = excerpt(script, SCRIPT_EXCERPT)
        lines += ["", "Script:", ""] + code_block(shown)
        if note:
            lines += ["", f"_{note}_"]
    return lines


def _comparison(result: dict) -> list[str]:
    events = result.get("events", [])
    title = escape(result.get("format_title") or result.get("format"))
    lines = [f"### OCSF mapping comparison: {title}", "", _comparison_verdict(result)]
    sentence = result.get("summary", {}).get("sentence")
    if sentence:
        lines += ["", escape(sentence, limit=1000) + "."]
    size = sum(len(line) + 1 for line in lines)
    for number, event in enumerate(events):
        section = _compared_event(event, number)
        section_size = sum(len(line) + 1 for line in section)
        if number >= MAX_COMPARED_EVENTS or size + section_size > MAX_DOCUMENT_CHARS:
            lines += ["", f"{plural(len(events) - number, 'more event')} on the permalink page."]
            break
        lines += section
        size += section_size
    return lines
