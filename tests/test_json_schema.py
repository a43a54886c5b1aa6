"""JSON Schema export of classes: a valid sample passes, mistakes fail, profiles honoured."""

import jsonschema
import pytest

from webapp.catalog.jsonschema import json_schema
from webapp.catalog.sample import build_sample


@pytest.mark.parametrize("class_name", ["script_activity", "process_activity",
                                        "network_activity", "detection_finding"])
def test_sample_passes_its_schema(release, class_name):
    schema = release.classes[class_name]
    document = json_schema(release, schema, ["host"])
    sample = build_sample(release, schema, ["host"], recommended=True)

    jsonschema.Draft202012Validator.check_schema(document)
    assert list(jsonschema.Draft202012Validator(document).iter_errors(sample)) == []


def test_schema_rejects_mistakes(release):
    schema = release.classes["script_activity"]
    validator = jsonschema.Draft202012Validator(json_schema(release, schema, []))
    sample = build_sample(release, schema, [])

    wrong_type = dict(sample, time="now")
    unknown = dict(sample, color="blue")
    profile_attribute = dict(sample, is_alert=True)
    bad_enum = dict(sample, script=dict(sample["script"], type_id=42))

    for event in (wrong_type, unknown, profile_attribute, bad_enum):
        assert list(validator.iter_errors(event)), event


def test_profile_adds_attributes(release):
    schema = release.classes["script_activity"]
    plain = json_schema(release, schema, [])
    with_profile = json_schema(release, schema, ["security_control"])

    assert "is_alert" not in plain["properties"]
    assert "is_alert" in with_profile["properties"]


def test_schema_route_and_validate_this(client):
    document = client.get("/classes/script_activity/schema.json?profiles=host").get_json()
    page = client.get("/validate?sample=script_activity&profiles=host").get_data(as_text=True)
    links = client.get("/classes/script_activity").get_data(as_text=True)

    assert document["$schema"].endswith("2020-12/schema")
    assert document["properties"]["class_uid"]["const"] == 1009
    assert "&#34;class_uid&#34;: 1009" in page
    assert "/classes/script_activity/schema.json" in links
    assert "/validate?sample=script_activity" in links
    assert client.get("/validate?sample=nope").status_code == 404


def test_every_class_sample_passes_with_all_profiles(release):
    for name, schema in release.classes.items():
        document = json_schema(release, schema, list(schema.profiles))
        sample = build_sample(release, schema, list(schema.profiles), recommended=True)
        errors = list(jsonschema.Draft202012Validator(document).iter_errors(sample))

        assert errors == [], (name, errors[0].json_path, errors[0].message[:200])
