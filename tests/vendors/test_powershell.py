"""PowerShell Operational 4104/4103 samples and invented edge cases mapped to OCSF."""

import hashlib
import itertools
import json
import re

import pytest

from webapp.mapping import map_text
from webapp.vendors import InputError, Source, parse
from webapp.vendors.formats import powershell_json, powershell_xml
from webapp.vendors.formats.powershell_common import parse_context_info

from ..conftest import sample_text

NAMESPACE = "http://schemas.microsoft.com/win/2004/08/events/event"
SPLIT_SAMPLE = "powershell/4104_split_3parts_getwinevent_toxml.xml"
SPLIT_SHA256 = "e1482933c9915b29"
SPLIT_LENGTH = 39866
LAB_BLOCK_ID = "5d1c2b7e-0a61-4c3e-9f0e-7b2d8a4c6e11"


def sha256_prefix(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def script_block_xml(text: str, *, number: int = 1, total: int = 1,
                     block_id: str = LAB_BLOCK_ID, record_id: int = 7001,
                     time: str = "2025-01-07T08:30:00.1234567Z", level: int = 5,
                     path: str = "", pid: int = 4242) -> str:
    """Build one invented 4104 event in the Get-WinEvent ToXml() shape; ``text`` is XML-escaped."""
    return (
        f"<Event xmlns='{NAMESPACE}'><System>"
        "<Provider Name='Microsoft-Windows-PowerShell' "
        "Guid='{a0c1853b-5c40-4b15-8766-3cf1c58f985a}'/>"
        f"<EventID>4104</EventID><Version>1</Version><Level>{level}</Level><Task>2</Task>"
        "<Opcode>15</Opcode><Keywords>0x0</Keywords>"
        f"<TimeCreated SystemTime='{time}'/><EventRecordID>{record_id}</EventRecordID>"
        f"<Execution ProcessID='{pid}' ThreadID='4300'/>"
        "<Channel>Microsoft-Windows-PowerShell/Operational</Channel>"
        "<Computer>lab-ws-03.example.test</Computer>"
        "<Security UserID='S-1-5-21-1111111111-2222222222-3333333333-1500'/></System>"
        f"<EventData><Data Name='MessageNumber'>{number}</Data>"
        f"<Data Name='MessageTotal'>{total}</Data>"
        f"<Data Name='ScriptBlockText'>{text}</Data>"
        f"<Data Name='ScriptBlockId'>{block_id}</Data>"
        f"<Data Name='Path'>{path}</Data></EventData></Event>"
    )


def split_sample_events() -> list[str]:
    """Return the three <Event> elements of the split sample, in file order (parts 3, 2, 1)."""
    return re.findall(r"<Event .*?</Event>", sample_text(SPLIT_SAMPLE), re.DOTALL)


def only_event(result):
    assert len(result.events) == 1
    return result.events[0]


# Expected values of every sample. "sha256" fingerprints the content after
# CRLF -> LF, because an XML parser delivers LF where the file has CRLF.
SAMPLES = {
    "powershell/4104_eventviewer_xml_file_based.xml": {
        "format": "powershell_xml", "time": 1723583505091,
        "uid": "01feffb2-129a-467a-acef-b41f4a37c110", "length": 208,
        "sha256": "1cda48272deb3186",
        "path": r"C:\Users\a.moreau\Documents\Scripts\Rotate-IisLogs.ps1",
        "name": "Rotate-IisLogs.ps1", "pid": 7740,
        "user_uid": "S-1-5-21-2718281828-3141592653-1618033988-1107",
        "hostname": "wks-fin-0142.corp.example.net", "severity_id": 1},
    SPLIT_SAMPLE: {
        "format": "powershell_xml", "time": 1726542006512,
        "uid": "c7fa63df-e9be-49a7-9f56-a9c3ad2b2add", "length": SPLIT_LENGTH,
        "sha256": SPLIT_SHA256, "path": r"C:\ProgramData\AssetSync\Sync-Assets.ps1",
        "name": "Sync-Assets.ps1", "pid": 9312, "user_uid": "S-1-5-18",
        "hostname": "srv-app-07.corp.example.net", "severity_id": 1},
    "powershell/4104_fileless_winlogbeat_ecs.json": {
        "format": "powershell_json", "time": 1723583550402,
        "uid": "0f8e419f-990d-4a6e-af0d-54f3d897c1d6", "length": 123,
        "sha256": "50bc6c059f55f639", "path": None, "name": None, "pid": 11020,
        "user_uid": "S-1-5-21-2718281828-3141592653-1618033988-1107",
        "user_name": "a.moreau", "user_domain": "CORP",
        "hostname": "wks-fin-0142.corp.example.net", "severity_id": 1},
    "powershell/4104_otrf_security_datasets.json": {
        "format": "powershell_json", "time": 1723583800518,
        "uid": "76d37468-6c0c-4d38-a962-fa7be4eb113b", "length": 170,
        "sha256": "861c1a9e86e189d3", "path": None, "name": None, "pid": 6604,
        "user_uid": "S-1-5-21-2718281828-3141592653-1618033988-1311",
        "user_name": "j.okafor", "user_domain": "CORP",
        "hostname": "WKS-ENG-0077.corp.example.net",
        "severity_id": 1},
    "powershell/4104_evtx_dump_warning_level.json": {
        "format": "powershell_json", "time": 1727863407905,
        "uid": "c6c5fbbc-0d0f-4c1f-847b-3c681ca5560c", "length": 325,
        "sha256": "c1bd3a860c3baa02", "path": None, "name": None, "pid": 5572,
        "user_uid": "S-1-5-21-2718281828-3141592653-1618033988-1311",
        "hostname": "WKS-ENG-0077", "severity_id": 3},
    "powershell/4104_html_in_script_toxml.xml": {
        "format": "powershell_xml", "time": 1723584464003,
        "uid": "6610c478-0929-482f-b46c-5aa613b4be69", "length": 258,
        "sha256": "16343256d277022b",
        "path": r"\\fs01.corp.example.net\ops$\Publish-Status.ps1",
        "name": "Publish-Status.ps1", "pid": 7740,
        "user_uid": "S-1-5-21-2718281828-3141592653-1618033988-1107",
        "hostname": "wks-fin-0142.corp.example.net", "severity_id": 1},
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_script_activity(catalog, name):
    expected = SAMPLES[name]
    result = map_text(sample_text(name), catalog)
    mapped = only_event(result)
    event = mapped.script.event
    script = event["script"]
    content = script["script_content"]

    assert result.parsed.format_id == expected["format"]
    assert event["class_uid"] == 1009
    assert event["type_uid"] == 100901
    assert event["time"] == expected["time"]
    assert script["uid"] == expected["uid"]
    assert script["type_id"] == 2
    assert len(lf(content["value"])) == expected["length"]
    assert sha256_prefix(lf(content["value"])) == expected["sha256"]
    assert "is_truncated" not in content
    assert "untruncated_size" not in content
    if expected["path"]:
        assert script["file"]["path"] == expected["path"]
        assert script["file"]["name"] == expected["name"]
        assert script["name"] == expected["name"]
    else:
        assert "file" not in script
    assert event["actor"]["process"]["pid"] == expected["pid"]
    assert event["actor"]["user"]["uid"] == expected["user_uid"]
    assert event["actor"]["user"].get("name") == expected.get("user_name")
    assert event["actor"]["user"].get("domain") == expected.get("user_domain")
    assert event["device"]["hostname"] == expected["hostname"]
    assert event["severity_id"] == expected["severity_id"]
    assert event["metadata"]["product"] == {"name": "Windows PowerShell",
                                            "vendor_name": "Microsoft"}
    assert event["device"]["os"]["type_id"] == 100
    assert mapped.script.validation.errors == []


@pytest.mark.parametrize("name", sorted(SAMPLES) + ["powershell/4103_module_logging_toxml.xml"])
def test_sample_process_activity(catalog, name):
    mapped = only_event(map_text(sample_text(name), catalog))
    event = mapped.process.event

    assert event["class_uid"] == 1007
    assert event["type_uid"] == 100701
    assert event["process"]["pid"] == mapped.script.event["actor"]["process"]["pid"]
    assert event["process"]["cmd_line"] == mapped.script.event["script"]["script_content"]["value"]
    assert mapped.process.validation.errors == []


def test_eventviewer_sample_keeps_crlf_variant_check(catalog):
    event = only_event(map_text(sample_text("powershell/4104_eventviewer_xml_file_based.xml"),
                                catalog)).script.event
    value = event["script"]["script_content"]["value"]

    # The XML parser turns the file's CRLF into LF; the CRLF form is what was authored.
    assert "\r" not in value
    assert sha256_prefix(value.replace("\n", "\r\n")) == "070336ac666ab548"
    assert len(value.replace("\n", "\r\n")) == 213
    assert event["metadata"]["uid"] == "wks-fin-0142.corp.example.net:118844"


def test_split_sample_is_one_block(catalog):
    mapped = only_event(map_text(sample_text(SPLIT_SAMPLE), catalog))
    event = mapped.script.event

    assert event["metadata"]["uid"] == "c7fa63df-e9be-49a7-9f56-a9c3ad2b2add"
    assert event["metadata"]["logged_time"] == 1726542006515
    assert event["unmapped"]["MessageNumbers"] == [1, 2, 3]
    assert event["unmapped"]["MessageTotal"] == 3
    assert event["unmapped"]["EventRecordIDs"] == ["204411", "204412", "204413"]
    rows = {row.fact: row for row in mapped.fidelity}
    assert rows["script_text"].process_activity_verdict == "distorted"
    assert "32,767" in rows["script_text"].reason


def test_html_sample_decoded_once(catalog):
    event = only_event(map_text(sample_text("powershell/4104_html_in_script_toxml.xml"),
                                catalog)).script.event
    value = event["script"]["script_content"]["value"]

    assert "<script>alert(1)</script>" in value
    assert "Tom & Jerry <weekly> report" in value
    assert value.count("&amp;") == 1
    assert "ok &amp; done" in value
    assert "&lt;" not in value


def test_module_logging_sample(catalog):
    mapped = only_event(map_text(sample_text("powershell/4103_module_logging_toxml.xml"),
                                 catalog))
    event = mapped.script.event
    script = event["script"]

    assert event["time"] == 1723584137555
    assert script["type_id"] == 2
    assert "uid" not in script
    assert script["file"]["path"] == r"C:\ProgramData\ops\feed-sync.ps1"
    assert script["script_content"]["value"].startswith(
        'CommandInvocation(Invoke-WebRequest): "Invoke-WebRequest"\n')
    assert 'name="OutFile"; value="C:\\ProgramData\\ops\\feed.json"' in \
        script["script_content"]["value"]
    assert event["metadata"]["correlation_uid"] == "9c3345dd-f107-44f7-a3e1-9a0bddff14ee/14"
    assert event["actor"]["process"]["cmd_line"] == (
        r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -NoProfile -File "
        r"C:\ProgramData\ops\feed-sync.ps1")
    assert event["actor"]["process"]["pid"] == 8016
    assert event["actor"]["user"]["name"] == "a.moreau"
    assert event["actor"]["user"]["domain"] == "CORP"
    assert event["severity_id"] == 1
    assert event["unmapped"]["ContextInfo.Command Name"] == "Invoke-WebRequest"
    assert mapped.record.granularity == "command"
    assert mapped.script.validation.errors == []


def test_evtx_dump_warning_level_note(catalog):
    mapped = only_event(map_text(sample_text("powershell/4104_evtx_dump_warning_level.json"),
                                 catalog))

    assert mapped.record.sources["severity"] == "Event.System.Level"
    assert any("Level 3 (Warning)" in note for note in mapped.to_json()["notes"])


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_split_parts_any_order(catalog, order):
    parts = split_sample_events()
    text = "\r\n".join(parts[index] for index in order)
    event = only_event(map_text(text, catalog)).script.event
    value = event["script"]["script_content"]["value"]

    assert len(value) == SPLIT_LENGTH
    assert sha256_prefix(value) == SPLIT_SHA256
    assert event["time"] == 1726542006512
    assert event["metadata"]["logged_time"] == 1726542006515
    assert "is_truncated" not in event["script"]["script_content"]


def nxlog_part(number: int, text: str, second: int) -> dict:
    return {"EventTime": f"2025-01-07 09:30:0{second}", "Hostname": "lab-ws-03.example.test",
            "EventID": 4104, "SourceName": "Microsoft-Windows-PowerShell",
            "SourceModuleType": "im_msvistalog", "EventType": "VERBOSE",
            "RecordNumber": 900 + number, "ExecutionProcessID": 4242,
            "UserID": "S-1-5-21-1111111111-2222222222-3333333333-1500",
            "MessageNumber": str(number), "MessageTotal": "3", "ScriptBlockText": text,
            "ScriptBlockId": LAB_BLOCK_ID, "Path": ""}


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_nxlog_parts_any_order(order):
    # Cuts fall mid-token and the first segment ends in a space, which must survive.
    segments = ["$names = 'alpha', ", "'beta'\n$names | ForEach-Obj", "ect { $_.ToUpper() }"]
    lines = [json.dumps(nxlog_part(number + 1, segments[number], number)) for number in order]
    records = parse("\n".join(lines)).records

    assert len(records) == 1
    assert records[0].script_text == "".join(segments)
    assert records[0].time == 1736242200000
    assert records[0].logged_time == 1736242202000
    assert records[0].time_zone_known is False
    assert records[0].event_uid == LAB_BLOCK_ID


def test_missing_part_is_truncated(catalog):
    part3, _, part1 = split_sample_events()
    mapped = only_event(map_text(part3 + "\n" + part1, catalog))
    content = mapped.script.event["script"]["script_content"]

    assert content["is_truncated"] is True
    assert "untruncated_size" not in content
    assert len(content["value"]) < SPLIT_LENGTH
    assert mapped.script.event["unmapped"]["MissingMessageNumbers"] == [2]
    assert any("missing part(s) 2 of 3" in note for note in mapped.to_json()["notes"])
    assert mapped.script.validation.errors == []


def test_duplicate_part_kept_once():
    text = "\n".join([script_block_xml("first ", number=1, total=2, record_id=1),
                      script_block_xml("copy ", number=1, total=2, record_id=2),
                      script_block_xml("second", number=2, total=2, record_id=3)])
    record, = parse(text).records

    assert record.script_text == "first second"
    assert record.script_truncated is False
    assert any("more than once" in note for note in record.notes)


def test_protected_event_logging_block(catalog):
    ciphertext = ("-----BEGIN CMS-----\n"
                  "MIIBsAYJKoZIhvcNAQcDoIIBoTCCAZ0CAQAxggFQMIIBTAIBADA0MCAxHjAc\n"
                  "BgNVBAMMFWxhYi1wZWwuZXhhbXBsZS50ZXN0AhAV\n"
                  "-----END CMS-----")
    mapped = only_event(map_text(script_block_xml(ciphertext), catalog))
    notes = mapped.to_json()["notes"]

    assert mapped.record.script_encrypted is True
    assert mapped.script.event is None
    assert any("Protected Event Logging" in note and note.startswith("no Script Activity")
               for note in notes)
    assert any("Unprotect-CmsMessage" in note for note in notes)


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE Event [\n'
    ' <!ENTITY lol "lol">\n'
    ' <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
    ' <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">\n'
    ' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n'
    ' <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">\n'
    ' <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">\n'
    ' <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">\n'
    ' <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">\n'
    ' <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">\n'
    ' <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">\n'
    ']>\n'
    + script_block_xml("&lol9;")
)


def test_billion_laughs_rejected(catalog):
    with pytest.raises(InputError) as caught:
        map_text(BILLION_LAUGHS, catalog)

    assert "DOCTYPE" in caught.value.reason
    assert caught.value.line == 2
    assert caught.value.column == 1


def test_billion_laughs_rejected_when_forced():
    bare = BILLION_LAUGHS.split("]>\n")[0] + "]>\n<lolz>&lol9;</lolz>"

    with pytest.raises(InputError) as caught:
        parse(bare, "powershell_xml")

    assert "document type declaration" in caught.value.reason


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE Event [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>',
    '<!DOCTYPE Event SYSTEM "http://127.0.0.1:9/events.dtd">',
])
def test_external_entity_rejected(doctype):
    text = doctype + "\n" + script_block_xml("&xxe;")

    with pytest.raises(InputError) as caught:
        parse(text)

    assert "DOCTYPE" in caught.value.reason
    assert caught.value.line == 1


def test_undeclared_entity_rejected():
    with pytest.raises(InputError) as caught:
        parse(script_block_xml("Write-Output &secret;"))

    assert "undefined entity" in caught.value.reason
    assert caught.value.line == 1
    assert caught.value.column > 1


def test_malformed_xml_has_position():
    text = script_block_xml("Get-Date") + "\n" + script_block_xml("<oops>", record_id=7002)

    with pytest.raises(InputError) as caught:
        parse(text)

    assert caught.value.reason.startswith("invalid XML")
    assert caught.value.line == 2


def test_entities_decoded_exactly_once():
    record, = parse(script_block_xml(
        "$html = '&lt;script&gt;x()&lt;/script&gt;'; $raw = '&amp;amp;'")).records

    assert record.script_text == "$html = '<script>x()</script>'; $raw = '&amp;'"


def test_nine_digit_system_time_floored():
    record, = parse(script_block_xml("Get-Date", time="2020-05-13T09:04:04.755232500Z")).records

    assert record.time == 1589360644755


def test_copy_details_as_text():
    text = ("Log Name:      Microsoft-Windows-PowerShell/Operational\r\n"
            "Source:        Microsoft-Windows-PowerShell\r\n"
            "Date:          1/7/2025 9:30:00 AM\r\n"
            "Event ID:      4104\r\n"
            "Task Category: Execute a Remote Command\r\n"
            "Level:         Verbose\r\n"
            "User:          LAB\\r.ito\r\n"
            "Computer:      lab-ws-03.example.test\r\n"
            "Description:\r\n"
            "Creating Scriptblock text (1 of 1):\r\n"
            "Get-Date\r\n"
            "\r\n"
            "Event Xml:\r\n"
            + script_block_xml("Get-Date") + "\r\n")
    result = parse(text)
    record, = result.records

    assert result.format_id == "powershell_xml"
    assert record.script_text == "Get-Date"
    assert record.time == 1736238600123  # from SystemTime, not the local header Date
    assert record.user_name == "r.ito"
    assert record.user_domain == "LAB"
    assert record.line == 14


def test_splunk_lines_with_rendering_info():
    rendering = ("<RenderingInfo Culture='en-US'><Message>Creating Scriptblock text</Message>"
                 "<Level>Verbose</Level><Task>Execute a Remote Command</Task></RenderingInfo>")
    first = script_block_xml("Get-Date", record_id=1).replace("</Event>", rendering + "</Event>")
    second = script_block_xml("Get-Location", record_id=2,
                              block_id="6e2d3c8f-1b72-4d4f-8a1f-8c3e9b5d7f22")
    records = parse(first + "\n" + second + "\n").records

    assert [record.script_text for record in records] == ["Get-Date", "Get-Location"]
    assert [record.line for record in records] == [1, 2]
    assert records[0].extras["RenderingInfo.Level"] == "Verbose"
    assert "RenderingInfo.Message" not in records[0].extras


def test_events_root_with_declaration():
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<Events>\n'
            + script_block_xml("Get-Date") + "\n</Events>\n")
    record, = parse(text).records

    assert record.script_text == "Get-Date"
    assert record.line == 3


