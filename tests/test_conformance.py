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


VERSION_CASES = [
    ("1.7.0", "version_earlier", "warning"),
    ("1.9.0", "version_incompatible_later", "error"),
    ("1.10.0", "version_incompatible_later", "error"),
    ("1.8.0-rc.1", "version_incompatible_prerelease", "error"),
    ("0.9.0", "version_incompatible_initial_development", "error"),
    ("v1.8", "version_invalid_format", "error"),
]


@pytest.mark.parametrize("declared, code, severity", VERSION_CASES)
def test_version_checks(catalog, declared, code, severity):
    data = event(metadata__version=declared)
    report = validate_event(data, catalog, CheckOptions(schema_version="1.8.0"))
    found = [f for f in report.errors + report.warnings if f.code == code]

    assert len(found) == 1, [f.code for f in report.errors + report.warnings]
    assert found[0].severity == severity
    assert found[0].context["expected_value"] == "1.8.0"


BEYOND_CASES = [
    ("time_dt", event(time_dt="2025-12-04T09:20:00.124Z", metadata__profiles=["datetime"]),
     "time_dt_mismatch", "warning", "time_dt"),
    ("class_profile", event(metadata__profiles=["load_balancer"]), "profile_not_in_class",
     "warning", "metadata.profiles[0]"),
    ("observable_type", event(observables=[{"name": "device.hostname", "type_id": 2,
                                            "value": "wks-042.example.test"}]),
     "observable_type_id_mismatch", "warning", "observables[0].type_id"),
    ("observable_value", event(observables=[{"name": "device.hostname", "type_id": 1,
                                             "value": "other.example.test"}]),
     "observable_value_mismatch", "warning", "observables[0].value"),
    ("size_without_cut", event(script__script_content={"value": "x", "untruncated_size": 90}),
     "script_truncation_inconsistent", "warning", "script.script_content.untruncated_size"),
    ("cut_size_too_small", event(script__script_content={"value": "abcdef", "is_truncated": True,
                                                         "untruncated_size": 3}),
     "script_truncation_inconsistent", "warning", "script.script_content.untruncated_size"),
    ("hash_length", event(script__hashes=[{"algorithm_id": 3, "value": "abc123"}]),
     "fingerprint_length_invalid", "error", "script.hashes[0].value"),
]


@pytest.mark.parametrize("case", BEYOND_CASES, ids=[c[0] for c in BEYOND_CASES])
def test_checks_beyond_the_server(catalog, case):
    _, data, code, severity, path = case
    report = validate_event(data, catalog)
    found = [f for f in report.errors + report.warnings if f.code == code]

    assert found, [f.code for f in report.errors + report.warnings]
    assert found[0].severity == severity
    assert found[0].attribute_path == path


def test_matching_time_dt_is_quiet(catalog):
    data = event(time_dt="2025-12-04T09:20:00.123Z", metadata__profiles=["datetime"])
    report = validate_event(data, catalog)

    assert report.errors == []
    assert report.warnings == []


def test_duplicate_uid_in_batch(catalog):
    one = json.dumps(event(metadata__uid="evt-1"))
    result = validate_text(f"{one}\n{one}\n", catalog)

    assert [f.code for f in result.events[0].warnings] == []
    assert [f.code for f in result.events[1].warnings] == ["uid_duplicate"]
    assert result.events[1].warnings[0].line == 2


def test_suspicious_other_sibling(catalog):
    data = event(activity_id=99, activity_name="Other", type_uid=100999)
    report = validate_event(data, catalog)
    found = [f for f in report.warnings if f.code == "attribute_enum_sibling_suspicious_other"]

    assert found[0].attribute_path == "activity_name"


def test_array_enum_siblings(catalog):
    data = event(metadata__profiles=["security_control"])
    data["malware"] = [{"name": "x", "classification_ids": [1, 2, 99],
                        "classifications": ["Adware", "Worm", "Other"]},
                       {"name": "y", "classification_ids": [1, 2], "classifications": ["Adware"]}]
    report = validate_event(data, catalog)
    found = {(f.code, f.attribute_path) for f in report.errors}

    assert ("attribute_enum_array_sibling_incorrect", "malware[0].classifications[1]") in found
    assert ("attribute_enum_array_sibling_missing", "malware[1].classifications[1]") in found
    assert not [path for code, path in found if path.endswith("classifications[2]")]


def test_array_enum_value_unknown(catalog):
    data = event(metadata__profiles=["security_control"])
    data["malware"] = [{"name": "x", "classification_ids": [1, 4242]}]
    report = validate_event(data, catalog)

    assert ("attribute_enum_array_value_unknown", "malware[0].classification_ids[1]") in {
        (f.code, f.attribute_path) for f in report.errors}
