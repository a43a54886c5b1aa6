"""Write docs/findings.md: every finding code with an example checked by the real checker.

Usage: .venv/bin/python scripts/findings_doc.py > docs/findings.md

The same EXAMPLES table drives tests/test_finding_codes.py, so the document
cannot list a code the checker does not produce.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASE = json.loads((ROOT / "schema/examples/script_activity.json").read_text())
SERVER, OURS = "OCSF server", "this project"


def changed(*edits) -> dict:
    """Return a copy of the example Script Activity event with ``edits`` applied.

    Each edit is (dotted path, value); the value ``DELETE`` removes the key.
    """
    event = copy.deepcopy(BASE)
    for dotted, value in edits:
        *parents, last = dotted.split(".")
        target = event
        for key in parents:
            target = target.setdefault(key, {})
        if value is DELETE:
            target.pop(last, None)
        else:
            target[last] = value
    return event


DELETE = object()

NETWORK = {
    "class_uid": 4001, "activity_id": 6, "type_uid": 400106, "category_uid": 4,
    "severity_id": 1, "time": 1764840000123,
    "metadata": {"version": "1.8.0", "product": {"name": "Example NDR", "vendor_name": "Example"}},
    "src_endpoint": {"ip": "192.0.2.10", "port": 70000},
    "dst_endpoint": {"ip": "192.0.2.20", "port": 443},
}

# (code, severity, origin, what triggers it, event, options, attribute_path)
EXAMPLES = [
    ("attribute_required_missing", "error", SERVER,
     "A required attribute is absent or null.",
     changed(("script.script_content", DELETE)), {}, "script.script_content"),
    ("attribute_recommended_missing", "warning", SERVER,
     "A recommended attribute is absent or null; reported only on request "
     "(`--missing-recommended`, `missing_recommended=1`).",
     changed(("script.hashes", DELETE)), {"missing_recommended": True}, "script.hashes"),
    ("attribute_unknown", "error", SERVER,
     "A key the class or object does not define, or an attribute of a profile the event "
     "does not declare in `metadata.profiles`.",
     changed(("script.language", "ps1")), {}, "script.language"),
    ("attribute_wrong_type", "error", SERVER,
     "A value of the wrong JSON type; integers must fit in 64 bits, and float attributes need "
     "a number with a fraction or an exponent.",
     changed(("time", "yesterday")), {}, "time"),
    ("class_uid_unknown", "error", SERVER,
     "No class has this `class_uid`; the event is not checked further.",
     changed(("class_uid", 4242)), {}, "class_uid"),
    ("profile_unknown", "error", SERVER,
     "`metadata.profiles` names a profile the schema does not define.",
     changed(("metadata.profiles", ["no_such_profile"])), {}, "metadata.profiles[0]"),
    ("attribute_enum_value_unknown", "error", SERVER,
     "A value that is not in the attribute's enum.",
     changed(("script.type_id", 42)), {}, "script.type_id"),
    ("attribute_enum_array_value_unknown", "error", SERVER,
     "An element of an array attribute with an enum is not in the enum.",
     changed(("metadata.profiles", ["security_control"]),
             ("malware", [{"name": "x", "classification_ids": [1, 4242]}])), {},
     "malware[0].classification_ids[1]"),
    ("attribute_enum_sibling_incorrect", "warning", SERVER,
     "The caption sibling of an enum attribute differs from the enum caption.",
     changed(("activity_name", "Run")), {}, "activity_name"),
    ("attribute_enum_sibling_suspicious_other", "warning", SERVER,
     "The value is 99 (Other) and the sibling just says \"Other\" instead of the source's "
     "own label.",
     changed(("activity_id", 99), ("type_uid", 100999), ("activity_name", "Other")), {},
     "activity_name"),
    ("attribute_enum_array_sibling_missing", "error", SERVER,
     "An array enum element has no caption at the same index of its sibling array.",
     changed(("metadata.profiles", ["security_control"]),
             ("malware", [{"name": "x", "classification_ids": [1, 2],
                           "classifications": ["Adware"]}])), {},
     "malware[0].classifications[1]"),
    ("attribute_enum_array_sibling_incorrect", "error", SERVER,
     "An array enum element's caption at the same index of its sibling array is wrong.",
     changed(("metadata.profiles", ["security_control"]),
             ("malware", [{"name": "x", "classification_ids": [1, 2],
                           "classifications": ["Adware", "Worm"]}])), {},
     "malware[0].classifications[1]"),
    ("attribute_value_exceeds_range", "error", SERVER,
     "A number outside the range of its data type (here `port_t`, 0 to 65535).",
     NETWORK, {}, "src_endpoint.port"),
    ("attribute_value_exceeds_max_len", "error", SERVER,
     "A string longer than its data type allows (here `mac_t`, 32 characters).",
     changed(("device.mac", "00:11:22:33:44:55:66:77:88:99:aa:bb")), {}, "device.mac"),
    ("attribute_value_regex_not_matched", "warning", SERVER,
     "A string that does not match the pattern of its data type.",
     changed(("device.ip", "not-an-address")), {}, "device.ip"),
    ("attribute_value_not_in_type_values", "error", SERVER,
     "A value not in the fixed `values` list of its data type. No data type of the packaged "
     "releases has such a list except `boolean_t`, which the type check covers already, so "
     "this code appears only with schemas that define one.", None, {}, None),
    ("attribute_value_not_in_super_type_values", "error", SERVER,
     "The data type has no `values` list but the type it refines has one, and the value is not "
     "in it. Like the three codes below, it needs a type that refines a constrained type, "
     "which the packaged releases do not have; tests exercise them with such a type.",
     None, {}, None),
    ("attribute_value_exceeds_super_type_range", "error", SERVER,
     "A number outside the `range` of the type that the attribute's type refines.",
     None, {}, None),
    ("attribute_value_exceeds_super_type_max_len", "error", SERVER,
     "A string longer than the `max_len` of the type that the attribute's type refines.",
     None, {}, None),
    ("attribute_value_super_type_regex_not_matched", "warning", SERVER,
     "A string that does not match the `regex` of the type that the attribute's type refines.",
     None, {}, None),
    ("class_deprecated", "warning", SERVER,
     "The class is deprecated in the release used (`since` gives the release); here File "
     "Query (5007), deprecated since 1.4.0.",
     {"class_uid": 5007, "activity_id": 1, "type_uid": 500701,
      "metadata": {"version": "1.8.0"}}, {}, None),
    ("object_deprecated", "warning", SERVER,
     "An object value uses a deprecated object type; here `finding` in Security Finding.",
     {"class_uid": 2001, "activity_id": 1, "type_uid": 200101,
      "metadata": {"version": "1.8.0"}, "finding": {"title": "x", "uid": "f-1"}}, {},
     "finding"),
    ("attribute_deprecated", "warning", SERVER,
     "A deprecated attribute is present; here `device.imei`, deprecated since 1.4.0.",
     changed(("device.imei", "490154203237518")), {}, "device.imei"),
    ("attribute_enum_value_deprecated", "warning", SERVER,
     "An enum value that is deprecated. No enum value reachable from the packaged Script "
     "Activity is deprecated; tests exercise it with a schema that has one.", None, {}, None),
    ("attribute_enum_array_value_deprecated", "warning", SERVER,
     "An element of an array enum that is deprecated.", None, {}, None),
    ("version_earlier", "warning", SERVER,
     "`metadata.version` is an earlier release than the one used for the check.",
     changed(("metadata.version", "1.7.0")), {"schema_version": "1.8.0"}, "metadata.version"),
    ("version_incompatible_later", "error", SERVER,
     "`metadata.version` is later than the release used, or has another major version.",
     changed(("metadata.version", "1.9.0")), {"schema_version": "1.8.0"}, "metadata.version"),
    ("version_incompatible_prerelease", "error", SERVER,
     "`metadata.version` is a pre-release (`-dev`, `-rc.N`) other than the release used.",
     changed(("metadata.version", "1.8.0-rc.1")), {"schema_version": "1.8.0"},
     "metadata.version"),
    ("version_incompatible_initial_development", "error", SERVER,
     "`metadata.version` is a 0.x version.",
     changed(("metadata.version", "0.9.0")), {"schema_version": "1.8.0"}, "metadata.version"),
    ("version_invalid_format", "error", SERVER,
     "`metadata.version` is not a semantic version.",
     changed(("metadata.version", "v1.8")), {"schema_version": "1.8.0"}, "metadata.version"),
    ("type_uid_incorrect", "error", SERVER,
     "`type_uid` is not `class_uid * 100 + activity_id`.",
     changed(("type_uid", 100902)), {}, "type_uid"),
    ("constraint_failed", "error", SERVER,
     "An `at_least_one` or `just_one` constraint of the class or of a nested object fails.",
     changed(("actor", {})), {}, "actor"),
    ("observable_name_invalid_reference", "error", SERVER,
     "`observables[].name` is not an attribute path of the class.",
     changed(("observables", [{"name": "device.host", "type_id": 1}])), {},
     "observables[0].name"),
    ("time_dt_mismatch", "warning", OURS,
     "`time` and `time_dt` (or `start_time`/`end_time` and their `_dt`) name different moments.",
     changed(("metadata.profiles", ["datetime"]), ("time_dt", "2025-12-04T09:20:01Z")), {},
     "time_dt"),
    ("profile_not_in_class", "warning", OURS,
     "`metadata.profiles` names a real profile that the class does not support.",
     changed(("metadata.profiles", ["load_balancer"])), {}, "metadata.profiles[0]"),
    ("observable_type_id_mismatch", "warning", OURS,
     "An observable's `type_id` differs from the observable type of the attribute it names.",
     changed(("observables", [{"name": "device.hostname", "type_id": 2}])), {},
     "observables[0].type_id"),
    ("observable_value_mismatch", "warning", OURS,
     "An observable's `value` differs from the value at the attribute it names.",
     changed(("observables", [{"name": "device.hostname", "type_id": 1,
                               "value": "other.example.test"}])), {},
     "observables[0].value"),
    ("schema_version_fallback", "warning", OURS,
     "`metadata.version` names a release that is not available, so the default was used.",
     changed(("metadata.version", "1.9.0-dev")), {}, "metadata.version"),
    ("uid_duplicate", "warning", OURS,
     "Two events of one input share `metadata.uid` (reported on the later one).",
     None, {}, None),
    ("script_truncation_inconsistent", "warning", OURS,
     "`script.script_content` gives `untruncated_size` without `is_truncated: true`, or is "
     "truncated with a size not larger than its value.",
     changed(("script.script_content", {"value": "x", "untruncated_size": 90})), {},
     "script.script_content.untruncated_size"),
    ("fingerprint_length_invalid", "error", OURS,
     "A hash whose length does not fit its `algorithm_id` (MD5 32, SHA-1 40, SHA-256 64, "
     "SHA-512 128 hex digits).",
     changed(("script.hashes", [{"algorithm_id": 3, "value": "abc123"}])), {},
     "script.hashes[0].value"),
    ("event_unparseable", "error", OURS,
     "One line of NDJSON is not valid JSON; the other lines are still checked.", None, {}, None),
]


def run_example(event: dict, options: dict):
    from webapp.catalog import Catalog
    from webapp.conformance import CheckOptions, validate_event

    catalog = run_example.catalog = getattr(run_example, "catalog", None) or Catalog()
    return validate_event(event, catalog, CheckOptions(**options))


def render() -> str:
    lines = [
        "# Finding codes",
        "",
        "Every code the checker reports, whether it comes from the OCSF server's validator",
        "(`/api/v2/validate`, same code and severity) or is this project's own, with an",
        "example: the change made to the example Script Activity event in",
        "`schema/examples/script_activity.json`, and the finding the checker returns for it.",
        "This page is generated by `scripts/findings_doc.py`.",
        "",
        "| Code | Severity | From |",
        "|---|---|---|",
    ]
    for code, severity, origin, *_ in EXAMPLES:
        lines.append(f"| [`{code}`](#{code}) | {severity} | {origin} |")
    for code, severity, origin, description, event, options, path in EXAMPLES:
        lines += ["", f"## {code}", "", f"{severity.capitalize()}, from {origin}. {description}"]
        if event is None:
            continue
        report = run_example(event, options)
        found = [f for f in report.errors + report.warnings
                 if f.code == code and (path is None or f.attribute_path == path)]
        if not found:
            continue
        diff = {k: v for k, v in event.items() if BASE.get(k) != v}
        lines += ["", "Event (changed keys only):", "", "```json",
                  json.dumps(diff, indent=2, ensure_ascii=False), "```", "",
                  "Finding:", "", "```json", json.dumps(found[0].to_json(), indent=2), "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