def test_nxlog_syslog_prefix_and_local_time():
    body = nxlog_part(1, "Get-Date", 0)
    body["MessageTotal"] = "1"
    text = "<14>Jan  7 09:30:01 wec01 nxlog: " + json.dumps(body) + "\n"
    result = parse(text)
    record, = result.records

    assert result.format_id == "powershell_json"
    assert record.time == 1736242200000
    assert record.time_zone_known is False
    assert any("has no time zone" in note for note in record.notes)
    assert record.event_uid == "lab-ws-03.example.test:901"


def test_evtx_dump_record_headers():
    document = json.loads(sample_text("powershell/4104_evtx_dump_warning_level.json"))
    text = "Record 88210\n" + json.dumps(document, indent=2) + "\n"
    record, = parse(text).records

    assert record.script_uid == "c6c5fbbc-0d0f-4c1f-847b-3c681ca5560c"
    assert record.line == 2


def test_ecs_module_logging_rebuilds_payload():
    document = {
        "@timestamp": "2025-01-07T08:31:02.250Z",
        "event": {"code": "4103", "created": "2025-01-07T08:31:03.000Z"},
        "log": {"level": "information"},
        "winlog": {"event_id": "4103", "provider_name": "Microsoft-Windows-PowerShell",
                   "computer_name": "lab-ws-03.example.test", "record_id": "5511",
                   "process": {"pid": 6120},
                   "user": {"identifier": "S-1-5-21-1111111111-2222222222-3333333333-1500"}},
        "process": {"command_line": "powershell.exe -File C:\\Lab\\probe.ps1"},
        "file": {"path": "C:\\Lab\\probe.ps1"},
        "user": {"name": "r.ito", "domain": "LAB"},
        "powershell": {
            "runspace_id": "7c1e0d6a-9a55-4a0b-8d3e-1f2e3d4c5b6a", "pipeline_id": "3",
            "command": {"name": "Test-Connection", "type": "Cmdlet", "invocation_details": [
                {"type": "CommandInvocation", "related_command": "Test-Connection",
                 "value": '"Test-Connection"'},
                {"type": "ParameterBinding", "related_command": "Test-Connection",
                 "name": '"ComputerName"', "value": '"db01"'}]}},
    }
    record, = parse(json.dumps(document)).records

    assert record.script_text == ('CommandInvocation(Test-Connection): "Test-Connection"\n'
                                  'ParameterBinding(Test-Connection): name="ComputerName"; '
                                  'value="db01"')
    assert record.script_path == "C:\\Lab\\probe.ps1"
    assert record.process_cmd_line == "powershell.exe -File C:\\Lab\\probe.ps1"
    assert record.correlation_uid == "7c1e0d6a-9a55-4a0b-8d3e-1f2e3d4c5b6a/3"
    assert record.user_name == "r.ito"
    assert record.granularity == "command"
    assert record.script_uid is None
    assert record.logged_time == 1736238663000


