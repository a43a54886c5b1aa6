"""Local schema checkouts: settings, start-up errors, recompiling, and source-stated inheritance.

Trees come from the folder named by OCSF_SCHEMA_SOURCES; tests that change a
tree work on a copy in a temporary folder.
"""

import os
import shutil
from pathlib import Path

import pytest

from webapp import cli, create_app
from webapp.catalog import Catalog, SchemaSource, SourceError, parse_sources

SOURCES = os.environ.get("OCSF_SCHEMA_SOURCES", "")
needs_sources = pytest.mark.skipif(
    not SOURCES, reason="OCSF_SCHEMA_SOURCES is not set, so there are no source trees to read")


def tree(name: str) -> Path:
    path = Path(SOURCES) / name
    if not path.is_dir():
        pytest.skip(f"no source tree {name} under OCSF_SCHEMA_SOURCES")
    return path


@pytest.fixture(scope="module")
def local_catalog():
    if not SOURCES:
        pytest.skip("OCSF_SCHEMA_SOURCES is not set")
    return Catalog(sources=[SchemaSource.parse(str(tree("1.8.0")) + "=release"),
                            SchemaSource.parse(str(tree("d90dcfc0")))])


@pytest.fixture()
def tree_copy(tmp_path):
    copy = tmp_path / "schema"
    shutil.copytree(tree("d90dcfc0"), copy)
    return copy


def test_source_spec_label_defaults_to_folder():
    assert SchemaSource.parse("/srv/ocsf-schema").label == "local:ocsf-schema"
    assert SchemaSource.parse("/srv/ocsf-schema=dev").label == "local:dev"
    assert SchemaSource.parse("/srv/ocsf-schema=dev").path == Path("/srv/ocsf-schema")


def test_sources_setting_splits_on_pathsep():
    sources = parse_sources(os.pathsep.join(["/a/one", "/b/two=second"]))

    assert [s.label for s in sources] == ["local:one", "local:second"]


def test_duplicate_labels_rejected():
    with pytest.raises(SourceError, match="local:dev"):
        parse_sources(["/a/dev", "/b/dev"])


def test_missing_folder_fails_at_start(tmp_path):
    missing = tmp_path / "nowhere"

    with pytest.raises(SourceError) as error:
        create_app({"TESTING": True, "SCHEMA_SOURCES": str(missing)})

    assert str(missing) in str(error.value)
    assert "folder not found" in str(error.value)


@needs_sources
def test_invalid_json_names_file_and_position(tree_copy):
    (tree_copy / "objects" / "script.json").write_text('{"name": "script",\n  "caption": }\n')

    with pytest.raises(SourceError) as error:
        Catalog(sources=[SchemaSource.parse(str(tree_copy))])

    assert error.value.file == "objects/script.json"
    assert "line 2, column 14" in str(error.value)
    assert str(tree_copy) in str(error.value)


@needs_sources
def test_unknown_extends_names_file(tree_copy):
    path = tree_copy / "events" / "system" / "script.json"
    path.write_text(path.read_text().replace('"extends": "system"', '"extends": "sytem"'))

    with pytest.raises(SourceError) as error:
        Catalog(sources=[SchemaSource.parse(str(tree_copy))])

    assert error.value.file == "events/system/script.json"
    assert "'sytem'" in str(error.value)


@needs_sources
def test_serve_exits_2_on_broken_source(tree_copy, capsys):
    (tree_copy / "profiles" / "host.json").write_text("[")

    status = cli.main(["serve", "--schema-source", str(tree_copy)])

    assert status == 2
    message = capsys.readouterr().err
    assert "profiles/host.json" in message
    assert str(tree_copy) in message


@needs_sources
def test_serve_passes_sources(monkeypatch):
    calls = []
    monkeypatch.setattr("flask.Flask.run", lambda app, **kw: calls.append((app, kw)))

    status = cli.main(["serve", "--port", "5099", "--schema-source",
                       f"{tree('d90dcfc0')}=first"])

    assert status == 0
    app, options = calls[0]
    assert options == {"host": "127.0.0.1", "port": 5099}
    assert app.extensions["catalog"].local_labels == ["local:first"]


