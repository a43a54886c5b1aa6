"""Defender DeviceEvents samples mapped with the values their expectations give."""

import hashlib

import pytest

from webapp.mapping import map_text
from webapp.vendors import InputError, parse

from ..conftest import sample_text


def sha256_prefix(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def script_events(result):
    return [e.script.event for e in result.events]


def test_log_analytics_export(catalog):
    result = map_text(sample_text("mde/log_analytics_export_scriptcontent.json"), catalog)
    first, second = script_events(result)

    assert result.parsed.format_id == "mde_deviceevents"
    assert first["time"] == 1725291667512
    assert first["script"]["type_id"] == 3
    assert len(first["script"]["script_content"]["value"]) == 349
    assert sha256_prefix(first["script"]["script_content"]["value"]) == "183dcddc0efca8ff"
    assert first["script"]["hashes"] == [{
        "algorithm_id": 3, "algorithm": "SHA-256",
        "value": "183dcddc0efca8ff11e9515cc45703c8c353517229b52f1ee5f1bb93677a5eae"}]
    assert first["actor"]["process"]["pid"] == 411872
    assert first["actor"]["process"]["created_time"] == 1725291667468
    assert first["device"]["hostname"] == "ip-10-20-3-44.eu-west-1.compute.internal"
    assert first["device"]["uid"] == "3f9a0c1be27d4e58a6b1c0d2e3f40516a7b8c9d0"
    assert "604211" in first["metadata"]["uid"]
    assert first["metadata"]["logged_time"] == 1725291667512
    assert "user" not in first["actor"]
    assert second["time"] == 1725188744090
    assert second["script"]["type_id"] == 6
    assert len(second["script"]["script_content"]["value"]) == 463
    assert sha256_prefix(second["script"]["script_content"]["value"]) == "3904ef234749bc0d"
    assert second["actor"]["process"]["pid"] == 402219
    assert second["actor"]["process"]["created_time"] == 1725188744031


def test_log_analytics_both_mappings_validated(catalog):
    result = map_text(sample_text("mde/log_analytics_export_scriptcontent.json"), catalog)

    for mapped in result.events:
        assert mapped.script.validation.errors == []
        assert mapped.process.event["class_uid"] == 1007
        assert mapped.process.event["activity_id"] == 1
        assert mapped.process.event["type_uid"] == 100701
        assert mapped.process.event["process"]["cmd_line"] == \
            mapped.script.event["script"]["script_content"]["value"]
        assert mapped.process.validation is not None


def _no_empty_values(value, path="") -> list[str]:
    found = []
    if isinstance(value, dict):
        if not value:
            found.append(path)
        for key, item in value.items():
            found += _no_empty_values(item, f"{path}.{key}")
    elif isinstance(value, list):
        for position, item in enumerate(value):
            found += _no_empty_values(item, f"{path}[{position}]")
    elif value == "":
        found.append(path)
    return found


@pytest.mark.parametrize("name", ["log_analytics_export_scriptcontent.json",
                                  "ah_scriptcontent_powershell_fileless.json",
                                  "sentinel_portal_export.csv.txt"])
def test_no_empty_strings_or_objects(catalog, name):
    result = map_text(sample_text(f"mde/{name}"), catalog)

    for mapped in result.events:
        assert _no_empty_values(mapped.script.event) == []
        assert _no_empty_values(mapped.process.event) == []


def test_fileless_powershell_row(catalog):
    result = map_text(sample_text("mde/ah_scriptcontent_powershell_fileless.json"), catalog)
    event = result.events[0].script.event
    script = event["script"]

    assert event["time"] == 1723583292257
    assert script["type_id"] == 2
    assert "file" not in script
    assert len(script["script_content"]["value"]) == 302
    assert "\r\n" in script["script_content"]["value"]
    assert sha256_prefix(script["script_content"]["value"]) == "37be74c0053ba187"
    assert "is_truncated" not in script["script_content"]
    assert script["hashes"][0]["value"] == \
        "37be74c0053ba187e6622628f461fbb92b8c547c4bb6401040841e8539fc683b"
    assert event["actor"]["process"]["pid"] == 7740
    assert event["actor"]["user"]["name"] == "a.moreau"
    assert event["actor"]["user"]["uid"] == "S-1-5-21-2718281828-3141592653-1618033988-1107"
    assert event["device"]["hostname"] == "wks-fin-0142.corp.example.net"
    assert "31877" in event["metadata"]["uid"]
    process = result.events[0].process.event
    assert process["process"]["pid"] == 7740
    assert process["actor"]["process"]["pid"] == 5128


def test_sentinel_csv_export(catalog):
    result = map_text(sample_text("mde/sentinel_portal_export.csv.txt"), catalog)
    event = result.events[0].script.event

    assert event["time"] == 1723583292257
    assert event["script"]["type_id"] == 6
    assert "file" not in event["script"]
    assert len(event["script"]["script_content"]["value"]) == 157
    assert sha256_prefix(event["script"]["script_content"]["value"]) == "080144d59553eb61"
    assert event["script"]["hashes"][0]["value"].startswith("080144d59553eb61")
    assert event["metadata"]["logged_time"] == 1723583340668
    assert event["device"]["hostname"] == "lnx-web-01.corp.example.net"
    assert event["actor"]["process"]["pid"] == 3124


def test_truncated_additional_fields_salvaged(catalog):
    result = map_text(sample_text("mde/ah_scriptcontent_truncated.json"), catalog)
    event = result.events[0].script.event
    content = event["script"]["script_content"]

    assert event["time"] == 1730816560091
    assert content["is_truncated"] is True
    assert "untruncated_size" not in content
    assert len(content["value"]) == 474
    assert sha256_prefix(content["value"]) == "42493548633c11f6"
    assert event["script"]["hashes"][0]["value"].startswith("ecaa88fbf0e64846")
    assert event["actor"]["user"]["name"] == "system"
    assert event["actor"]["user"]["uid"] == "S-1-5-18"
    assert result.events[0].script.validation.errors == []


def test_powershell_command_row(catalog):
    result = map_text(sample_text("mde/ah_powershellcommand.json"), catalog)
    mapped = result.events[0]
    event = mapped.script.event

    assert event["time"] == 1723583342773
    assert event["script"]["type_id"] == 2
    assert event["script"]["script_content"]["value"] == "Get-NetTCPConnection"
    assert "hashes" not in event["script"]
    assert event["unmapped"]["ActionType"] == "PowerShellCommand"
    text_row = [row for row in mapped.fidelity if row.fact == "script_text"][0]
    assert text_row.process_activity_verdict == "distorted"
    assert "no process was started" in text_row.reason


def test_fidelity_of_hash_and_text(catalog):
    result = map_text(sample_text("mde/ah_scriptcontent_powershell_fileless.json"), catalog)
    rows = {row.fact: row for row in result.events[0].fidelity}

    assert rows["script_text"].script_activity == "script.script_content.value"
    assert rows["script_text"].process_activity == "process.cmd_line"
    assert rows["script_text"].verdict == "distorted"
    assert rows["script_hashes"].verdict == "lost"
    assert rows["script_hashes"].script_activity_verdict == "kept"
    assert rows["process_pid"].verdict == "kept"
    assert rows["process_cmd_line"].verdict == "lost"


def test_shapes_graph_streaming_and_string_json(catalog):
    row = {"Timestamp": "2024-08-13T21:08:12.2573453Z", "DeviceId": "d1", "DeviceName": "h1",
           "ActionType": "ScriptContent", "InitiatingProcessId": "77",
           "InitiatingProcessFileName": "pwsh.exe", "SHA256": "AB" * 32, "ReportId": "5",
           "AdditionalFields": "{\"ScriptContent\":\"Write-Output 1\"}"}
    import json

    graph = {"@odata.context": "x", "schema": [{"name": "Timestamp"}], "results": [row, row]}
    streaming = {"records": [{"time": "2024-08-13T21:09:00Z", "category":
                              "AdvancedHunting-DeviceEvents", "operationName": "Publish",
                              "properties": row}]}

    graph_records = parse(json.dumps(graph)).records
    streaming_records = parse(json.dumps(streaming)).records

    assert len(graph_records) == 2
    assert graph_records[0].time == 1723583292257
    assert graph_records[0].process_pid == 77
    assert graph_records[0].script_hashes[0].value == "ab" * 32
    assert streaming_records[0].logged_time == 1723583340000
    assert streaming_records[0].script_text == "Write-Output 1"


def test_other_action_types_only_is_an_error():
    import json

    row = {"Timestamp": "2024-08-13T21:08:12Z", "DeviceId": "d", "ActionType": "FileCreated",
           "InitiatingProcessId": 1}
    with pytest.raises(InputError, match="ScriptContent"):
        parse(json.dumps(row))


def test_broken_row_mapped_as_far_as_possible(catalog):
    import json

    good = {"Timestamp": "2024-08-13T21:08:12.2573453Z", "DeviceId": "d1", "DeviceName": "h1",
            "ActionType": "ScriptContent", "InitiatingProcessId": 77,
            "AdditionalFields": {"ScriptContent": "Get-Date"}}
    broken = dict(good, Timestamp="yesterday at noon", InitiatingProcessId=78)
    result = map_text(json.dumps([good, broken]), catalog)
    first, second = result.events

    assert first.script.event["time"] == 1723583292257
    assert "time" not in second.script.event
    assert any("Timestamp was left out" in note for note in second.to_json()["notes"])
    assert second.script.event["actor"]["process"]["pid"] == 78
    assert [f.code for f in second.script.validation.errors] == ["attribute_required_missing"]
