"""Carbon Black Cloud fileless script loads, on invented events in the Data Forwarder's shape."""

import hashlib
import json

import pytest

from webapp.mapping import map_text
from webapp.vendors import InputError, Source, parse
from webapp.vendors.formats import amsi, carbon_black, crowdstrike, sentinelone
from webapp.vendors.formats.carbon_black import go_time_to_ms

from ..conftest import sample_text

SCRIPT = ("$svc = Get-Service -Name 'Spooler'\r\n"
          "if ($svc.Status -ne 'Running') { Start-Service -Name 'Spooler' }\r\n"
          "Write-Output \"spooler $($svc.Status)\"\r\n")
SCRIPT_MD5 = hashlib.md5(SCRIPT.encode("utf-16-le")).hexdigest()
SCRIPT_SHA256 = hashlib.sha256(SCRIPT.encode("utf-16-le")).hexdigest()


def forwarder_event(**fields) -> dict:
    """Return an invented endpoint.event.fileless_scriptload record."""
    event = {
        "type": "endpoint.event.fileless_scriptload",
        "process_guid": "7Q2KX9PL-00a1b2c3-00001e3c-00000000-1da0f3c9e2b7a10",
        "parent_guid": "7Q2KX9PL-00a1b2c3-00000f10-00000000-1da0f3c8d4c2e55",
        "backend_timestamp": "2024-08-13 21:09:02 +0000 UTC",
        "org_key": "7Q2KX9PL",
        "device_id": "40071234",
        "device_name": "CORP\\WKS-FIN-0142",
        "device_external_ip": "203.0.113.77",
        "device_os": "WINDOWS",
        "action": "ACTION_LOAD_SCRIPT",
        "schema": 1,
        "device_timestamp": "2024-08-13 21:08:12.2573453 +0000 UTC",
        "process_reputation": "REP_WHITE",
        "process_pid": 7740,
        "parent_pid": 5128,
        "process_path": "c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe",
        "parent_path": "c:\\windows\\system32\\cmd.exe",
        "process_hash": ["b60a43ffe0fff9974957488bd794ddf6",
                         "efd24a3ea38fb7a198574e2a225f3c3f6647430588041f948c3cf97e6a814344"],
        "process_cmdline": "powershell.exe -NoProfile -ExecutionPolicy Bypass -Command -",
        "parent_cmdline": "cmd.exe /c C:\\ProgramData\\ops\\check.cmd",
        "process_username": "CORP\\a.moreau",
        "sensor_action": "ACTION_ALLOW",
        "event_origin": "EDR",
        "fileless_scriptload_cmdline": SCRIPT,
        "fileless_scriptload_cmdline_length": str(len(SCRIPT)),
        "fileless_scriptload_hash": [SCRIPT_MD5, SCRIPT_SHA256],
    }
    event.update(fields)
    return event


def only_record(event: dict):
    result = parse(json.dumps(event))
    assert result.format_id == "carbon_black_cloud"
    assert len(result.records) == 1
    return result.records[0]


def test_forwarder_event_mapped(catalog):
    result = map_text(json.dumps(forwarder_event()), catalog)
    mapped = result.events[0]
    event = mapped.script.event
    script = event["script"]
    process = event["actor"]["process"]

    assert result.parsed.format_id == "carbon_black_cloud"
    assert event["time"] == 1723583292257
    assert event["metadata"]["logged_time"] == 1723583342000
    assert script["type_id"] == 2
    assert script["script_content"]["value"] == SCRIPT
    assert "is_truncated" not in script["script_content"]
    assert script["hashes"] == [
        {"algorithm_id": 3, "algorithm": "SHA-256", "value": SCRIPT_SHA256},
        {"algorithm_id": 1, "algorithm": "MD5", "value": SCRIPT_MD5},
    ]
    assert "file" not in script
    assert process["pid"] == 7740
    assert process["uid"] == "7Q2KX9PL-00a1b2c3-00001e3c-00000000-1da0f3c9e2b7a10"
    assert process["file"]["path"] == \
        "c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe"
    assert process["cmd_line"] == "powershell.exe -NoProfile -ExecutionPolicy Bypass -Command -"
    assert process["parent_process"]["pid"] == 5128
    assert event["actor"]["user"] == {"name": "a.moreau", "domain": "CORP"}
    assert event["device"]["hostname"] == "WKS-FIN-0142"
    assert event["device"]["uid"] == "40071234"
    assert event["device"]["os"]["name"] == "Windows"
    assert event["unmapped"]["device_domain"] == "CORP"
    assert event["unmapped"]["org_key"] == "7Q2KX9PL"
    assert mapped.script.validation.errors == []
    assert mapped.process.validation.errors == []
    assert mapped.process.event["process"]["cmd_line"] == SCRIPT


@pytest.mark.parametrize("value, expected", [
    ("2024-08-13 21:08:12 +0000 UTC", 1723583292000),
    ("2024-08-13 21:08:12.9 +0000 UTC", 1723583292900),
    ("2024-08-13 21:08:12.257 +0000 UTC", 1723583292257),
    ("2024-08-13 21:08:12.2573453 +0000 UTC", 1723583292257),
    ("2024-08-13 21:08:12.257999999 +0000 UTC", 1723583292257),
    ("2024-08-13 23:08:12.257 +0200 CEST", 1723583292257),
    ("2024-08-13 17:08:12.257 -0400 EDT", 1723583292257),
    ("2024-08-13 21:08:12.257 +0000 UTC m=+0.003176701", 1723583292257),
])
def test_go_time_forms(value, expected):
    assert go_time_to_ms(value) == expected


