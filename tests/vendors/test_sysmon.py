"""Sysmon Event ID 1: the sample's expected values, command-line script text and XML safety."""

import base64
import json
import re
from xml.sax.saxutils import escape

import pytest

from webapp.mapping import map_text
from webapp.vendors import InputError, Source, parse
from webapp.vendors.formats import sysmon

from ..conftest import sample_text

SAMPLE = "sysmon/sysmon1_powershell_encodedcommand.xml"
SAMPLE_SCRIPT = ("Get-ChildItem -Path $env:APPDATA -Filter *.lnk -Recurse | Select-Object "
                 "-First 5 -ExpandProperty FullName")
QUIRK_SCRIPT = "Write-Output 'ledger sync'; Start-Sleep 2"


def encoded(text: str) -> str:
    return base64.b64encode(text.encode("utf-16-le")).decode("ascii")


def with_command_line(command_line: str, image: str | None = None) -> str:
    """Return the sample event with another CommandLine (and Image)."""
    text = re.sub(r"(<Data Name='CommandLine'>)[^<]*(</Data>)",
                  lambda match: match.group(1) + escape(command_line) + match.group(2),
                  sample_text(SAMPLE))
    if image:
        text = re.sub(r"(<Data Name='Image'>)[^<]*(</Data>)",
                      lambda match: match.group(1) + escape(image) + match.group(2), text)
    return text


def only_record(text: str):
    result = parse(text)
    assert result.format_id == "sysmon_process_create"
    assert len(result.records) == 1
    return result.records[0]


