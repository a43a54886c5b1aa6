import pytest

from webapp.catalog import UnknownVersion


def test_default_is_newest_packaged(catalog):
    assert catalog.default_version == "1.8.0"
    assert catalog.versions[0] == "1.8.0"
    assert "1.0.0-rc.2" in catalog.versions


def test_unknown_version_raises(catalog):
    with pytest.raises(UnknownVersion):
        catalog.get("9.9.9")


@pytest.mark.parametrize("class_name", ["script_activity", "process_activity"])
def test_class_chain(release, class_name):
    assert release.classes[class_name].chain == ["base_event", "system", class_name]
    assert release.chain_caption("system") == "System Activity"


def test_script_activity_facts(release):
    schema = release.classes["script_activity"]

    assert schema.uid == 1009
    assert schema.category_uid == 1
    assert schema.category_name == "System Activity"


def test_script_activity_defined_in(release):
    attributes = release.classes["script_activity"].attributes

    assert attributes["actor"].defined_in == "system"
    assert attributes["device"].defined_in == "system"
    assert attributes["script"].defined_in == "script_activity"
    assert attributes["time"].defined_in == "base_event"
    assert attributes["metadata"].defined_in == "base_event"
    assert attributes["activity_id"].defined_in == "base_event"
    assert ("script_activity", ["enum"]) in attributes["activity_id"].overridden_by
    assert list(attributes["activity_id"].enum) == ["0", "1", "99"]
    assert attributes["activity_id"].enum["1"].caption == "Execute"


def test_profile_attributes_name_their_profile(release):
    attributes = release.classes["script_activity"].attributes

    assert attributes["time_dt"].defined_in == "datetime"
    assert attributes["is_alert"].profiles == ("security_control",)


def test_process_activity_defined_in(release):
    attributes = release.classes["process_activity"].attributes

    assert attributes["process"].defined_in == "process_activity"
    assert attributes["actor"].defined_in == "system"
    assert attributes["activity_id"].enum["1"].caption == "Launch"


def test_script_object(release):
    script = release.objects["script"]

    assert script.chain == ["object", "script"]
    assert script.attributes["script_content"].object_type == "long_string"
    assert script.attributes["script_content"].type_name == "Long String"
    assert script.attributes["hashes"].is_array
    assert script.attributes["hashes"].object_type == "fingerprint"
    assert script.attributes["file"].object_type == "file"
    assert list(script.attributes["type_id"].enum) == ["0", "1", "2", "3", "4", "5", "6", "7",
                                                       "99"]


def test_process_object_chain(release):
    process = release.objects["process"]

    assert process.chain == ["object", "_entity", "process_entity", "process"]
    assert process.attributes["pid"].defined_in == "process_entity"


@pytest.mark.parametrize("version", ["1.0.0-rc.2", "1.3.0", "1.4.0"])
def test_v1_export_shape_loads(catalog, version):
    release = catalog.get(version)

    assert "process_activity" in release.classes
    assert release.classes["process_activity"].uid == 1007
    assert release.base_type("timestamp_t") == "long_t"


def test_script_activity_first_in_1_4_0(catalog):
    assert "script_activity" not in catalog.get("1.3.0").classes
    assert catalog.get("1.4.0").classes["script_activity"].uid == 1009
