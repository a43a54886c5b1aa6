"""Benchmark bulk validation against the plain jsonschema baseline, in one run.

Usage: .venv/bin/python scripts/bench_validate.py [EVENTS] [REPEATS]

Every path reads the same NDJSON bytes of generated Script Activity events
(about 10 % invalid). Each path runs REPEATS times; the median time is quoted.
The baseline is ``json.loads`` plus ``jsonschema.Draft202012Validator.iter_errors``
on the class schema that ``ocsf-json-schema`` builds (with the event's
profiles); it runs on a slice of the events because it is slow, and its rate is
scaled per event. The script also checks that bulk verdicts equal the full
checker's on every event, and exits 1 if one differs.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from pathlib import Path

import jsonschema
import orjson
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_events import generate  # noqa: E402

from webapp.catalog import Catalog  # noqa: E402
from webapp.conformance import CheckOptions, validate_text  # noqa: E402
from webapp.conformance.bulk import fast_checker, validate_bulk  # noqa: E402

VERSION = "1.8.0"


def median_seconds(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    events = generate(count)
    lines = [orjson.dumps(event) for event in events]
    data = b"\n".join(lines) + b"\n"
    catalog = Catalog()
    catalog.get(VERSION)

    embedded = OcsfJsonSchemaEmbedded(get_ocsf_schema(VERSION))
    baseline_validators: dict = {}
    rs_validators: dict = {}

    def profiles_of(event):
        return tuple(sorted(event.get("metadata", {}).get("profiles") or []))

    def class_schema(profiles):
        return embedded.get_class_schema("script_activity", list(profiles))

    baseline_slice = lines[: max(1, min(len(lines), 2000))]

    def baseline():
        for raw in baseline_slice:
            event = json.loads(raw)
            key = profiles_of(event)
            if key not in baseline_validators:
                baseline_validators[key] = jsonschema.Draft202012Validator(class_schema(key))
            list(baseline_validators[key].iter_errors(event))

    def parse_only():
        for raw in lines:
            orjson.loads(raw)

    try:
        import jsonschema_rs
    except ImportError:  # optional: only for the reference line
        jsonschema_rs = None

    def jsonschema_rs_only():
        for raw in lines:
            event = orjson.loads(raw)
            key = profiles_of(event)
            if key not in rs_validators:
                rs_validators[key] = jsonschema_rs.validator_for(class_schema(key))
            rs_validators[key].is_valid(event)

    checker = fast_checker(catalog, CheckOptions())

    def fast_verdicts():
        for raw in lines:
            checker.check_raw(raw)

    def bulk():
        validate_bulk(data, catalog, CheckOptions())

    text = data.decode()

    def full():
        validate_text(text, catalog)

    # Warm caches (compiled validators, releases) before timing.
    baseline()
    if jsonschema_rs:
        jsonschema_rs_only()
    bulk()

    results = {}
    results["baseline"] = median_seconds(baseline, repeats) / len(baseline_slice)
    results["orjson parse only"] = median_seconds(parse_only, repeats) / len(lines)
    if jsonschema_rs:
        results["jsonschema-rs on the same schema (reference)"] = median_seconds(
            jsonschema_rs_only, repeats) / len(lines)
    results["fast verdicts (all checks)"] = median_seconds(fast_verdicts, repeats) / len(lines)
    results["bulk: verdicts + full findings for failing events"] = median_seconds(
        bulk, repeats) / len(lines)
    results["full checker with positions"] = median_seconds(full, max(1, repeats // 2)) / len(
        lines)

    bulk_result = validate_bulk(data, catalog, CheckOptions())
    full_result = validate_text(text, catalog)
    differing = [i for i, (b, f) in enumerate(zip(bulk_result.events, full_result.events))
                 if b.valid != f.valid]
    invalid = sum(1 for report in full_result.events if not report.valid)

    print(f"machine: {platform.machine()}, Python {platform.python_version()}, "
          f"{count} events ({invalid} invalid), median of {repeats} runs")
    print(f"{'path':52} {'µs/event':>10} {'events/s':>12} {'× baseline':>11}")
    base = results["baseline"]
    for name, seconds in results.items():
        print(f"{name:52} {seconds * 1e6:10.2f} {1 / seconds:12,.0f} {base / seconds:11.1f}")
    print(f"verdicts differing between bulk and full checker: {len(differing)}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