def test_sample_process_activity(catalog):
    result = map_text(sample_text(SAMPLE), catalog)
    assert result.parsed.format_id == "sysmon_process_create"
    mapped = result.events[0]
    event = mapped.process.event
    assert mapped.process.validation.errors == []
    assert event["class_uid"] == 1007
    assert event["activity_id"] == 1
    assert event["time"] == 1723583292251
    assert event["process"]["pid"] == 7740
    assert event["process"]["uid"] == "{8d1e6c2a-cb2c-66bb-405e-000000003f00}"
    assert event["process"]["file"]["path"] == (
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe")
    assert event["process"]["cmd_line"].startswith(
        '"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" -NoProfile')
    assert event["actor"]["process"]["pid"] == 5128
    assert event["actor"]["process"]["file"]["name"] == "cmd.exe"
    assert event["actor"]["user"]["name"] == "a.moreau"
    assert event["actor"]["user"]["domain"] == "CORP"
    assert event["device"]["hostname"] == "wks-fin-0142.corp.example.net"


def test_sample_full_command_line_kept():
    record = only_record(sample_text(SAMPLE))
    assert record.process_cmd_line.endswith("-EncodedCommand " + encoded(SAMPLE_SCRIPT))


def test_sample_derived_script_activity(catalog):
    mapped = map_text(sample_text(SAMPLE), catalog).events[0]
    event = mapped.script.event
    assert mapped.script.validation.errors == []
    assert event["class_uid"] == 1009
    assert event["time"] == 1723583292251
    assert event["script"]["type_id"] == 2
    assert event["script"]["script_content"]["value"] == SAMPLE_SCRIPT
    assert "uid" not in event["script"]
    assert event["actor"]["process"]["pid"] == 7740
    assert mapped.record.granularity == "process"
    assert any("derived from the command line" in note for note in mapped.record.notes)


def test_sample_hashes_and_extras():
    record = only_record(sample_text(SAMPLE))
    assert [(h.algorithm_id, h.basis) for h in record.process_hashes] == [(3, "file")]
    assert record.process_hashes[0].value == (
        "9567419f6145adfc0293826394db9c6c1dc9a49c3344e3f22a698960be9b0011")
    assert record.extras["IMPHASH"] == "d158402e308dabe02b0472ed41a7e784"
    assert "RuleName" not in record.extras  # "-" means no rule matched
    assert record.logged_time == 1723583292251
    assert record.event_uid == "4480221"


@pytest.mark.parametrize("switch", ["-enc", "-e", "-ec", "/enc", "-EncodedC", "\u2013en"])
def test_abbreviated_encoded_command(switch):
    record = only_record(with_command_line(
        f"powershell.exe -nop -w hidden {switch} {encoded(QUIRK_SCRIPT)}"))
    assert record.script_text == QUIRK_SCRIPT
    assert record.sources["script_text"] == f"CommandLine {switch} (Base64 of UTF-16LE)"
    assert record.script_type.type_id == 2


def test_command_switch_joins_words():
    record = only_record(with_command_line(
        'powershell.exe -NoProfile -Command "Get-Service WinRM;" Restart-Service WinRM'))
    assert record.script_text == "Get-Service WinRM; Restart-Service WinRM"
    assert record.sources["script_text"] == "CommandLine -Command"


def test_command_from_stdin_gives_no_text():
    record = only_record(with_command_line("powershell.exe -Command -"))
    assert record.script_text is None
    assert any("standard input" in note for note in record.notes)


def test_file_switch_gives_script_path():
    record = only_record(with_command_line(
        "powershell.exe -ExecutionPolicy Bypass -File .\\tools\\Rotate-Logs.ps1 -Days 3"))
    assert record.script_text is None
    assert record.script_path == "C:\\Users\\a.moreau\\tools\\Rotate-Logs.ps1"
    assert record.script_type.type_id == 2
    assert any("do not record its text" in note for note in record.notes)


def test_wscript_script_file():
    record = only_record(with_command_line(
        'wscript.exe //B "C:\\Users\\a.moreau\\Downloads\\invoice 4471.vbs"',
        image="C:\\Windows\\System32\\wscript.exe"))
    assert record.script_path == "C:\\Users\\a.moreau\\Downloads\\invoice 4471.vbs"
    assert record.script_type.type_id == 5


def test_invalid_base64_noted():
    record = only_record(with_command_line("powershell.exe -enc not*base64"))
    assert record.script_text is None
    assert any("not Base64" in note for note in record.notes)


def test_python_command_line_code():
    record = only_record(with_command_line(
        'C:\\Python312\\python.exe -c "print(1)"', image="C:\\Python312\\python.exe"))
    assert record.script_text == "print(1)"
    assert record.script_type.type_id == 3


def test_xml_bomb_rejected():
    bomb = ('<?xml version="1.0"?>\n<!DOCTYPE Event [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
            + with_command_line("&c;").replace("&amp;c;", "&c;"))
    assert sysmon.detect(Source(bomb)).complete
    with pytest.raises(InputError, match="DTD or entities"):
        parse(bomb)


def test_external_entity_rejected():
    text = ('<!DOCTYPE Event [<!ENTITY leak SYSTEM "file:///etc/passwd">]>\n'
            + with_command_line("&leak;").replace("&amp;leak;", "&leak;"))
    with pytest.raises(InputError, match="rejected"):
        parse(text, "sysmon_process_create")


def test_malformed_xml_has_position():
    text = sample_text(SAMPLE).replace("</EventData>", "</EventDatum>")
    with pytest.raises(InputError) as error:
        parse(text)
    assert error.value.line == 1
    assert error.value.reason.startswith("invalid XML")


def test_several_events_without_root():
    first = sample_text(SAMPLE).strip()
    network = first.replace("<EventID>1</EventID>", "<EventID>3</EventID>")
    second = with_command_line("powershell.exe -ec " + encoded(QUIRK_SCRIPT)).strip()
    text = first + "\r\n" + network + "\r\n" + second
    result = parse(text)
    assert [record.script_text for record in result.records] == [SAMPLE_SCRIPT, QUIRK_SCRIPT]
    assert [record.index for record in result.records] == [0, 2]
    assert [record.line for record in result.records] == [1, 3]


def test_events_root_with_declaration():
    text = ('<?xml version="1.0" encoding="utf-8"?>\n<Events>\n' + sample_text(SAMPLE)
            + "\n</Events>")
    record = only_record(text)
    assert record.process_pid == 7740
    assert record.line == 3


def test_other_sysmon_event_ids_not_claimed():
    network = sample_text(SAMPLE).replace("<EventID>1</EventID>", "<EventID>3</EventID>")
    match = sysmon.detect(Source(network))
    assert match.missing == ["EventID 1 (process creation)"]
    with pytest.raises(InputError, match="Microsoft-Windows-Sysmon 3"):
        parse(network, "sysmon_process_create")


def test_powershell_event_not_claimed():
    text = sample_text(SAMPLE).replace("Microsoft-Windows-Sysmon", "Microsoft-Windows-PowerShell")
    assert sysmon.detect(Source(text)) is None


def winlogbeat_event() -> dict:
    return {
        "@timestamp": "2024-11-05T10:02:03.412Z",
        "winlog": {
            "provider_name": "Microsoft-Windows-Sysmon",
            "event_id": "1",
            "computer_name": "WKS-OPS-0311.corp.example.net",
            "record_id": 99120,
            "event_data": {
                "UtcTime": "2024-11-05 10:02:03.409",
                "ProcessGuid": "{3f2a0c11-6e0b-672a-9c02-000000004100}",
                "ProcessId": "6120",
                "Image": "C:\\Program Files\\PowerShell\\7\\pwsh.exe",
                "CommandLine": f"pwsh.exe -NoLogo -ec {encoded(QUIRK_SCRIPT)}",
                "User": "NT AUTHORITY\\SYSTEM",
                "Hashes": f"MD5={'0A1B' * 8},SHA256={'ABCDEF01' * 8}",
                "ParentProcessId": "880",
                "ParentImage": "C:\\Windows\\System32\\svchost.exe",
            },
        },
        "host": {"name": "wks-ops-0311"},
    }


def test_winlogbeat_json(catalog):
    result = map_text(json.dumps(winlogbeat_event()), catalog)
    assert result.parsed.format_id == "sysmon_process_create"
    mapped = result.events[0]
    record = mapped.record
    assert record.time == 1730800923409
    assert record.logged_time == 1730800923412
    assert record.process_pid == 6120
    assert record.device_hostname == "WKS-OPS-0311.corp.example.net"
    assert record.user_name == "SYSTEM"
    assert record.user_domain == "NT AUTHORITY"
    assert record.event_uid == "99120"
    assert [h.algorithm_id for h in record.process_hashes] == [1, 3]
    assert record.script_text == QUIRK_SCRIPT
    assert record.sources["script_text"] == "winlog.event_data.CommandLine -ec (Base64 of UTF-16LE)"
    assert mapped.process.validation.errors == []
    assert mapped.script.validation.errors == []


def test_winlogbeat_ecs_fallback():
    event = winlogbeat_event()
    data = event["winlog"]["event_data"]
    event["process"] = {"pid": data.pop("ProcessId"), "executable": data.pop("Image"),
                        "command_line": data.pop("CommandLine")}
    record = only_record(json.dumps(event))
    assert record.process_pid == 6120
    assert record.sources["process_pid"] == "process.pid"
    assert record.process_path == "C:\\Program Files\\PowerShell\\7\\pwsh.exe"
    assert record.script_text == QUIRK_SCRIPT
