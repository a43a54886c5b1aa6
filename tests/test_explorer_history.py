"""Version history and diff of classes and objects across releases and local checkouts."""

import os
from dataclasses import replace
from pathlib import Path

import pytest

from webapp import create_app
from webapp.catalog import Attribute, EnumValue, Schema
from webapp.catalog.history import schema_changes

SOURCES = os.environ.get("OCSF_SCHEMA_SOURCES", "")


def attribute(name: str, **facts) -> Attribute:
    base = dict(caption=name.title(), description="", type="string_t", type_name="String",
                requirement="optional")
    return Attribute(name=name, **{**base, **facts})


def schema(*attributes: Attribute, **facts) -> Schema:
    return Schema(kind="object", name="thing", caption="Thing", description="", extends=None,
                  attributes={a.name: a for a in attributes}, **facts)


def kinds(changes) -> list[tuple[str, str | None]]:
    return [(change.kind, change.attribute) for change in changes]


# -- change detection --------------------------------------------------------------------------

def test_added_and_removed_attributes():
    before = schema(attribute("a"), attribute("b"))
    after = schema(attribute("b"), attribute("c", profiles=("host",)))
    changes = schema_changes(before, after)

    assert kinds(changes) == [("attribute_removed", "a"), ("attribute_added", "c")]
    assert changes[1].detail == "profile host"


def test_requirement_and_type_changes():
    before = schema(attribute("a"), attribute("b", type="object_t", object_type="file",
                                              type_name="File"))
    after = schema(attribute("a", requirement="required", type="object_t",
                             object_type="long_string", type_name="Long String"),
                   attribute("b", type="object_t", object_type="process",
                             type_name="Process"))
    changes = schema_changes(before, after)

    assert kinds(changes) == [("requirement_changed", "a"), ("type_changed", "a"),
                              ("object_type_changed", "b")]
    assert (changes[0].before, changes[0].after) == ("optional", "required")
    assert (changes[1].before, changes[1].after) == ("String (string_t)",
                                                     "Long String (long_string)")
    assert (changes[2].before, changes[2].after) == ("File (file)", "Process (process)")


def test_array_change_is_type_change():
    changes = schema_changes(schema(attribute("a")), schema(attribute("a", is_array=True)))

    assert kinds(changes) == [("type_changed", "a")]
    assert changes[0].after == "array of String (string_t)"


def test_enum_values_added_and_removed():
    values = {v: EnumValue(v, f"caption {v}") for v in ("0", "1", "2")}
    before = schema(attribute("a_id", enum={k: values[k] for k in ("0", "1")}))
    after = schema(attribute("a_id", enum={k: values[k] for k in ("0", "2")}))
    changes = schema_changes(before, after)

    assert kinds(changes) == [("enum_values_added", "a_id"), ("enum_values_removed", "a_id")]
    assert changes[0].after == "2"
    assert changes[0].detail == "2 caption 2"
    assert changes[1].before == "1"


def test_deprecations():
    old_value = EnumValue("1", "One")
    new_value = replace(old_value, deprecated_since="1.5.0")
    before = schema(attribute("a", enum={"1": old_value}), attribute("b"))
    after = schema(attribute("a", enum={"1": new_value}),
                   attribute("b", deprecated_since="1.6.0", deprecated_message="Use c."),
                   deprecated_since="1.7.0")
    changes = schema_changes(before, after)

    assert kinds(changes) == [("schema_deprecated", None), ("enum_value_deprecated", "a"),
                              ("attribute_deprecated", "b")]
    assert changes[0].after == "1.7.0"
    assert changes[1].detail == "1 One"
    assert changes[2].detail == "Use c."


def test_appearance_and_removal():
    assert kinds(schema_changes(None, schema())) == [("schema_added", None)]
    assert kinds(schema_changes(schema(), None)) == [("schema_removed", None)]
    assert schema_changes(schema(attribute("a")), schema(attribute("a"))) == []


# -- pages over the packaged releases ----------------------------------------------------------

def test_script_activity_first_appears_in_1_4_0(client):
    data = client.get("/api/classes/script_activity/history").get_json()
    by_label = {v["label"]: v for v in data["versions"]}

    assert data["first_version"] == "1.4.0"
    assert data["present_in"] == ["1.4.0", "1.5.0", "1.6.0", "1.7.0", "1.8.0"]
    assert by_label["1.3.0"]["present"] is False
    assert by_label["1.3.0"]["changes"] == []
    assert [c["kind"] for c in by_label["1.4.0"]["changes"]] == ["schema_added"]