@needs_sources
def test_environment_variable_adds_sources(monkeypatch):
    monkeypatch.setenv("OCSF_WORKBENCH_SCHEMA_SOURCES",
                       os.pathsep.join([str(tree("d90dcfc0")), f"{tree('dev')}=main"]))

    app = create_app({"TESTING": True})

    assert app.extensions["catalog"].local_labels == ["local:d90dcfc0", "local:main"]
    html = app.test_client().get("/").get_data(as_text=True)
    assert '<optgroup label="Local checkouts">' in html
    assert '<option value="local:main"' in html


@needs_sources
def test_local_release_facts(local_catalog):
    release = local_catalog.get("local:d90dcfc0")

    assert release.label == "local:d90dcfc0"
    assert release.version == "1.4.0-dev"
    assert release.is_local
    assert release.classes["script_activity"].uid == 1009
    assert release.classes["script_activity"].category_name == "System Activity"
    content = release.objects["script"].attributes["script_content"]
    assert content.type == "string_t"
    assert content.type_name == "String"
    assert "name" not in release.objects["script"].attributes


@needs_sources
def test_local_objects_get_object_types(local_catalog):
    release = local_catalog.get("local:release")
    content = release.objects["script"].attributes["script_content"]

    assert content.type == "object_t"
    assert content.object_type == "long_string"
    assert content.type_name == "Long String"


@needs_sources
def test_local_inheritance_read_from_files(local_catalog):
    release = local_catalog.get("local:release")
    script_activity = release.classes["script_activity"].attributes
    file_query = release.classes["file_query"].attributes

    assert release.classes["script_activity"].chain == ["base_event", "system", "script_activity"]
    assert script_activity["actor"].defined_in == "system"
    # ocsf-lib marks actor with the host profile; the files clear that mark in system.json.
    assert script_activity["actor"].profiles == ()
    assert script_activity["is_alert"].defined_in == "security_control"
    assert ("script_activity", ["enum"]) in script_activity["activity_id"].overridden_by
    # discovery_result.json states the activity_id enum; file_query does not restate it.
    assert file_query["activity_id"].overridden_by == [("discovery_result", ["enum"])]
    assert release.objects["process"].chain == ["object", "_entity", "process_entity", "process"]
    assert release.chain_caption("_entity") == "Entity"


@needs_sources
def test_switcher_lists_local_checkouts(local_catalog):
    assert local_catalog.versions[0] == "1.8.0"
    assert local_catalog.versions[-2:] == ["local:release", "local:d90dcfc0"]
    assert local_catalog.has("local:d90dcfc0")


@needs_sources
def test_timeline_orders_by_schema_version(local_catalog):
    labels = [release.label for release in local_catalog.timeline()]

    assert labels.index("1.3.0") < labels.index("local:d90dcfc0") < labels.index("1.4.0")
    assert labels.index("1.8.0") + 1 == labels.index("local:release")


@needs_sources
def test_recompiles_when_files_change(tree_copy):
    catalog = Catalog(sources=[SchemaSource.parse(f"{tree_copy}=work")])
    first = catalog.get("local:work")

    assert catalog.get("local:work") is first
    path = tree_copy / "objects" / "script.json"
    path.write_text(path.read_text().replace('"caption": "Script"', '"caption": "Script Text"'))
    second = catalog.get("local:work")

    assert second is not first
    assert second.objects["script"].caption == "Script Text"


@needs_sources
def test_compile_error_at_request_time_is_503_page(tree_copy):
    app = create_app({"TESTING": True, "SCHEMA_SOURCES": f"{tree_copy}=work"})
    client = app.test_client()
    (tree_copy / "objects" / "script.json").write_text("{")

    page = client.get("/classes/script_activity?version=local:work")
    api = client.get("/api/classes/script_activity?version=local:work")

    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert "objects/script.json" in html
    assert "invalid JSON" in html
    assert "Traceback" not in html
    assert api.status_code == 503
    assert "objects/script.json" in api.get_json()["message"]


@needs_sources
def test_local_class_page(tree_copy):
    app = create_app({"TESTING": True, "SCHEMA_SOURCES": f"{tree_copy}=work"})
    html = app.test_client().get("/classes/script_activity?version=local:work") \
        .get_data(as_text=True)

    assert "local checkout local:work" in html
    actor_row = html.split('id="attr-actor"')[1].split("</tr>")[0]
    assert 'class="defined-in">System Activity' in actor_row
    assert '<option value="local:work" selected>' in html
