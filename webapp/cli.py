"""The ``ocsf-workbench`` command: validate, map and serve.

Exit codes: 0 when every event is valid (validate) or the input was recognized
and mapped (map). 1 when some event has an error (validate). 2 when the input
cannot be read or parsed, with a message naming the file, line and column. 3 for
an internal error, with its traceback.
"""

from __future__ import annotations

import argparse
import re
import glob
import json
import sys

from .catalog import Catalog, UnknownVersion
from .conformance import CheckOptions, JsonInputError, validate_text
from .conformance.bulk import BULK_THRESHOLD, validate_bulk
from .conformance.formats import to_github, to_junit, to_sarif
from .gzipdata import gunzip_limited

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
# Largest decompressed size of a gzip input file, in bytes.
GUNZIP_LIMIT = 1024 ** 3


def _read_bytes(name: str) -> bytes:
    """Read a file (``-`` for stdin), gunzipping gzip content; check that it is UTF-8."""
    if name == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(name, "rb") as handle:
            data = handle.read()
    if data[:2] == b"\x1f\x8b":
        data = gunzip_limited(data, GUNZIP_LIMIT)
    _decode(data)
    return data


def _read(name: str) -> str:
    """Read a file (``-`` for stdin) as UTF-8 text, gunzipping gzip content."""
    return _decode(_read_bytes(name))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[:error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise ValueError(f"invalid UTF-8 at line {line}, column {column}") from None


def _expand(patterns: list[str]) -> list[str]:
    names = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern)) if pattern != "-" and any(
            c in pattern for c in "*?[") else [pattern]
        names.extend(matches or [pattern])
    return names