def test_history_lists_attribute_changes(client):
    data = client.get("/api/classes/script_activity/history").get_json()
    changes = {v["label"]: [(c["kind"], c["attribute"]) for c in v["changes"]]
               for v in data["versions"]}

    assert changes["1.5.0"] == [("attribute_added", "malware_scan_info"),
                                ("attribute_added", "raw_data_size")]
    assert changes["1.6.0"] == [("attribute_added", "raw_data_hash")]


def test_history_page(client):
    html = client.get("/classes/script_activity/history").get_data(as_text=True)
    row_1_4 = html.split('id="version-1.4.0"')[1].split("</tr>")[0]

    assert '<strong id="first-version">1.4.0</strong>' in html
    assert "first appearance" in row_1_4
    assert "not in this version" in html.split('id="version-1.3.0"')[1].split("</tr>")[0]
    assert 'rel="alternate" type="application/json"' in html


def test_object_history_deprecation(client):
    data = client.get("/api/objects/process/history").get_json()
    changes = {v["label"]: v["changes"] for v in data["versions"]}

    assert {"kind": "attribute_deprecated", "attribute": "lineage", "before": None,
            "after": "1.4.0"} in [
        {k: c[k] for k in ("kind", "attribute", "before", "after")} for c in changes["1.4.0"]]


def test_diff_between_releases(client):
    data = client.get("/api/classes/script_activity/diff?from=1.4.0&to=1.8.0").get_json()

    assert data["from"] == "1.4.0"
    assert data["to"] == "1.8.0"
    assert [(c["kind"], c["attribute"]) for c in data["changes"]] == [
        ("attribute_added", "malware_scan_info"), ("attribute_added", "raw_data_hash"),
        ("attribute_added", "raw_data_size")]
    assert data["changes"][0]["detail"] == "profile security_control"


def test_diff_page_defaults_to_last_two_versions(client):
    html = client.get("/objects/script/diff").get_data(as_text=True)

    assert '<option value="1.7.0" selected>' in html
    assert '<option value="1.8.0" selected>' in html
    assert 'id="no-changes"' in html


def test_diff_with_absent_version(client):
    data = client.get("/api/classes/script_activity/diff?from=1.3.0&to=1.4.0").get_json()

    assert data["from_present"] is False
    assert [c["kind"] for c in data["changes"]] == ["schema_added"]


def test_diff_unknown_version_is_404(client):
    response = client.get("/api/classes/script_activity/diff?from=1.4&to=1.8.0")

    assert response.status_code == 404
    assert "1.4.0" in response.get_json()["suggestions"]


def test_history_of_unknown_class_is_404(client):
    response = client.get("/classes/script_activities/history")

    assert response.status_code == 404
    assert "script_activity" in response.get_data(as_text=True)


# -- with the commit that first added Script Activity loaded -----------------------------------

@pytest.fixture(scope="module")
def first_commit_client():
    root = Path(SOURCES) / "d90dcfc0"
    if not SOURCES or not root.is_dir():
        pytest.skip("OCSF_SCHEMA_SOURCES does not hold the d90dcfc0 source tree")
    return create_app({"TESTING": True, "SCHEMA_SOURCES": str(root)}).test_client()


def test_script_changes_before_1_4_0(first_commit_client):
    data = first_commit_client.get("/api/objects/script/history").get_json()
    by_label = {v["label"]: v for v in data["versions"]}
    labels = [v["label"] for v in data["versions"]]
    changes = {(c["kind"], c["attribute"]): c for c in by_label["1.4.0"]["changes"]}

    assert labels.index("local:d90dcfc0") + 1 == labels.index("1.4.0")
    assert data["first_version"] == "local:d90dcfc0"
    assert by_label["local:d90dcfc0"]["version"] == "1.4.0-dev"
    assert ("attribute_added", "name") in changes
    content = changes[("type_changed", "script_content")]
    assert content["before"] == "String (string_t)"
    assert content["after"] == "Long String (long_string)"


def test_script_history_page_with_checkout(first_commit_client):
    html = first_commit_client.get("/objects/script/history").get_data(as_text=True)
    row_1_4 = html.split('id="version-1.4.0"')[1].split('id="version-1.5.0"')[0]

    assert "String (string_t)" in row_1_4
    assert "Long String (long_string)" in row_1_4
    assert "<code>name</code>" in row_1_4


def test_script_activity_history_with_checkout(first_commit_client):
    data = first_commit_client.get("/api/classes/script_activity/history").get_json()
    packaged = [v for v in data["versions"] if not v["is_local"] and v["present"]]

    assert data["first_version"] == "local:d90dcfc0"
    assert packaged[0]["label"] == "1.4.0"


def test_diff_release_against_checkout(first_commit_client):
    data = first_commit_client.get(
        "/api/objects/script/diff?from=local:d90dcfc0&to=1.8.0").get_json()

    assert ("type_changed", "script_content") in [(c["kind"], c["attribute"])
                                                  for c in data["changes"]]
