"""Render validation results for tools: SARIF 2.1.0, JUnit XML and GitHub annotations."""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape, quoteattr

from .findings import ValidationResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "ocsf-workbench"


def _findings(result: ValidationResult):
    for report in result.events:
        if report.input_error:
            yield report, None
        for finding in report.errors + report.warnings:
            yield report, finding


def to_sarif(results: list[tuple[str, ValidationResult]]) -> str:
    """Return one SARIF log with a run holding every file's findings."""
    rules: dict[str, dict] = {}
    sarif_results = []
    for label, result in results:
        for report, finding in _findings(result):
            code = finding.code if finding else "event_unparseable"
            level = "error" if finding is None or finding.severity == "error" else "warning"
            message = finding.message if finding else report.input_error
            line = (finding.line if finding else report.line) or report.line or 1
            column = (finding.column if finding else report.column) or 1
            rules.setdefault(code, {"id": code, "name": code})
            sarif_results.append({
                "ruleId": code,
                "level": level,
                "message": {"text": message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": label},
                    "region": {"startLine": line, "startColumn": column}}}],
                "properties": {"event_index": report.index,
                               "attribute_path": finding.attribute_path if finding else None},
            })
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{
        "tool": {"driver": {"name": TOOL_NAME, "rules": sorted(rules.values(),
                                                               key=lambda r: r["id"])}},
        "results": sarif_results}]}
    return json.dumps(log, indent=2)


# Characters XML 1.0 does not allow, even escaped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


def to_junit(results: list[tuple[str, ValidationResult]]) -> str:
    """Return JUnit XML: a test suite per file and a test case per event."""
    suites = []
    for label, result in results:
        cases = []
        failures = 0
        for report in result.events:
            name = quoteattr(f"event {report.index} (line {report.line})")
            problems = [f"{f.code} at {f.line}:{f.column} {f.attribute_path or ''}: {f.message}"
                        for f in report.errors]
            if report.input_error:
                problems.insert(0, report.input_error)
            if problems:
                failures += 1
                body = escape("\n".join(problems))
                cases.append(f'    <testcase classname={quoteattr(label)} name={name}>'
                             f'<failure message={quoteattr(problems[0][:200])}>{body}'
                             f'</failure></testcase>')
            else:
                cases.append(f"    <testcase classname={quoteattr(label)} name={name}/>")
        suites.append(f'  <testsuite name={quoteattr(label)} tests="{len(result.events)}" '
                      f'failures="{failures}">\n' + "\n".join(cases) + "\n  </testsuite>")
    document = '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n' + "\n".join(suites) + \
        "\n</testsuites>"
    return _xml_text(document)


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    text = _XML_INVALID.sub("\ufffd", text)  # ESC and other controls would reach the log raw
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def to_github(results: list[tuple[str, ValidationResult]]) -> str:
    """Return GitHub Actions workflow commands (``::error file=…,line=…::message``)."""
    lines = []
    for label, result in results:
        for report, finding in _findings(result):
            level = "error" if finding is None or finding.severity == "error" else "warning"
            line = (finding.line if finding else report.line) or 1
            column = (finding.column if finding else report.column) or 1
            code = finding.code if finding else "event_unparseable"
            message = finding.message if finding else report.input_error
            lines.append(f"::{level} file={_github_escape(label, True)},line={line},"
                         f"col={column},title={_github_escape(code, True)}::"
                         f"{_github_escape(message)}")
    return "\n".join(lines)
