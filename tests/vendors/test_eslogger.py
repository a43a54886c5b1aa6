"""macOS eslogger exec events: the sample's expected values, audit-token forms and inline code."""

import copy
import json

import pytest

from webapp.mapping import map_text
from webapp.vendors import InputError, Source, parse
from webapp.vendors.formats import eslogger

from ..conftest import sample_text

SAMPLE = "macos/eslogger_exec_shebang_script.json"


def sample_message() -> dict:
    return json.loads(sample_text(SAMPLE))


def exec_message(args: list[str], executable: str, script=None) -> dict:
    """Return the sample message changed to exec ``args`` with image ``executable``."""
    message = sample_message()
    exec_event = message["event"]["exec"]
    exec_event["args"] = args
    exec_event["script"] = script
    exec_event["target"]["executable"]["path"] = executable
    return message


def only_record(message: dict):
    result = parse(json.dumps(message))
    assert result.format_id == "eslogger_exec"
    assert len(result.records) == 1
    return result.records[0]


def test_sample_process_activity(catalog):
    result = map_text(sample_text(SAMPLE), catalog)
    assert result.parsed.format_id == "eslogger_exec"
    mapped = result.events[0]
    event = mapped.process.event
    assert mapped.process.validation.errors == []
    assert event["class_uid"] == 1007
    assert event["activity_id"] == 1
    assert event["type_uid"] == 100701
    assert event["time"] == 1723583292257
    assert event["process"]["pid"] == 5012
    assert event["process"]["file"]["path"] == "/bin/zsh"
    assert event["process"]["cmd_line"] == "/bin/zsh ./backup.sh --full"
    assert event["actor"]["process"]["pid"] == 4988
    assert event["actor"]["user"]["uid"] == "501"
    assert event["device"]["os"]["name"] == "macOS"


def test_sample_refuses_script_activity(catalog):
    mapped = map_text(sample_text(SAMPLE), catalog).events[0]
    assert mapped.script.event is None
    assert "no script text" in mapped.script.note
    notes = " ".join(mapped.record.notes)
    assert "do not record its text" in notes


def test_sample_record_script_facts():
    record = only_record(sample_message())
    assert record.granularity == "process"
    assert record.script_text is None
    assert record.script_path == "/Users/r.lindqvist/bin/backup.sh"
    assert record.sources["script_path"] == "event.exec.script.path"
    assert record.script_type.type_id == 6
    assert record.process_uid == "5012:9932"
    assert record.parent_uid == "4988:4410"
    assert record.process_created_time == 1723583292251
    assert record.event_uid == "771204"


def test_audit_token_array_form():
    message = sample_message()
    target = message["event"]["exec"]["target"]
    target["audit_token"] = [502, 502, 20, 502, 20, 7311, 100017, 12]
    target["parent_audit_token"] = [502, 502, 20, 502, 20, 7300, 100017, 3]
    target["ppid"] = 7300
    message["process"]["audit_token"] = [502, 502, 20, 502, 20, 7311, 100017, 11]
    record = only_record(message)
    assert record.process_pid == 7311
    assert record.process_uid == "7311:12"
    assert record.user_uid == "502"
    assert record.parent_pid == 7300
    assert record.parent_uid == "7300:3"


def test_audit_token_helper_forms():
    as_object = {"auid": 1, "euid": 2, "egid": 3, "ruid": 4, "rgid": 5, "pid": 6, "asid": 7,
                 "pidversion": 8}
    assert eslogger.audit_token([1, 2, 3, 4, 5, 6, 7, 8]) == as_object
    assert eslogger.audit_token(as_object) == as_object
    assert eslogger.audit_token([1, 2, 3]) is None


def test_python_inline_code_derived(catalog):
    message = exec_message(["python3", "-c", "print(1)"], "/usr/bin/python3")
    result = map_text(json.dumps(message), catalog)
    mapped = result.events[0]
    record = mapped.record
    assert record.script_text == "print(1)"
    assert record.sources["script_text"] == "event.exec.args -c"
    assert record.script_type.type_id == 3
    assert record.granularity == "process"
    assert any("derived from the command line" in note for note in record.notes)
    script = mapped.script.event
    assert mapped.script.validation.errors == []
    assert script["script"]["script_content"]["value"] == "print(1)"
    assert script["script"]["type_id"] == 3
    assert script["actor"]["process"]["file"]["path"] == "/usr/bin/python3"
    assert mapped.process.event["process"]["cmd_line"] == "python3 -c 'print(1)'"


def test_osascript_javascript_language():
    message = exec_message(["osascript", "-l", "JavaScript", "-e", "Application('Mail').quit()"],
                           "/usr/bin/osascript")
    record = only_record(message)
    assert record.script_text == "Application('Mail').quit()"
    assert record.script_type.type_id == 4


def test_osascript_lines_joined():
    message = exec_message(["osascript", "-e", 'tell application "Finder"', "-e", "end tell"],
                           "/usr/bin/osascript")
    record = only_record(message)
    assert record.script_text == 'tell application "Finder"\nend tell'
    assert record.script_type.type_id == 99
    assert record.script_type.other_name == "AppleScript"


def test_explicit_interpreter_script_resolved():
    message = exec_message(["/bin/bash", "tools/sync.sh"], "/bin/bash")
    message["event"]["exec"]["cwd"]["path"] = "/Users/r.lindqvist"
    record = only_record(message)
    assert record.script_text is None
    assert record.script_path == "/Users/r.lindqvist/tools/sync.sh"
    assert record.script_type.type_id == 6


def test_plain_binary_has_no_script():
    message = exec_message(["/bin/ls", "-la"], "/bin/ls")
    record = only_record(message)
    assert record.script_path is None
    assert record.script_type is None
    assert any("without script text" in note for note in record.notes)


def test_json_lines_skip_other_events():
    fork = copy.deepcopy(sample_message())
    fork["event_type"] = 11
    fork["event"] = {"fork": {"child": fork["event"]["exec"]["target"]}}
    text = json.dumps(fork) + "\n" + json.dumps(sample_message()) + "\n"
    result = parse(text)
    assert len(result.records) == 1
    assert result.records[0].line == 2


def test_only_other_events_rejected():
    fork = sample_message()
    fork["event_type"] = 11
    fork["event"] = {"fork": {}}
    with pytest.raises(InputError, match="event_type 11"):
        eslogger.parse(Source(json.dumps(fork)))


def test_detect_ignores_unrelated_json():
    assert eslogger.detect(Source('{"process": {"pid": 4}, "event": {"action": "exec"}}')) is None
