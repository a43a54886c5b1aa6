"""Bulk validation gives the same verdicts as the full checker, event by event."""

import json
import sys
from pathlib import Path

import orjson
import pytest

from webapp.conformance import CheckOptions, validate_event, validate_text
from webapp.conformance.bulk import validate_bulk
from webapp.conformance.fastpath import FastChecker

sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
from generate_events import MUTATIONS, generate, make_event, mutate  # noqa: E402


@pytest.fixture(scope="module")
def events():
    return generate(600, seed=7)


def test_fast_and_full_verdicts_agree(catalog, events):
    checker = FastChecker(catalog)
    for position, event in enumerate(events):
        raw = orjson.dumps(event)
        fast = checker.surely_valid(event, raw)
        full = validate_event(json.loads(raw), catalog).valid
        assert not fast or full, f"event {position}: fast says valid, full checker does not"


def test_every_mutation_is_caught_by_both(catalog):
    import random

    checker = FastChecker(catalog)
    for kind in MUTATIONS:
        event = make_event(random.Random(3), 0)
        mutate(event, kind)
        assert not validate_event(event, catalog).valid, kind
        assert not checker.surely_valid(event, orjson.dumps(event)), kind


def test_fast_path_passes_clean_events(catalog):
    import random

    checker = FastChecker(catalog)
    clean = [make_event(random.Random(seed), seed) for seed in range(50)]

    assert all(checker.surely_valid(e, orjson.dumps(e)) for e in clean)


def test_bulk_ndjson_matches_full(catalog, events):
    text = "\n".join(json.dumps(e) for e in events) + "\n"
    bulk = validate_bulk(text.encode(), catalog, CheckOptions(), full_check=None)
    full = validate_text(text, catalog)

    assert bulk.bulk
    assert [r.valid for r in bulk.events] == [r.valid for r in full.events]
    assert [r.line for r in bulk.events] == [r.line for r in full.events]
    failing = [(b, f) for b, f in zip(bulk.events, full.events) if not f.valid]
    assert failing
    for bulk_report, full_report in failing:
        assert [(x.code, x.line, x.column) for x in bulk_report.errors] == \
            [(x.code, x.line, x.column) for x in full_report.errors]


def test_bulk_array_matches_full(catalog, events):
    text = json.dumps(events[:120], indent=2)
    bulk = validate_bulk(text.encode(), catalog, CheckOptions())
    full = validate_text(text, catalog)

    assert [r.valid for r in bulk.events] == [r.valid for r in full.events]
    assert [r.line for r in bulk.events] == [r.line for r in full.events]


def test_float_literal_goes_to_full_check(catalog, events):
    event = dict(events[0], class_uid=1009.0)
    checker = FastChecker(catalog)

    assert not checker.surely_valid(event, orjson.dumps(event))
    assert not validate_event(event, catalog).valid


def test_pretty_single_event_falls_back(catalog, events):
    text = json.dumps(events[0], indent=2)
    calls = []

    def full_check(whole):
        calls.append(whole)
        return validate_text(whole, catalog)

    result = validate_bulk(text.encode(), catalog, CheckOptions(), full_check=full_check)

    assert calls == [text]
    assert len(result.events) == 1


def test_bad_ndjson_line_reported_rest_checked(catalog, events):
    lines = [json.dumps(e) for e in events[:3]]
    lines[1] = lines[1][:40]
    result = validate_bulk("\n".join(lines).encode(), catalog, CheckOptions())

    assert len(result.events) == 3
    assert result.events[1].input_error.startswith("invalid JSON")
    assert result.events[1].line == 2


def test_integer_attribute_rejects_float_literal(catalog, events):
    raw = orjson.dumps(events[0]).replace(b'"severity_id":1', b'"severity_id":1.0')
    checker = FastChecker(catalog)

    assert b'"severity_id":1.0' in raw
    assert not checker.surely_valid(None, raw)
    assert not validate_event(json.loads(raw), catalog).valid


def test_null_optional_attribute_is_accepted_by_both(catalog):
    import random

    event = dict(make_event(random.Random(5), 0), message=None)
    checker = FastChecker(catalog)

    assert validate_event(event, catalog).valid
    assert checker.surely_valid(event)


def test_constraint_presence_counts_null(catalog, events):
    import random

    base = make_event(random.Random(11), 1)
    base["actor"] = {"process": None}
    checker = FastChecker(catalog)

    assert checker.surely_valid(base) == validate_event(base, catalog).valid