def test_context_info_localized_labels():
    lines = [("Schweregrad", "Informational"), ("Hostname", "ConsoleHost"),
             ("Hostversion", "5.1.19041.4522"),
             ("Host-ID", "dc426571-9075-456b-acd9-12254a0b6e71"),
             ("Hostanwendung", "powershell.exe -File C:\\Lab\\probe.ps1"),
             ("Modulversion", "5.1.19041.4522"),
             ("Runspace-ID", "9c3345dd-f107-44f7-a3e1-9a0bddff14ee"), ("Pipeline-ID", "14"),
             ("Befehlsname", "Get-Item"), ("Befehlstyp", "Cmdlet"),
             ("Skriptname", "C:\\Lab\\probe.ps1"), ("Befehlspfad", ""),
             ("Sequenznummer", "3"), ("Benutzer", "LAB\\r.ito"),
             ("Verbundener Benutzer", ""), ("Shell-ID", "Microsoft.PowerShell")]
    text = "\r\n".join(f"        {label} = {value}" for label, value in lines) + "\r\n"
    values, unknown, note = parse_context_info(text)

    assert values["Host Application"] == "powershell.exe -File C:\\Lab\\probe.ps1"
    assert values["Script Name"] == "C:\\Lab\\probe.ps1"
    assert values["User"] == "LAB\\r.ito"
    assert values["Runspace ID"] == "9c3345dd-f107-44f7-a3e1-9a0bddff14ee"
    assert unknown == []
    assert "by position" in note


