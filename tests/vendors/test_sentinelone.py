"""SentinelOne Deep Visibility Command Script events."""

import hashlib
import json

import pytest

from webapp.mapping import map_text
from webapp.vendors import InputError, Source, parse
from webapp.vendors.formats import amsi, carbon_black, crowdstrike, sentinelone

from ..conftest import sample_text


def sha256_prefix(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def s1_event(**fields) -> dict:
    """Return an invented Command Script event with flat dotted keys."""
    content = fields.pop("content", "Get-LocalUser | Where-Object Enabled")
    event = {
        "timestamp": "09:12:44.318",
        "event.time": 1730797964318,
        "event.type": "Command Script",
        "event.id": "0A1B2C3D4E5F60718293A4B5C6_12",
        "endpoint.name": "WKS-OPS-0311",
        "endpoint.os": "windows",
        "agent.uuid": "9e8d7c6b5a4f43e2a1b0c9d8e7f6a5b4",
        "cmdScript.applicationName": "PowerShell_C:\\Program Files\\PowerShell\\7\\pwsh.exe_7.4.1",
        "cmdScript.content": content,
        "cmdScript.isComplete": True,
        "cmdScript.originalSize": 2 * len(content),
        "cmdScript.sha256": hashlib.sha256(content.encode("utf-16-le")).hexdigest(),
        "src.process.name": "pwsh.exe",
        "src.process.pid": 3316,
        "src.process.uid": "4C3B2A1908F7E6D5",
        "src.process.user": "CORP\\k.brandt",
    }
    event.update(fields)
    return event


def only_record(event: dict):
    result = parse(json.dumps(event))
    assert result.format_id == "sentinelone_dv"
    assert len(result.records) == 1
    return result.records[0]


def test_powershell_sample(catalog):
    result = map_text(sample_text("sentinelone/s1_commandscript_powershell.json"), catalog)
    mapped = result.events[0]
    event = mapped.script.event
    content = event["script"]["script_content"]

    assert result.parsed.format_id == "sentinelone_dv"
    assert event["time"] == 1723583294118
    assert event["script"]["type_id"] == 2
    assert len(content["value"]) == 91
    assert sha256_prefix(content["value"]) == "8a57f1446ba0fa10"
    assert "is_truncated" not in content
    assert event["script"]["hashes"] == [{
        "algorithm_id": 3, "algorithm": "SHA-256",
        "value": "69658127e2df403b9f0a4ced0b9548a184c0a7d2e9303e007170e6641ff31929"}]
    assert event["unmapped"]["script_hash_encoding"] == "utf-16le"
    assert event["actor"]["process"]["uid"] == "1FEF3304ED29A87E"
    assert event["actor"]["process"]["pid"] == 7740
    assert event["actor"]["process"]["created_time"] == 1723583288998
    assert event["actor"]["process"]["parent_process"]["pid"] == 4480
    assert event["actor"]["user"]["name"] == "a.moreau"
    assert event["actor"]["user"]["domain"] == "CORP"
    assert event["device"]["hostname"] == "WKS-FIN-0142"
    assert event["metadata"]["uid"] == "87D40E579BAB196B0F24AA5239_974"
    assert event["metadata"]["correlation_uid"] == "517B85D04E9A857D"
    assert mapped.record.sources["correlation_uid"] == "src.process.Storyline\u2122.id"
    assert mapped.script.validation.errors == []


def test_incomplete_sample(catalog):
    result = map_text(sample_text("sentinelone/s1_commandscript_incomplete.json"), catalog)
    mapped = result.events[0]
    event = mapped.script.event
    content = event["script"]["script_content"]

    assert event["time"] == 1730817001771
    assert event["script"]["type_id"] == 2
    assert len(content["value"]) == 2048
    assert sha256_prefix(content["value"]) == "2677611efffb95a7"
    assert content["is_truncated"] is True
    assert content["untruncated_size"] == 8340
    assert event["unmapped"]["untruncated_size_unit"] == "utf-16le bytes"
    assert event["script"]["hashes"][0]["value"].startswith("c5ae497a42ede2cf")
    assert event["actor"]["user"]["name"] == "SYSTEM"
    assert event["actor"]["user"]["domain"] == "NT AUTHORITY"
    assert event["metadata"]["correlation_uid"] == "8CAC4CDA9D3B2C4B"
    assert mapped.script.validation.errors == []


def test_time_of_day_never_used():
    event = s1_event()
    del event["event.time"]
    record = only_record(event)

    assert record.time is None
    assert any("event.time is missing" in note for note in record.notes)
    assert record.extras["timestamp"] == "09:12:44.318"


def test_event_time_as_string():
    record = only_record(s1_event(**{"event.time": "1730797964318"}))

    assert record.time == 1730797964318


@pytest.mark.parametrize("key", ["src.process.Storyline\u2122.id", "src.process.storyline.id",
                                 "SRC.PROCESS.STORYLINE.ID", "src.process.Storyline(TM).id"])
def test_storyline_key_variants(key):
    record = only_record(s1_event(**{key: "77AA66BB55CC44DD"}))

    assert record.correlation_uid == "77AA66BB55CC44DD"
    assert record.sources["correlation_uid"] == key


def test_mixed_case_keys_matched():
    event = s1_event()
    event["CmdScript.Content"] = event.pop("cmdScript.content")
    event["Src.Process.Pid"] = event.pop("src.process.pid")
    record = only_record(event)

    assert record.script_text == "Get-LocalUser | Where-Object Enabled"
    assert record.process_pid == 3316
    assert record.sources["script_text"] == "CmdScript.Content"


def test_nested_objects_flattened():
    nested = {
        "event": {"time": 1730797964318, "type": "Command Script", "id": "N_1"},
        "cmdScript": {"content": "uname -a", "isComplete": True},
        "src": {"process": {"name": "bash", "pid": 812, "user": "root"}},
        "endpoint": {"name": "lnx-build-02", "os": "linux"},
    }
    record = only_record(nested)

    assert record.script_text == "uname -a"
    assert record.time == 1730797964318
    assert record.process_pid == 812
    assert record.user_name == "root"
    assert record.user_domain is None
    assert record.device_os == "linux"
    assert record.script_type.type_id == 6


def test_incomplete_as_string_flag():
    record = only_record(s1_event(**{"cmdScript.isComplete": "false",
                                     "cmdScript.originalSize": "9000"}))

    assert record.script_truncated is True
    assert record.script_untruncated_size == 9000
    assert record.script_size_unit == "utf-16le bytes"


def test_complete_keeps_size_in_unmapped():
    record = only_record(s1_event())

    assert record.script_truncated is False
    assert record.extras["cmdScript.originalSize"] == 72


def test_type_from_process_name_without_engine():
    event = s1_event(content="import os\nprint(os.getcwd())", **{"src.process.name": "python3"})
    del event["cmdScript.applicationName"]
    record = only_record(event)

    assert record.script_type.type_id == 3


def test_engine_prefix_wins():
    record = only_record(s1_event(**{"src.process.name": "svchost.exe"}))

    assert record.script_type.type_id == 2
    assert "PowerShell" in record.script_type.evidence


def test_other_event_types_skipped():
    other = {"event.time": 1730797964000, "event.type": "Process Creation",
             "src.process.pid": 1, "endpoint.name": "WKS-OPS-0311"}
    text = json.dumps(other) + "\n" + json.dumps(s1_event())
    result = parse(text)

    assert len(result.records) == 1
    assert result.records[0].index == 1


def test_only_other_event_types_rejected():
    text = json.dumps([{"event.type": "File Creation", "event.time": 1730797964000}])

    with pytest.raises(InputError, match="File Creation"):
        parse(text, "sentinelone_dv")


def test_detect_script_keys_without_event_type():
    text = json.dumps({"cmdScript.content": "Get-Date", "event.time": 1730797964000})
    match = sentinelone.detect(Source(text))

    assert match is not None
    assert match.missing == []


def test_detect_script_type_without_content():
    match = sentinelone.detect(Source(json.dumps({"event.type": "Command Script"})))

    assert match is not None
    assert match.missing == ["cmdScript.content"]


@pytest.mark.parametrize("name", ["amsi/amsi_1101_jscript_file.json",
                                  "crowdstrike/fdr_scriptcontrolscantelemetry_linux_bash.json",
                                  "mde/log_analytics_export_scriptcontent.json"])
def test_other_vendors_not_claimed(name):
    assert sentinelone.detect(Source(sample_text(name))) is None


def test_sentinelone_not_claimed_by_others():
    source = Source(sample_text("sentinelone/s1_commandscript_powershell.json"))

    assert amsi.detect(source) is None
    assert crowdstrike.detect(source) is None
    assert carbon_black.detect(source) is None
