"""Comparison: batch contradictions, downloads, format pages, and parser robustness."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.mapping import map_text
from webapp.vendors import InputError, UnrecognizedInput, parse

from .conftest import SAMPLES, sample_text


def _row(pid: int, report_id: int, text: str, created: str) -> dict:
    return {"Timestamp": f"2024-08-13T21:0{report_id}:12.2573453Z",
            "DeviceId": "dev-77", "DeviceName": "wks-77.corp.example.test",
            "ActionType": "ScriptContent", "InitiatingProcessId": pid,
            "InitiatingProcessFileName": "powershell.exe",
            "InitiatingProcessCommandLine": "powershell.exe -NoProfile",
            "InitiatingProcessCreationTime": created,
            "InitiatingProcessParentId": 600, "InitiatingProcessParentFileName": "explorer.exe",
            "ReportId": report_id, "SHA256": f"{report_id:064x}",
            "AdditionalFields": json.dumps({"ScriptContent": text})}


def test_batch_shows_process_lifetime_contradiction(catalog):
    rows = [_row(4100, 1, "Get-Date", "2024-08-13T21:00:00Z"),
            _row(4100, 2, "Get-Process | Select-Object -First 3", "2024-08-13T21:00:00Z"),
            _row(4100, 3, "Get-Service WinRM", "2024-08-13T21:00:00Z"),
            _row(5200, 4, "Write-Output done", "2024-08-13T21:03:00Z")]
    result = map_text(json.dumps(rows), catalog)
    summary = result.summary
    groups = {group.label: group for group in summary.processes}

    assert summary.executions == 4
    assert len(summary.processes) == 2
    assert summary.duplicate_launches == 2
    assert groups["powershell.exe (pid 4100)"].count == 3
    assert groups["powershell.exe (pid 4100)"].cmd_lines == 3
    assert summary.script_valid == 4
    assert "4 script executions in 2 processes" in summary.sentence
    assert "2 of them duplicates" in summary.sentence
    launches = [e.process.event for e in result.events[:3]]
    assert {e["process"]["pid"] for e in launches} == {4100}
    assert len({e["process"]["cmd_line"] for e in launches}) == 3
    assert {e["process"]["created_time"] for e in launches} == {1723582800000}


def test_compare_page_lists_processes(client):
    rows = [_row(4100, n, f"Write-Output {n}", "2024-08-13T21:00:00Z") for n in range(1, 4)]
    html = client.post("/compare", data={"text": json.dumps(rows)}).get_data(as_text=True)

    assert "3 launches of one process with 3 different command lines, 2 of them duplicates" \
        in html


def test_ndjson_download(client):
    text = sample_text("mde/log_analytics_export_scriptcontent.json")
    response = client.post("/compare/ndjson", data={"text": text, "side": "process_activity"})
    lines = response.get_data(as_text=True).strip().split("\n")

    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert "attachment" in response.headers["Content-Disposition"]
    assert [json.loads(line)["class_uid"] for line in lines] == [1007, 1007]


def test_ndjson_download_rejects_unknown_side(client):
    response = client.post("/compare/ndjson", data={"text": "{}", "side": "x"})

    assert response.status_code == 400


def test_format_pages(client):
    index = client.get("/formats").get_data(as_text=True)
    detail = client.get("/api/formats/mde_deviceevents").get_json()
    rows = {row["fact"]: row for row in detail["fields"]}

    assert "/formats/powershell_xml" in index
    assert rows["script_text"]["source"].startswith("AdditionalFields.ScriptContent")
    assert rows["script_text"]["script_activity"] == "script.script_content.value"
    assert rows["script_text"]["process_activity"] == "process.cmd_line"
    assert rows["script_hashes"]["process_activity_verdict"] == "lost"
    assert client.get("/formats/nope").status_code == 404


def test_launch_format_keeps_command_line(client):
    detail = client.get("/api/formats/sysmon_process_create").get_json()
    rows = {row["fact"]: row for row in detail["fields"]}

    assert detail["granularity"] == "process"
    assert rows["process_cmd_line"]["process_activity_verdict"] == "kept"


def test_unrecognized_input_names_closest(catalog):
    broken = {"ActionType": "ScriptContent", "DeviceId": "d1"}
    with pytest.raises(UnrecognizedInput) as caught:
        parse(json.dumps(broken))

    assert caught.value.closest.startswith("Microsoft Defender")
    assert "Timestamp" in caught.value.missing


SAMPLE_FILES = sorted(p for p in SAMPLES.rglob("*") if p.is_file())


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=[p.name for p in SAMPLE_FILES])
def test_every_sample_maps(catalog, path):
    result = map_text(path.read_text(encoding="utf-8"), catalog)

    assert result.events
    for event in result.events:
        assert event.script.event is not None or event.script.note
        assert event.process.event is not None or event.process.note


def _cut_and_spliced(text: str, data) -> str:
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    junk = data.draw(st.text(max_size=20))
    return text[:cut] + junk + text[cut:cut + data.draw(st.integers(0, 400))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_parsers_never_crash_on_damaged_samples(data):
    path = data.draw(st.sampled_from(SAMPLE_FILES))
    text = _cut_and_spliced(path.read_text(encoding="utf-8"), data)
    try:
        parse(text)
    except (InputError, UnrecognizedInput):
        pass


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=300))
def test_parsers_never_crash_on_any_text(text):
    try:
        parse(text)
    except (InputError, UnrecognizedInput):
        pass


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["ActionType", "DeviceId", "Timestamp", "records",
                                       "properties", "category", "EventID", "ScriptBlockText",
                                       "event_simpleName", "aid", "cmdScript.content", "appname",
                                       "content", "hash", "event", "process", "winlog", "x"]),
                      children, max_size=6),
    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(value=JSON_VALUES)
def test_parsers_never_crash_on_json_shapes(value):
    try:
        parse(json.dumps(value))
    except (InputError, UnrecognizedInput):
        pass
