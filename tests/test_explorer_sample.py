"""Sample events: built for every class of every packaged release, checked by the validator."""

import os
from pathlib import Path

import pytest

from webapp.catalog import Catalog, SchemaSource
from webapp.catalog.exports import packaged_versions
from webapp.catalog.sample import SampleError, build_sample
from webapp.conformance import CheckOptions, validate_event

SOURCES = os.environ.get("OCSF_SCHEMA_SOURCES", "")


def errors_of(event, catalog, version) -> list[str]:
    report = validate_event(event, catalog, CheckOptions(schema_version=version))
    return [f"{f.code}: {f.message}" for f in report.errors]


@pytest.mark.parametrize("version", packaged_versions())
@pytest.mark.parametrize("mode", ["required", "all_profiles_recommended"])
def test_every_class_sample_validates(catalog, version, mode):
    release = catalog.get(version)
    failures = {}
    for name, schema in release.classes.items():
        profiles = list(schema.profiles) if mode != "required" else []
        event = build_sample(release, schema, profiles, recommended=mode != "required")
        errors = errors_of(event, catalog, version)
        if errors:
            failures[name] = errors

    assert failures == {}


@pytest.mark.parametrize("version", ["1.1.0", "1.8.0"])
def test_dotted_constraint_is_met_in_sample(catalog, version):
    release = catalog.get(version)
    event = build_sample(release, release.classes["patch_state"], [])

    assert event["device"]["os"]["sp_name"] == "example"
    assert errors_of(event, catalog, version) == []


def test_dotted_constraint_missing_fails(catalog):
    release = catalog.get("1.8.0")
    event = build_sample(release, release.classes["patch_state"], [])
    constraint = release.classes["patch_state"].constraints
    for names in constraint.values():
        for name in names:
            *parents, last = name.split(".")
            target = event
            for key in parents:
                target = target.get(key, {})
            target.pop(last, None)

    assert any(error.startswith("constraint_failed") for error in
               errors_of(event, catalog, "1.8.0"))


def test_script_activity_sample_values(catalog):
    release = catalog.get("1.8.0")
    event = build_sample(release, release.classes["script_activity"], ["host"])

    assert event["class_uid"] == 1009
    assert event["class_name"] == "Script Activity"
    assert event["category_uid"] == 1
    assert event["category_name"] == "System Activity"
    assert event["activity_id"] == 1
    assert event["activity_name"] == "Execute"
    assert event["type_uid"] == 100901
    assert event["type_name"] == "Script Activity: Execute"
    assert event["metadata"]["version"] == "1.8.0"
    assert event["metadata"]["profiles"] == ["host"]
    assert event["script"]["script_content"]["value"] == "example"
    assert event["script"]["type_id"] == 1
    assert event["script"]["type"] == "Windows Command Prompt"
    assert event["time"] == 1735689600000
    assert "is_alert" not in event


def test_recommended_attributes_on_request(catalog):
    release = catalog.get("1.8.0")
    schema = release.classes["script_activity"]
    plain = build_sample(release, schema, [])
    rich = build_sample(release, schema, ["security_control"], recommended=True)

    assert "message" not in plain
    assert rich["message"] == "example"
    assert "hashes" not in plain["script"]
    assert rich["script"]["hashes"][0]["algorithm_id"] == 3
    assert len(rich["script"]["hashes"][0]["value"]) == 64
    assert rich["action_id"] == 1
    assert rich["action"] == "Allowed"


def test_unknown_profile_rejected(catalog):
    release = catalog.get("1.8.0")

    with pytest.raises(SampleError, match="hots"):
        build_sample(release, release.classes["script_activity"], ["hots"])


def test_sample_endpoint(client, catalog):
    response = client.get("/classes/script_activity/sample?profiles=host&recommended=1")
    event = response.get_json()

    assert response.status_code == 200
    assert event["metadata"]["profiles"] == ["host"]
    assert event["actor"]["process"]
    assert errors_of(event, catalog, "1.8.0") == []
    assert client.get("/api/classes/script_activity/sample?version=1.4.0").get_json()[
        "metadata"]["version"] == "1.4.0"


def test_sample_of_class_missing_from_release(client):
    response = client.get("/classes/script_activity/sample?version=1.3.0")

    assert response.status_code == 404


def test_sample_of_local_checkout_validates():
    root = Path(SOURCES) / "d90dcfc0"
    if not SOURCES or not root.is_dir():
        pytest.skip("OCSF_SCHEMA_SOURCES does not hold the d90dcfc0 source tree")
    catalog = Catalog(sources=[SchemaSource.parse(str(root))])
    release = catalog.get("local:d90dcfc0")
    schema = release.classes["script_activity"]
    event = build_sample(release, schema, list(schema.profiles), recommended=True)

    assert event["metadata"]["version"] == "1.4.0-dev"
    assert errors_of(event, catalog, "local:d90dcfc0") == []
