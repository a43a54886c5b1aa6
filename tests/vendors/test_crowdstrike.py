"""CrowdStrike FDR ScriptControlScanTelemetry and CommandHistory events."""

import hashlib
import json

import pytest

from webapp.mapping import map_text
from webapp.vendors import InputError, Source, parse
from webapp.vendors.formats import amsi, carbon_black, crowdstrike, sentinelone

from ..conftest import sample_text


def sha256_prefix(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def fdr_event(**fields) -> dict:
    """Return an invented FDR envelope with every value a string, as FDR writes them."""
    event = {
        "event_simpleName": "ScriptControlScanTelemetry",
        "event_platform": "Win",
        "aid": "0c5e2d1f9a8b47c6b3d2e1f0a9b8c7d6",
        "cid": "5a4b3c2d1e0f49a8b7c6d5e4f3a2b1c0",
        "id": "7f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f",
        "timestamp": "1730797964901",
        "ContextTimeStamp": "1730797964.318",
        "ContextProcessId": "5520114479301",
    }
    event.update(fields)
    return event


def only_record(event: dict):
    result = parse(json.dumps(event))
    assert result.format_id == "crowdstrike_fdr"
    assert len(result.records) == 1
    return result.records[0]


def test_truncated_powershell_sample(catalog):
    result = map_text(
        sample_text("crowdstrike/fdr_scriptcontrolscantelemetry_powershell_truncated.json"),
        catalog)
    mapped = result.events[0]
    event = mapped.script.event
    content = event["script"]["script_content"]

    assert result.parsed.format_id == "crowdstrike_fdr"
    assert event["time"] == 1723583291887
    assert event["metadata"]["logged_time"] == 1723583292301
    assert event["metadata"]["uid"] == "a634c7d6-a049-46f9-98a6-5c1198018463"
    assert event["script"]["type_id"] == 2
    assert len(content["value"]) == 1024
    assert sha256_prefix(content["value"]) == "67fd83fdd4fc1775"
    assert content["is_truncated"] is True
    assert content["untruncated_size"] == 3699
    assert event["unmapped"]["untruncated_size_unit"] == "characters (assumed)"
    assert event["script"]["hashes"] == [{
        "algorithm_id": 3, "algorithm": "SHA-256",
        "value": "fcaaf448c67936ffaabf0d09568026f16e65349e0a32b8aaac54d2f0644ae9db"}]
    assert event["actor"]["process"]["uid"] == "4398112233481"
    assert "pid" not in event["actor"]["process"]
    assert event["actor"]["process"]["file"]["path"] == \
        "\\Device\\HarddiskVolume3\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
    assert event["device"]["uid"] == "6d721b72e4a7eb3d00d3b2e3d8961ca1"
    assert event["device"]["os"]["name"] == "Windows"
    assert event["unmapped"]["ScriptingLanguageId"] == "1"
    assert event["unmapped"]["HostProcessType"] == "2"
    assert event["unmapped"]["ParentImageFileName"] == \
        "\\Device\\HarddiskVolume3\\Windows\\System32\\svchost.exe"
    assert mapped.script.validation.errors == []


def test_linux_bash_sample(catalog):
    result = map_text(
        sample_text("crowdstrike/fdr_scriptcontrolscantelemetry_linux_bash.json"), catalog)
    mapped = result.events[0]
    event = mapped.script.event
    script = event["script"]

    assert event["time"] == 1729492315014
    assert event["metadata"]["logged_time"] == 1729492315020
    assert script["type_id"] == 6
    assert script["file"]["path"] == "/tmp/.cache/upd.sh"
    assert script["name"] == "upd.sh"
    assert len(script["script_content"]["value"]) == 188
    assert sha256_prefix(script["script_content"]["value"]) == "2b944bb4db1ccb27"
    assert "is_truncated" not in script["script_content"]
    assert script["hashes"][0]["value"] == \
        "2b944bb4db1ccb275f1721a7c288ba48b785059534edd85e6a8c8d57d206e4cb"
    assert event["actor"]["process"]["cmd_line"] == "/bin/bash /tmp/.cache/upd.sh"
    assert event["actor"]["process"]["uid"] == "1720004411290"
    assert event["device"]["os"]["name"] == "Linux"
    assert mapped.script.validation.errors == []


def test_raw_process_id_is_pid():
    record = only_record(fdr_event(RawProcessId="6112", ScriptContent="Get-Date",
                                   OriginalContentLength="8"))

    assert record.process_pid == 6112
    assert record.process_uid == "5520114479301"
    assert record.sources["process_uid"] == "ContextProcessId"


def test_time_falls_back_to_timestamp():
    event = fdr_event(ScriptContent="id", OriginalContentLength="2")
    del event["ContextTimeStamp"]
    record = only_record(event)

    assert record.time == 1730797964901
    assert record.sources["time"] == "timestamp"


def test_full_length_not_truncated():
    record = only_record(fdr_event(ScriptContent="whoami /all", OriginalContentLength="11"))

    assert record.script_truncated is False
    assert record.script_untruncated_size is None


def test_vbs_name_gives_vbscript():
    record = only_record(fdr_event(
        ImageFileName="\\Device\\HarddiskVolume2\\Windows\\System32\\wscript.exe",
        ScriptContentName="C:\\Users\\p.varga\\AppData\\Local\\Temp\\upd.vbs",
        ScriptingLanguageId="4",
        ScriptContent="WScript.Echo \"hi\"",
        OriginalContentLength="17"))

    assert record.script_type.type_id == 5
    assert record.script_path == "C:\\Users\\p.varga\\AppData\\Local\\Temp\\upd.vbs"
    assert record.extras["ScriptingLanguageId"] == "4"


def test_bare_content_name_is_script_name():
    record = only_record(fdr_event(ScriptContentName="loader.ps1",
                                   ScriptContent="Start-Sleep 1", OriginalContentLength="13"))

    assert record.script_name == "loader.ps1"
    assert record.script_path is None
    assert record.script_type.type_id == 2


def test_command_history_split_on_pilcrow(catalog):
    event = {
        "event_simpleName": "CommandHistory",
        "event_platform": "Win",
        "aid": "0c5e2d1f9a8b47c6b3d2e1f0a9b8c7d6",
        "cid": "5a4b3c2d1e0f49a8b7c6d5e4f3a2b1c0",
        "id": "0b6a4e3d-9f2c-4d71-a6b5-3c2d1e0f9a8b",
        "timestamp": "1730798100455",
        "ContextTimeStamp": "1730798100.120",
        "TargetProcessId": "5520114479777",
        "ApplicationName": "cmd.exe",
        "UserName": "CORP\\p.varga",
        "CommandHistory": "whoami /groups\u00b6net group \"Domain Admins\" /domain\u00b6exit",
        "CommandCount": "3",
        "CommandCountMax": "50",
        "FirstCommand": "0",
        "LastAdded": "2",
        "LastDisplayed": "2",
    }
    result = map_text(json.dumps(event), catalog)
    mapped = result.events[0]
    record = mapped.record

    assert record.script_text == \
        "whoami /groups\nnet group \"Domain Admins\" /domain\nexit"
    assert "\u00b6" not in record.script_text
    assert record.granularity == "command"
    assert record.process_uid == "5520114479777"
    assert record.sources["process_uid"] == "TargetProcessId"
    assert record.process_name == "cmd.exe"
    assert record.user_domain == "CORP"
    assert record.user_name == "p.varga"
    assert record.script_type.type_id == 1
    assert record.extras["CommandCount"] == "3"
    assert mapped.script.validation.errors == []


def test_full_command_history_noted():
    record = only_record({
        "event_simpleName": "CommandHistory", "aid": "a1", "cid": "c1",
        "timestamp": "1730798100455", "TargetProcessId": "88",
        "ApplicationName": "powershell.exe",
        "CommandHistory": "\u00b6".join(f"echo {n}" for n in range(50)),
        "CommandCount": "50", "CommandCountMax": "50",
    })

    assert record.script_text.count("\n") == 49
    assert any("CommandCountMax" in note for note in record.notes)


def test_event_search_hash_prefixed_names():
    event = fdr_event(ScriptContent="ls -la", OriginalContentLength="6", event_platform="Lin")
    event["#event_simpleName"] = event.pop("event_simpleName")
    record = only_record(event)

    assert record.script_text == "ls -la"
    assert record.extras["event_simpleName"] == "ScriptControlScanTelemetry"
    assert record.device_os == "linux"


def test_events_without_script_skipped():
    lines = [
        fdr_event(event_simpleName="ProcessRollup2", ImageFileName="\\Device\\x\\cmd.exe"),
        fdr_event(ScriptContent="Get-Date", OriginalContentLength="8"),
    ]
    result = parse("\n".join(json.dumps(line) for line in lines))

    assert len(result.records) == 1
    assert result.records[0].line == 2
    assert result.records[0].index == 1


def test_only_other_events_rejected():
    text = json.dumps(fdr_event(event_simpleName="NetworkConnectIP4"))

    with pytest.raises(InputError, match="NetworkConnectIP4"):
        parse(text)


def test_invalid_time_rejected():
    text = json.dumps(fdr_event(ContextTimeStamp="yesterday", ScriptContent="x"))

    with pytest.raises(InputError, match="ContextTimeStamp"):
        parse(text)


def test_detect_needs_aid_or_cid():
    match = crowdstrike.detect(Source(json.dumps({"event_simpleName": "CommandHistory"})))

    assert match is not None
    assert match.missing == ["aid or cid"]


@pytest.mark.parametrize("name", ["amsi/amsi_1101_powershell_etw.json",
                                  "sentinelone/s1_commandscript_incomplete.json",
                                  "mde/ah_scriptcontent_powershell_fileless.json"])
def test_other_vendors_not_claimed(name):
    assert crowdstrike.detect(Source(sample_text(name))) is None


def test_crowdstrike_not_claimed_by_others():
    source = Source(sample_text(
        "crowdstrike/fdr_scriptcontrolscantelemetry_powershell_truncated.json"))

    assert amsi.detect(source) is None
    assert sentinelone.detect(source) is None
    assert carbon_black.detect(source) is None
