"""Elastic Defend process events: the sample's expected values, envelopes and inline code."""

import base64
import json

import pytest

from webapp.mapping import map_text
from webapp.vendors import InputError, Source, parse
from webapp.vendors.formats import elastic_defend

from ..conftest import sample_text

SAMPLE = "elastic_defend/process_exec_python_script.json"


def sample_document() -> dict:
    return json.loads(sample_text(SAMPLE))


def with_args(args: list[str], executable: str, command_line: str | None = None) -> dict:
    document = sample_document()
    document["process"]["args"] = args
    document["process"]["executable"] = executable
    document["process"]["name"] = executable.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    if command_line is None:
        document["process"].pop("command_line")
    else:
        document["process"]["command_line"] = command_line
    return document


def only_record(value) -> object:
    result = parse(json.dumps(value))
    assert result.format_id == "elastic_defend_process"
    assert len(result.records) == 1
    return result.records[0]


def test_sample_process_activity(catalog):
    result = map_text(sample_text(SAMPLE), catalog)
    assert result.parsed.format_id == "elastic_defend_process"
    mapped = result.events[0]
    event = mapped.process.event
    assert mapped.process.validation.errors == []
    assert event["class_uid"] == 1007
    assert event["activity_id"] == 1
    assert event["time"] == 1729492812339
    assert event["process"]["uid"] == "4dae394e4eb61cb9e45a6e440abda971a7aabc57180d4725"
    assert event["process"]["pid"] == 99120
    assert event["process"]["cmd_line"] == "python3 /opt/etl/transform.py --since 24h"
    assert event["process"]["file"]["path"] == "/usr/bin/python3.10"
    assert event["actor"]["process"]["pid"] == 99101
    assert event["actor"]["user"]["name"] == "svc_sync"
    assert event["metadata"]["uid"] == "e208afa4469c94cb4c7e"


def test_sample_script_facts(catalog):
    mapped = map_text(sample_text(SAMPLE), catalog).events[0]
    record = mapped.record
    assert mapped.script.event is None
    assert record.script_text is None
    assert record.script_path == "/opt/etl/transform.py"
    assert record.sources["script_path"] == "process.args (script argument)"
    assert record.script_type.type_id == 3
    assert record.granularity == "process"
    script_notes = [note for note in record.notes if "do not record its text" in note]
    assert len(script_notes) == 1
    assert "/opt/etl/transform.py" in script_notes[0]


def test_sample_hashes_and_parent():
    record = only_record(sample_document())
    assert [h.algorithm_id for h in record.process_hashes] == [3, 2, 1]
    assert {h.basis for h in record.process_hashes} == {"file"}
    assert record.parent_cmd_line == "/bin/bash -c 'python3 /opt/etl/transform.py --since 24h'"
    assert record.parent_uid == "c205f9828e248de31aa04e4ab17470e9e053d2c441e1bd4c"
    assert record.device_os == "linux"


def test_python_inline_code(catalog):
    document = with_args(["python3", "-c", "print(1)"], "/usr/bin/python3.10",
                         "python3 -c print(1)")
    mapped = map_text(json.dumps(document), catalog).events[0]
    record = mapped.record
    assert record.script_text == "print(1)"
    assert record.sources["script_text"] == "process.args -c"
    assert record.script_type.type_id == 3
    assert mapped.script.validation.errors == []
    assert mapped.script.event["script"]["script_content"]["value"] == "print(1)"
    assert mapped.process.event["process"]["cmd_line"] == "python3 -c print(1)"


def test_command_line_joined_from_args():
    record = only_record(with_args(["bash", "-c", "tar czf /tmp/a.tgz /srv"], "/usr/bin/bash"))
    assert record.process_cmd_line == "bash -c 'tar czf /tmp/a.tgz /srv'"
    assert record.sources["process_cmd_line"] == "process.args (joined)"
    assert record.script_text == "tar czf /tmp/a.tgz /srv"


def test_windows_encoded_command():
    script = "Get-LocalUser | Select-Object Name"
    value = base64.b64encode(script.encode("utf-16-le")).decode("ascii")
    document = with_args([], "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                         f'"powershell.exe" -NoP -enc {value}')
    document["host"]["os"] = {"type": "windows"}
    record = only_record(document)
    assert record.device_os == "windows"
    assert record.script_text == script
    assert record.sources["script_text"] == "process.command_line -enc (Base64 of UTF-16LE)"
    assert record.script_type.type_id == 2


def test_search_response_and_flattened_keys():
    flat = {"@timestamp": "2024-10-21T06:41:00.001Z",
            "data_stream.dataset": "endpoint.events.process", "event.type": ["start"],
            "event.action": "exec", "process.pid": 4242,
            "process.executable": "/usr/bin/perl", "process.args": ["perl", "-e", "sleep 1"],
            "host.hostname": "lnx-build-03"}
    response = {"hits": {"hits": [{"_index": "logs-endpoint.events.process-default",
                                   "_source": flat},
                                  {"_source": sample_document()}]}}
    records = parse(json.dumps(response)).records
    assert [record.process_pid for record in records] == [4242, 99120]
    assert records[0].script_text == "sleep 1"
    assert records[0].script_type.other_name == "Perl"


def test_end_events_skipped():
    end = sample_document()
    end["event"]["type"] = ["end"]
    end["event"]["action"] = "end"
    records = parse(json.dumps([end, sample_document()])).records
    assert len(records) == 1
    assert records[0].index == 1


def test_only_end_events_rejected():
    end = sample_document()
    end["event"]["type"] = ["end"]
    end["event"]["action"] = "end"
    with pytest.raises(InputError, match="endpoint.events.process end"):
        elastic_defend.parse(Source(json.dumps(end)))


def test_other_endpoint_dataset_partial_match():
    document = sample_document()
    document["data_stream"]["dataset"] = "endpoint.events.file"
    document["event"]["dataset"] = "endpoint.events.file"
    match = elastic_defend.detect(Source(json.dumps(document)))
    assert match.missing == ["data_stream.dataset endpoint.events.process"]


def test_get_reads_nested_and_flat():
    document = {"process": {"parent.pid": 7}, "host.os": {"type": "linux"}}
    assert elastic_defend.get(document, "process.parent.pid") == 7
    assert elastic_defend.get(document, "host.os.type") == "linux"
    assert elastic_defend.get(document, "process.pid") is None