def _fail(message: str) -> int:
    print(f"ocsf-workbench: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def validate_command(args: argparse.Namespace) -> int:
    try:
        catalog = Catalog()
        if args.schema_version:
            catalog.get(args.schema_version)
    except UnknownVersion as error:
        return _fail(f"unknown OCSF version {error.version!r}; available: "
                     f"{', '.join(error.available)}")
    options = CheckOptions(schema_version=args.schema_version,
                           missing_recommended=args.missing_recommended,
                           extra_profiles=tuple(p for p in (args.profiles or "").split(",") if p))
    if args.json and args.format not in ("text", "json"):
        return _fail(f"--json and --format {args.format} contradict each other; use one")
    unknown = [p for p in options.extra_profiles if p not in catalog.get(args.schema_version)
               .profiles]
    if unknown:
        return _fail(f"unknown profile {unknown[0]!r} in --profiles")
    # Warnings decide the exit code or were asked for: check every event in full.
    every_warning = args.all_warnings or args.fail_on == "warning" or args.missing_recommended
    status = EXIT_OK
    unreadable = False
    outputs = []
    for name in _expand(args.files):
        label = "<stdin>" if name == "-" else name
        try:
            data = _read_bytes(name)
            if every_warning or len(data) <= BULK_THRESHOLD:
                result = validate_text(_decode(data), catalog, options)
            else:
                result = validate_bulk(data, catalog, options,
                                       full_check=lambda text: validate_text(text, catalog,
                                                                             options))
        except (OSError, ValueError) as error:
            # One unreadable file is reported like an unparseable event; the rest go on.
            where = f"{label}:{error.line}:{error.column}" if isinstance(
                error, JsonInputError) else label
            print(f"ocsf-workbench: {where}: {_reason(error)}", file=sys.stderr)
            unreadable = True
            outputs.append((label, _unreadable_result(error, options, catalog)))
            continue
        failed = result.error_count > 0 or (args.fail_on == "warning" and result.warning_count)
        if failed:
            status = EXIT_FINDINGS
        outputs.append((label, result))

    output_format = "json" if args.json else args.format
    if output_format == "json":
        if len(outputs) == 1:
            print(json.dumps(outputs[0][1].to_json(), indent=2))
        else:
            print(json.dumps({label: r.to_json() for label, r in outputs}, indent=2))
    elif output_format == "sarif":
        print(to_sarif(outputs))
    elif output_format == "junit":
        print(to_junit(outputs))
    elif output_format == "github":
        print(to_github(outputs))
    else:
        for label, result in outputs:
            _print_text_report(label, result)
    return EXIT_BAD_INPUT if unreadable else status


def _reason(error: Exception) -> str:
    if isinstance(error, JsonInputError):
        return f"invalid JSON: {error.reason}"
    if isinstance(error, OSError):
        return f"cannot read: {error.strerror}"
    return str(error)


def _unreadable_result(error: Exception, options: CheckOptions, catalog: Catalog):
    from .conformance.findings import EventReport, ValidationResult

    line = getattr(error, "line", None)
    column = getattr(error, "column", None)
    report = EventReport(index=0, line=line, column=column, input_error=_reason(error))
    return ValidationResult(schema_version=options.schema_version or catalog.default_version,
                            events=[report])


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    """Escape control characters (CR, LF, ESC…) so pasted data cannot forge output lines."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"),
                        str(text))


def _print_text_report(label: str, result) -> None:
    for report in result.events:
        for finding in report.errors + report.warnings:
            where = f"{label}:{finding.line}:{finding.column}" if finding.line else label
            print(f"{where}: {finding.severity}: {finding.code}: {_printable(finding.message)}")
        if report.input_error:
            where = f"{label}:{report.line}:{report.column}" if report.line else label
            print(f"{where}: error: {_printable(report.input_error)}")
    print(f"{label}: {len(result.events)} events, {result.valid_count} valid, "
          f"{result.error_count} errors, {result.warning_count} warnings "
          f"(OCSF {result.schema_version})")
    if result.bulk:
        print(f"{label}: events without errors were checked on the fast path, so their "
              "warnings are not counted; --all-warnings checks every event in full")


def map_command(args: argparse.Namespace) -> int:
    from .mapping import map_text
    from .vendors import InputError, UnrecognizedInput, all_formats

    known = {module.FORMAT_ID for module in all_formats()}
    if args.source_format != "auto" and args.source_format not in known:
        return _fail(f"unknown format {args.source_format!r}; known: {', '.join(sorted(known))}")
    try:
        catalog = Catalog()
        catalog.get(args.schema_version)
    except UnknownVersion as error:
        return _fail(f"unknown OCSF version {error.version!r}")
    results = []
    for name in _expand(args.files):
        label = "<stdin>" if name == "-" else name
        try:
            result = map_text(_read(name), catalog, args.source_format, args.schema_version)
        except OSError as error:
            return _fail(f"{label}: cannot read: {error.strerror}")
        except UnrecognizedInput as error:
            return _fail(f"{label}: {error} (formats tried: {', '.join(error.tried)})")
        except InputError as error:
            where = f":{error.line}:{error.column}" if error.line else ""
            return _fail(f"{label}{where}: {error.reason}")
        except ValueError as error:
            return _fail(f"{label}: {error}")
        results.append((label, result))

    if args.json:
        data = [result.to_json() for _, result in results]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False))
    else:
        for label, result in results:
            print(f"{label}: {result.parsed.title}: {result.summary.sentence}")
            for event in result.events:
                _print_mapped_event(event)
    return EXIT_OK


def _print_mapped_event(event) -> None:
    """Print one mapped event: each side's verdict and findings, the notes, the fidelity."""
    prefix = f"  [{event.record.index}]"
    for name, side in (("Script Activity", event.script), ("Process Activity", event.process)):
        if side.event is None:
            print(f"{prefix} {name}: none ({side.note})")
            continue
        report = side.validation
        verdict = "valid" if report.valid else f"{len(report.errors)} error(s)"
        print(f"{prefix} {name}: {verdict}, {len(report.warnings)} warning(s)")
        for finding in report.errors + report.warnings:
            print(f"{prefix}   {finding.severity}: {finding.code}: "
                  f"{_printable(finding.message)}")
    for note in event.to_json()["notes"]:
        print(f"{prefix} note: {_printable(note)}")
    for row in event.fidelity:
        reason = f" ({row.reason})" if row.reason else ""
        print(f"{prefix} {row.label}: Script Activity {row.script_activity_verdict}, "
              f"Process Activity {row.process_activity_verdict}{reason}")


def serve_command(args: argparse.Namespace) -> int:
    from . import create_app
    from .catalog import SourceError

    config = {"SCHEMA_SOURCES": args.schema_sources} if args.schema_sources else None
    try:
        app = create_app(config)
    except SourceError as error:
        return _fail(str(error))
    except UnknownVersion as error:
        return _fail(f"unknown OCSF version {error.version!r}; available: "
                     f"{', '.join(error.available)}")
    app.run(host=args.host, port=args.port)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ocsf-workbench", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check OCSF events")
    validate.add_argument("files", nargs="+", help="files or globs; - reads stdin")
    validate.add_argument("--schema-version", help="check against this OCSF release")
    validate.add_argument("--json", action="store_true",
                          help="print the API's JSON result (same as --format json)")
    validate.add_argument("--format", choices=("text", "json", "sarif", "junit", "github"),
                          default="text", help="output format (default: text)")
    validate.add_argument("--missing-recommended", action="store_true",
                          help="warn about missing recommended attributes")
    validate.add_argument("--profiles", help="comma-separated profiles applied to every event")
    validate.add_argument("--all-warnings", action="store_true",
                          help="check every event in full, so valid events get their warnings "
                               "too (slower); by default only events with errors are checked "
                               "in full")
    validate.add_argument("--fail-on", choices=("error", "warning"), default="error",
                          help="exit 1 on errors only (default) or on warnings too")
    validate.set_defaults(run=validate_command)

    mapper = commands.add_parser("map", help="map vendor script events to OCSF twice")
    mapper.add_argument("files", nargs="+", help="files or globs; - reads stdin")
    mapper.add_argument("--from", dest="source_format", default="auto",
                        help="source format id, or auto (default) to detect it")
    mapper.add_argument("--schema-version", help="map to this OCSF release")
    mapper.add_argument("--json", action="store_true", help="print the API's JSON result")
    mapper.set_defaults(run=map_command)

    serve = commands.add_parser("serve", help="run the web app (development server)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--schema-source", dest="schema_sources", action="append",
                       metavar="PATH[=LABEL]",
                       help="an OCSF schema source tree to compile and serve as local:LABEL "
                            "(LABEL defaults to the folder name); repeatable, and replaces "
                            "OCSF_WORKBENCH_SCHEMA_SOURCES")
    serve.set_defaults(run=serve_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, as other command-line tools do.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception:  # an internal fault must not look like findings (exit 1)
        import traceback

        traceback.print_exc()
        print("ocsf-workbench: internal error; the traceback above says where",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