def test_context_info_value_with_equals_sign():
    values, _, note = parse_context_info(
        "        Host Application = powershell.exe -Command $a = 1\r\n"
        "        Pipeline ID = 9\r\n")

    assert values["Host Application"] == "powershell.exe -Command $a = 1"
    assert values["Pipeline ID"] == "9"
    assert note is None


def test_other_event_ids_skipped_with_note():
    state_change = script_block_xml("x").replace("<EventID>4104</EventID>",
                                                 "<EventID>4105</EventID>")
    record, = parse(state_change + "\n" + script_block_xml("Get-Date", record_id=7002)).records

    assert record.script_text == "Get-Date"
    assert any("EventID 4105" in note for note in record.notes)


def test_no_script_event_is_input_error():
    state_change = script_block_xml("x").replace("<EventID>4104</EventID>",
                                                 "<EventID>4105</EventID>")

    with pytest.raises(InputError) as caught:
        parse(state_change, "powershell_xml")

    assert "4104 or 4103" in caught.value.reason


def test_detect_ignores_other_formats():
    sysmon_like = (f"<Event xmlns='{NAMESPACE}'><System>"
                   "<Provider Name='Microsoft-Windows-Sysmon'/>"
                   "<EventID>1</EventID></System></Event>")
    mde_row = json.dumps({"Timestamp": "2024-08-13T21:08:12.257Z", "ActionType": "ScriptContent",
                          "DeviceId": "abc", "InitiatingProcessId": 1})

    assert powershell_xml.detect(Source(sysmon_like)).complete is False
    assert powershell_json.detect(Source(sysmon_like)) is None
    assert powershell_xml.detect(Source(mde_row)) is None
    assert powershell_json.detect(Source(mde_row)) is None


def test_evtx_dump_separate_attributes():
    document = json.loads(sample_text("powershell/4104_evtx_dump_warning_level.json"))
    system = document["Event"]["System"]
    for name in ("Provider", "TimeCreated", "Execution", "Security"):
        system[f"{name}_attributes"] = system.pop(name)["#attributes"]
        system[name] = None
    record, = parse(json.dumps(document)).records

    assert record.time == 1727863407905
    assert record.process_pid == 5572
    assert record.user_uid == "S-1-5-21-2718281828-3141592653-1618033988-1311"
    assert record.product_name == "Windows PowerShell"