@pytest.mark.parametrize("value", ["2024-08-13T21:08:12Z UTC", "2024-08-13 21:08:12",
                                   "13/08/2024 21:08:12 +0000 UTC"])
def test_go_time_rejects_other_forms(value):
    with pytest.raises(ValueError, match="invalid Go time"):
        go_time_to_ms(value)


@pytest.mark.parametrize("device_timestamp, expected", [
    ("2024-08-13 21:08:12 +0000 UTC", 1723583292000),
    ("2024-08-13 21:08:12.257 +0000 UTC", 1723583292257),
    ("2024-08-13 21:08:12.2573453 +0000 UTC", 1723583292257),
])
def test_device_timestamp_digits(device_timestamp, expected):
    record = only_record(forwarder_event(device_timestamp=device_timestamp))

    assert record.time == expected
    assert record.sources["time"] == "device_timestamp"


def test_invalid_device_timestamp_rejected():
    with pytest.raises(InputError, match="device_timestamp"):
        parse(json.dumps(forwarder_event(device_timestamp="yesterday")))


def test_longer_length_is_truncated(catalog):
    event = forwarder_event(fileless_scriptload_cmdline=SCRIPT[:40],
                            fileless_scriptload_cmdline_length="8192")
    mapped = map_text(json.dumps(event), catalog).events[0].script.event
    content = mapped["script"]["script_content"]

    assert content["value"] == SCRIPT[:40]
    assert content["is_truncated"] is True
    assert content["untruncated_size"] == 8192
    assert mapped["unmapped"]["untruncated_size_unit"] == "characters (assumed)"


def test_device_name_without_domain():
    record = only_record(forwarder_event(device_name="DESKTOP-7H2K"))

    assert record.device_hostname == "DESKTOP-7H2K"
    assert "device_domain" not in record.extras


def test_system_account_split():
    record = only_record(forwarder_event(process_username="NT AUTHORITY\\SYSTEM"))

    assert record.user_domain == "NT AUTHORITY"
    assert record.user_name == "SYSTEM"


def test_single_sha256_string_hash():
    event = forwarder_event(fileless_scriptload_hash=SCRIPT_SHA256.upper())
    record = only_record(event)

    assert [(h.algorithm_id, h.value) for h in record.script_hashes] == [(3, SCRIPT_SHA256)]


def test_search_api_row():
    row = {
        "event_type": "fileless_scriptload",
        "event_timestamp": "2024-08-13T21:08:12.257Z",
        "event_id": "b1f0c2d3e4a5968778695a4b3c2d1e0f",
        "process_guid": "7Q2KX9PL-00a1b2c3-00001e3c-00000000-1da0f3c9e2b7a10",
        "process_pid": [7740],
        "process_name": "powershell.exe",
        "process_username": ["CORP\\a.moreau"],
        "device_name": "wks-fin-0142",
        "fileless_scriptload_cmdline": "Get-ChildItem Env:",
        "fileless_scriptload_sha256": SCRIPT_SHA256,
    }
    record = only_record(row)

    assert record.time == 1723583292257
    assert record.process_pid == 7740
    assert record.user_name == "a.moreau"
    assert record.event_uid == "b1f0c2d3e4a5968778695a4b3c2d1e0f"
    assert record.script_hashes[0].value == SCRIPT_SHA256
    assert record.script_type.type_id == 2


def test_other_endpoint_events_skipped():
    procstart = forwarder_event(type="endpoint.event.procstart")
    del procstart["fileless_scriptload_cmdline"]
    text = json.dumps(procstart) + "\n" + json.dumps(forwarder_event())
    result = parse(text)

    assert len(result.records) == 1
    assert result.records[0].line == 2


def test_only_other_endpoint_events_rejected():
    scriptload = forwarder_event(type="endpoint.event.scriptload",
                                 scriptload_name="c:\\scripts\\logon.vbs")
    del scriptload["fileless_scriptload_cmdline"]

    with pytest.raises(InputError, match="endpoint.event.scriptload"):
        parse(json.dumps(scriptload))


def test_detect_flags_missing_text():
    event = forwarder_event()
    del event["fileless_scriptload_cmdline"]
    match = carbon_black.detect(Source(json.dumps(event)))

    assert match is not None
    assert match.missing == ["fileless_scriptload_cmdline"]


@pytest.mark.parametrize("name", ["amsi/amsi_1101_powershell_etw.json",
                                  "crowdstrike/fdr_scriptcontrolscantelemetry_linux_bash.json",
                                  "sentinelone/s1_commandscript_powershell.json",
                                  "mde/ah_scriptcontent_powershell_fileless.json"])
def test_other_vendors_not_claimed(name):
    assert carbon_black.detect(Source(sample_text(name))) is None


def test_carbon_black_not_claimed_by_others():
    source = Source(json.dumps(forwarder_event()))

    assert amsi.detect(source) is None
    assert crowdstrike.detect(source) is None
    assert sentinelone.detect(source) is None
