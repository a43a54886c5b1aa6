"""One event per finding code: a valid Script Activity event with one mistake each."""

import copy
import json
from pathlib import Path

import pytest

from webapp.conformance import CheckOptions, validate_event, validate_text

EXAMPLE = json.loads((Path(__file__).parents[1] / "schema/examples/script_activity.json")
                     .read_text())


def event(**changes):
    data = copy.deepcopy(EXAMPLE)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        target = data
        for key in parents:
            target = target.setdefault(key, {})
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    return data


DELETE = object()


def test_example_event_is_valid(catalog):
    report = validate_event(EXAMPLE, catalog)

    assert report.errors == []
    assert report.warnings == []


CASES = [
    # (id, event, expected code, severity, attribute_path)
    ("required", event(script__script_content=DELETE), "attribute_required_missing", "error",
     "script.script_content"),
    ("null_is_missing", event(time=None), "attribute_required_missing", "error", "time"),
    ("unknown", event(script__language="ps"), "attribute_unknown", "error", "script.language"),
    ("undeclared_profile", event(is_alert=True), "attribute_unknown", "error", "is_alert"),
    ("wrong_type", event(time="yesterday"), "attribute_wrong_type", "error", "time"),
    ("long_range", event(time=2**64), "attribute_wrong_type", "error", "time"),
    ("float_literal", event(confidence_score=5), None, None, None),
    ("enum_unknown", event(script__type_id=12), "attribute_enum_value_unknown", "error",
     "script.type_id"),
    ("type_uid", event(type_uid=100902), "type_uid_incorrect", "error", "type_uid"),
    ("class_uid_unknown", event(class_uid=999999), "class_uid_unknown", "error", "class_uid"),
    ("class_uid_missing", event(class_uid=DELETE), "attribute_required_missing", "error",
     "class_uid"),
    ("class_uid_type", event(class_uid="1009"), "attribute_wrong_type", "error", "class_uid"),
    ("profile_unknown", event(metadata__profiles=["nope"]), "profile_unknown", "error",
     "metadata.profiles[0]"),
    ("sibling", event(activity_name="Run"), "attribute_enum_sibling_incorrect", "warning",
     "activity_name"),
    ("constraint", event(actor={}), "constraint_failed", "error", "actor"),
    ("range", event(device__port=70000), "attribute_unknown", "error", "device.port"),
    ("regex", event(time_dt="yesterday", metadata__profiles=["datetime"]),
     "attribute_value_regex_not_matched", "warning", "time_dt"),
    ("observable", event(observables=[{"name": "script.nope", "type_id": 1}]),
     "observable_name_invalid_reference", "error", "observables[0].name"),
    ("array_enum", event(script__hashes=[{"algorithm_id": 42, "value": "ab"}]),
     "attribute_enum_value_unknown", "error", "script.hashes[0].algorithm_id"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_finding_code(catalog, case):
    _, data, code, severity, path = case
    report = validate_event(data, catalog, CheckOptions(schema_version="1.8.0"))
    findings = report.errors + report.warnings

    if code is None:
        assert any(f.code == "attribute_unknown" for f in findings)  # confidence_score needs a profile
        return
    matching = [f for f in findings if f.code == code]
    assert matching, [f.code for f in findings]
    assert matching[0].severity == severity
    assert matching[0].attribute_path == path


def test_missing_recommended_only_on_request(catalog):
    data = event(script__hashes=DELETE)

    plain = validate_event(data, catalog)
    asked = validate_event(data, catalog, CheckOptions(missing_recommended=True))

    assert not [f for f in plain.warnings if f.code == "attribute_recommended_missing"]
    assert [f.attribute_path for f in asked.warnings
            if f.code == "attribute_recommended_missing"].count("script.hashes") == 1


def test_declared_profile_admits_its_attributes(catalog):
    data = event(is_alert=True, metadata__profiles=["security_control"])
    report = validate_event(data, catalog)

    assert not [f for f in report.errors if f.attribute_path == "is_alert"]


def test_release_from_metadata_version(catalog):
    data = event(metadata__version="1.4.0")
    report = validate_event(data, catalog)

    assert report.schema_version == "1.4.0"


def test_unavailable_version_falls_back_with_warning(catalog):
    data = event(metadata__version="1.9.0-dev")
    report = validate_event(data, catalog)

    assert report.schema_version == "1.8.0"
    assert [f.code for f in report.warnings] == ["schema_version_fallback"]


FIVE_MISTAKES = """{
  "class_uid": 1009,
  "activity_id": 1,
  "type_uid": 100902,
  "category_uid": 1,
  "severity_id": 1,
  "time": "now",
  "metadata": {"version": "1.8.0", "product": {"name": "p", "vendor_name": "v"}},
  "device": {"hostname": "h", "type_id": 2},
  "actor": {"process": {"pid": 1}},
  "script": {
    "type_id": 42,
    "script_content": {"value": 7}
  },
  "color": "blue"
}"""


def test_five_mistakes_at_their_lines(catalog):
    result = validate_text(FIVE_MISTAKES, catalog)
    found = {(f.code, f.attribute_path): (f.line, f.column)
             for f in result.events[0].errors}

    assert found[("type_uid_incorrect", "type_uid")] == (4, 15)
    assert found[("attribute_wrong_type", "time")] == (7, 11)
    assert found[("attribute_enum_value_unknown", "script.type_id")] == (12, 16)
    assert found[("attribute_wrong_type", "script.script_content.value")] == (13, 33)
    assert found[("attribute_unknown", "color")] == (15, 12)


def test_missing_key_points_at_its_object(catalog):
    text = '{"class_uid": 1009, "activity_id": 1, "type_uid": 100901,\n "script": {\n  "type_id": 2}}'
    result = validate_text(text, catalog)
    missing = [f for f in result.events[0].errors
               if f.attribute_path == "script.script_content"][0]

    assert (missing.line, missing.column) == (2, 12)


def test_non_object_event_rejected(catalog):
    from webapp.conformance import JsonInputError

    with pytest.raises(JsonInputError, match="event 1 is a JSON number"):
        validate_text('[{"class_uid": 1009}, 5]', catalog)
