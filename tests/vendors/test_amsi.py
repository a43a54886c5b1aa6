"""AMSI ETW 1101 events: the samples' expected values and the renderings of the content buffer."""

import base64
import hashlib
import json

import pytest

from webapp.mapping import map_text
from webapp.vendors import Source, parse
from webapp.vendors.formats import amsi, crowdstrike, sentinelone

from ..conftest import sample_text

SCRIPT = "Get-Process -Name 'lsass' | Select-Object Id, StartTime\r\n"
SCRIPT_BYTES = SCRIPT.encode("utf-16-le")
SCRIPT_HASH = hashlib.sha256(SCRIPT_BYTES).hexdigest()


def sha256_prefix(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def amsi_event(content, **payload) -> str:
    """Return an invented 1101 event in the system/event_data layout."""
    data = {
        "session": "0x0000000000000c41",
        "scanStatus": 1,
        "scanResult": 1,
        "appname": "PowerShell_C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe_"
                   "10.0.22621.3880",
        "contentname": "",
        "contentsize": len(SCRIPT_BYTES),
        "originalsize": len(SCRIPT_BYTES),
        "content": content,
        "hash": "0x" + SCRIPT_HASH.upper(),
        "contentFiltered": False,
    }
    data.update(payload)
    return json.dumps({
        "system": {
            "provider": "Microsoft-Antimalware-Scan-Interface",
            "event_id": 1101,
            "time_created": "2024-11-05T09:12:44.318+00:00",
            "execution": {"process_id": 9120, "thread_id": 9124},
            "computer": "WKS-OPS-0311",
        },
        "event_data": data,
    })


def only_record(text: str):
    result = parse(text)
    assert result.format_id == "amsi_etw"
    assert len(result.records) == 1
    return result.records[0]


def test_powershell_sample(catalog):
    result = map_text(sample_text("amsi/amsi_1101_powershell_etw.json"), catalog)
    mapped = result.events[0]
    event = mapped.script.event
    content = event["script"]["script_content"]

    assert result.parsed.format_id == "amsi_etw"
    assert event["time"] == 1723583292255
    assert event["type_uid"] == 100901
    assert event["script"]["type_id"] == 2
    assert len(content["value"]) == 111
    assert sha256_prefix(content["value"]) == "25c17c7734b8ada0"
    assert "is_truncated" not in content
    assert event["script"]["hashes"] == [{
        "algorithm_id": 3, "algorithm": "SHA-256",
        "value": "54f3a92653db09c546c5d5be201cab6221d3660eacf8b25a6f4c4f54f4856d5e"}]
    assert "file" not in event["script"]
    assert event["actor"]["process"]["pid"] == 7740
    assert event["actor"]["process"]["file"]["path"] == \
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
    assert event["device"]["hostname"] == "WKS-FIN-0142"
    assert "user" not in event["actor"]
    assert event["unmapped"]["scanResult"] == 1
    assert event["unmapped"]["script_hash_encoding"] == "utf-16le"
    assert mapped.script.validation.errors == []


def test_jscript_sample(catalog):
    result = map_text(sample_text("amsi/amsi_1101_jscript_file.json"), catalog)
    event = result.events[0].script.event
    script = event["script"]

    assert event["time"] == 1725266650031
    assert script["type_id"] == 4
    assert script["file"]["path"] == "C:\\Users\\j.okafor\\Downloads\\invoice_77120.js"
    assert script["name"] == "invoice_77120.js"
    assert len(script["script_content"]["value"]) == 181
    assert sha256_prefix(script["script_content"]["value"]) == "5f37e139d7ed4f24"
    assert script["hashes"][0]["value"].startswith("9117ede241c067ee")
    assert event["actor"]["process"]["pid"] == 10552
    assert "name" not in event["actor"]["process"]
    assert "file" not in event["actor"]["process"]
    assert result.events[0].script.validation.errors == []


@pytest.mark.parametrize("content, rendering", [
    (SCRIPT_BYTES.hex(), "hex"),
    ("0x" + SCRIPT_BYTES.hex().upper(), "0x-prefixed hex"),
    (base64.b64encode(SCRIPT_BYTES).decode("ascii"), "base64"),
    (list(SCRIPT_BYTES), "byte array"),
    ("-".join(f"{byte:02X}" for byte in SCRIPT_BYTES), "separated hex"),
])
def test_content_renderings_decode_alike(content, rendering):
    record = only_record(amsi_event(content))

    assert record.script_text == SCRIPT
    assert record.extras["content_rendering"] == rendering
    assert record.extras["content_encoding"] == "utf-16le"
    assert record.script_hashes[0].value == SCRIPT_HASH
    assert record.script_hashes[0].basis == "utf-16le"


def test_already_decoded_content_kept_as_text():
    record = only_record(amsi_event(SCRIPT))

    assert record.script_text == SCRIPT
    assert record.extras["content_rendering"] == "text"
    assert record.script_hashes[0].basis == "unknown"


def test_odd_length_falls_back_to_utf8():
    text = "Write-Host ok"  # 13 bytes in UTF-8, so no UTF-16LE reading exists
    raw = text.encode("utf-8")
    record = only_record(amsi_event(raw.hex(), contentsize=len(raw), originalsize=len(raw)))

    assert record.script_text == text
    assert record.extras["content_encoding"] == "utf-8"
    assert record.script_hashes[0].basis == "utf-8"
    assert any("UTF-8" in note for note in record.notes)


def test_even_length_without_nul_pattern_is_utf8():
    raw = "Get-Date".encode("utf-8")
    record = only_record(amsi_event("0x" + raw.hex(), contentsize=8, originalsize=8))

    assert record.script_text == "Get-Date"
    assert record.extras["content_encoding"] == "utf-8"


def test_non_latin_utf16_text_decoded():
    text = "Привет"  # UTF-16LE with no NUL bytes
    raw = text.encode("utf-16-le")
    record = only_record(amsi_event(raw.hex(), contentsize=len(raw), originalsize=len(raw)))

    assert record.script_text == text
    assert record.extras["content_encoding"] == "utf-16le"


def test_content_filtered_is_truncated(catalog):
    text = amsi_event(SCRIPT_BYTES.hex(), contentFiltered=True, originalsize=4096)
    event = map_text(text, catalog).events[0].script.event
    content = event["script"]["script_content"]

    assert content["is_truncated"] is True
    assert content["untruncated_size"] == 4096
    assert event["unmapped"]["untruncated_size_unit"] == "utf-16le bytes"


def test_smaller_contentsize_is_truncated():
    record = only_record(amsi_event(SCRIPT_BYTES.hex(), contentsize=len(SCRIPT_BYTES),
                                    originalsize=len(SCRIPT_BYTES) + 200))

    assert record.script_truncated is True
    assert record.script_untruncated_size == len(SCRIPT_BYTES) + 200
    assert record.script_size_unit == "utf-16le bytes"


def test_content_cut_by_renderer_is_truncated():
    cut = SCRIPT_BYTES[:20]
    record = only_record(amsi_event(cut.hex()))

    assert record.script_text == SCRIPT[:10]
    assert record.script_truncated is True
    assert any("cut it short" in note for note in record.notes)


def test_equal_sizes_not_truncated():
    record = only_record(amsi_event(SCRIPT_BYTES.hex()))

    assert record.script_truncated is False
    assert record.script_untruncated_size is None


def test_appname_split_on_last_underscore():
    appname = "PowerShell_C:\\Tools\\ops_kit\\pwsh.exe_7.4.1"
    record = only_record(amsi_event(SCRIPT_BYTES.hex(), appname=appname))

    assert record.process_path == "C:\\Tools\\ops_kit\\pwsh.exe"
    assert record.extras["host_version"] == "7.4.1"
    assert record.script_type.type_id == 2


def test_vbscript_engine_has_no_process_path():
    record = only_record(amsi_event(SCRIPT_BYTES.hex(), appname="VBScript"))

    assert record.process_path is None
    assert record.process_name is None
    assert record.script_type.type_id == 5


def test_url_contentname_is_not_a_file():
    record = only_record(amsi_event(SCRIPT_BYTES.hex(), appname="JScript",
                                    contentname="https://cdn.example.com/a.js"))

    assert record.script_path is None
    assert record.extras["contentname"] == "https://cdn.example.com/a.js"


def test_detected_scan_result_named():
    record = only_record(amsi_event(SCRIPT_BYTES.hex(), scanResult=32768))

    assert record.extras["scanResult"] == 32768
    assert record.extras["scanResult_name"] == "AMSI_RESULT_DETECTED"


def test_silketw_layout():
    text = json.dumps({
        "ProviderGuid": "2a576b87-09a7-520e-c21a-4942f0271d67",
        "ProviderName": "Microsoft-Antimalware-Scan-Interface",
        "EventName": "AmsiScanBuffer",
        "TimeStamp": "2024-11-05T09:12:44.3181234+01:00",
        "ThreadID": 4410,
        "ProcessID": 4402,
        "ProcessName": "powershell",
        "XmlEventData": {
            "appname": "PowerShell_C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\"
                       "powershell.exe_10.0.22621.3880",
            "contentname": "C:\\Users\\k.brandt\\Desktop\\inventory.ps1",
            "contentsize": str(len(SCRIPT_BYTES)),
            "originalsize": str(len(SCRIPT_BYTES)),
            "content": SCRIPT_BYTES.hex(),
            "hash": SCRIPT_HASH,
            "contentFiltered": "false",
        },
    })
    record = only_record(text)

    assert record.time == 1730794364318
    assert record.process_pid == 4402
    assert record.process_name == "powershell"
    assert record.script_path == "C:\\Users\\k.brandt\\Desktop\\inventory.ps1"
    assert record.script_text == SCRIPT
    assert record.script_truncated is False
    assert record.sources["script_text"] == "XmlEventData.content"


def test_header_filetime_read():
    event = json.loads(amsi_event(SCRIPT_BYTES.hex()))
    event["system"]["time_created"] = 133752715643180000  # 2024-11-05T09:12:44.318Z
    record = only_record(json.dumps(event))

    assert record.time == 1730797964318


def test_batch_of_events_keeps_lines():
    text = amsi_event(SCRIPT_BYTES.hex()) + "\n" + amsi_event(SCRIPT_BYTES.hex(), scanResult=0)
    records = parse(text).records

    assert [record.line for record in records] == [1, 2]
    assert [record.index for record in records] == [0, 1]


def test_detect_flags_missing_hash():
    text = json.dumps({"appname": "JScript", "content": SCRIPT_BYTES.hex()})
    match = amsi.detect(Source(text))

    assert match is not None
    assert match.missing == ["hash"]


@pytest.mark.parametrize("name", ["crowdstrike/fdr_scriptcontrolscantelemetry_linux_bash.json",
                                  "sentinelone/s1_commandscript_powershell.json",
                                  "mde/ah_scriptcontent_powershell_fileless.json"])
def test_other_vendors_not_claimed(name):
    assert amsi.detect(Source(sample_text(name))) is None


def test_amsi_not_claimed_by_others():
    source = Source(sample_text("amsi/amsi_1101_powershell_etw.json"))

    assert crowdstrike.detect(source) is None
    assert sentinelone.detect(source) is None
