"""Vendor inputs crafted for regex backtracking, deep nesting, huge counts and far-off times.

Each test checks the outcome (records, or a clean InputError or
UnrecognizedInput) and that parsing ends within TIME_LIMIT. The limit only
catches a hang, because the parsers take milliseconds on these inputs.
"""

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.vendors import InputError, ParseResult, UnrecognizedInput, all_formats, parse
from webapp.vendors.formats.carbon_black import go_time_to_ms
from webapp.vendors.formats.powershell_common import MAX_LISTED_PARTS
from webapp.vendors.timeparse import epoch_to_ms, iso_to_ms, us_display_to_ms

from ..conftest import sample_text

TIME_LIMIT = 2.0  # seconds
FAR_FUTURE = "9999-12-31T23:59:59-23:59"


def timed_parse(text: str, format_id: str = "auto"):
    """Return (ParseResult or the clean input error raised, seconds taken)."""
    started = time.perf_counter()
    try:
        outcome = parse(text, format_id)
    except (InputError, UnrecognizedInput) as error:
        outcome = error
    return outcome, time.perf_counter() - started


def mde_row(**changes) -> str:
    row = json.loads(sample_text("mde/ah_powershellcommand.json"))
    row.update(changes)
    return json.dumps(row)


# --- PowerShell Event XML ----------------------------------------------------------


def test_context_info_line_of_spaces():
    xml = sample_text("powershell/4103_module_logging_toxml.xml")
    first_line = "        Severity = Informational\n"
    text = xml.replace(first_line, first_line + " " * 6000 + "\n")
    assert text != xml

    outcome, elapsed = timed_parse(text)

    assert isinstance(outcome, ParseResult)
    record = outcome.records[0]
    assert record.process_cmd_line.endswith("-File C:\\ProgramData\\ops\\feed-sync.ps1")
    assert record.correlation_uid == "9c3345dd-f107-44f7-a3e1-9a0bddff14ee/14"
    assert elapsed < TIME_LIMIT


def test_context_info_value_with_inner_spaces():
    xml = sample_text("powershell/4103_module_logging_toxml.xml")
    text = xml.replace("Command Type = Cmdlet", "Command Type = Cmd" + " \t" * 20000 + "let")

    outcome, elapsed = timed_parse(text)

    assert isinstance(outcome, ParseResult)
    assert outcome.records[0].extras["ContextInfo.Command Type"].startswith("Cmd \t")
    assert elapsed < TIME_LIMIT


def test_text_header_user_line_with_spaces():
    xml = sample_text("powershell/4103_module_logging_toxml.xml")
    text = "Log Name: Microsoft-Windows-PowerShell/Operational\nUser: CORP\\x" + " " * 50000 \
        + "y\nEvent Xml:\n" + xml

    outcome, elapsed = timed_parse(text)

    assert isinstance(outcome, ParseResult)
    assert outcome.records[0].user_domain == "CORP"
    assert elapsed < TIME_LIMIT


@pytest.mark.parametrize("text", [
    "<Event " + "<Provider " * 20000,
    "<Event " + "<EventID " * 20000,
    "<?xml " * 40000,
    "<Provider Name='Microsoft-Windows-Sysmon'" + "<EventID " * 50000,
    "Event Xml:\n" * 60000,
    "<a>" * 50000 + "</a>" * 50000,
], ids=["provider", "event-id", "declaration", "sysmon-event-id", "markers", "nested"])
@pytest.mark.parametrize("format_id", ["auto", "powershell_xml", "sysmon_process_create"])
def test_xml_like_input_ends_cleanly(text, format_id):
    outcome, elapsed = timed_parse(text, format_id)

    assert isinstance(outcome, (InputError, UnrecognizedInput))
    assert elapsed < TIME_LIMIT


def test_event_inside_deep_nesting():
    event = ("<Event><System><Provider Name='Microsoft-Windows-PowerShell'/>"
             "<EventID>4104</EventID></System><EventData>"
             "<Data Name='ScriptBlockText'>Get-Date</Data></EventData></Event>")
    text = ("<Events xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"
            + "<a>" * 5000 + event + "</a>" * 5000 + "</Events>")

    outcome, elapsed = timed_parse(text)

    assert isinstance(outcome, ParseResult)
    assert outcome.records[0].script_text == "Get-Date"
    assert elapsed < TIME_LIMIT


def test_many_xml_declarations_before_event():
    xml = sample_text("powershell/4103_module_logging_toxml.xml")
    text = "<?xml version='1.0'?>\n" * 20000 + xml

    outcome, elapsed = timed_parse(text)

    assert isinstance(outcome, ParseResult)
    assert outcome.records[0].line == 20001
    assert elapsed < TIME_LIMIT


@pytest.mark.parametrize("total", ["999999999", "0x7fffffffffffffff"])
def test_huge_message_total(total):
    xml = sample_text("powershell/4104_eventviewer_xml_file_based.xml")
    text = xml.replace('"MessageTotal">1<', f'"MessageTotal">{total}<')
    assert text != xml

    outcome, elapsed = timed_parse(text)

    assert isinstance(outcome, ParseResult)
    record = outcome.records[0]
    assert record.script_truncated is True
    assert record.extras["MissingMessageNumbers"][:2] == [2, 3]
    assert len(record.extras["MissingMessageNumbers"]) == MAX_LISTED_PARTS
    assert record.extras["MissingMessageCount"] == int(total, 0) - 1
    assert elapsed < TIME_LIMIT


def test_message_total_beyond_64_bits():
    xml = sample_text("powershell/4104_eventviewer_xml_file_based.xml")
    text = xml.replace('"MessageTotal">1<', '"MessageTotal">0x' + "f" * 5000 + "<")

    outcome, elapsed = timed_parse(text)

    assert isinstance(outcome, InputError)
    assert "MessageTotal" in str(outcome)
    assert elapsed < TIME_LIMIT


# --- auditd ------------------------------------------------------------------------


def test_auditd_long_proctitle():
    text = (sample_text("linux/auditd_execve_shebang_script.txt")
            + "type=PROCTITLE msg=audit(1723583292.257:48211): " + "a" * 50000 + "\n")

    outcome, elapsed = timed_parse(text)

    assert isinstance(outcome, ParseResult)
    assert outcome.records[0].process_cmd_line == "/bin/bash ./rotate.sh --keep 7"
    assert elapsed < TIME_LIMIT


def test_auditd_repeated_node_prefix():
    text = "node=" * 20000 + "\n" + sample_text("linux/auditd_execve_shebang_script.txt")

    outcome, elapsed = timed_parse(text)

    assert isinstance(outcome, ParseResult)
    assert outcome.records[0].device_hostname == "localhost"
    assert elapsed < TIME_LIMIT


@pytest.mark.parametrize("change", [
    ('argc=4', 'argc=999999999'),
    ('a3="7"', 'a99999999="7"'),
    ('a3="7"', 'a3[' + "9" * 5000 + ']="7"'),
    ('argc=4', 'argc=' + "9" * 5000),
], ids=["argc", "position", "piece-index", "argc-digits"])
def test_auditd_huge_argument_counts(change):
    original = sample_text("linux/auditd_execve_shebang_script.txt")
    text = original.replace(*change)
    assert text != original

    outcome, elapsed = timed_parse(text)

    assert isinstance(outcome, ParseResult)
    assert outcome.records[0].process_cmd_line.startswith("/bin/bash ./rotate.sh --keep")
    assert elapsed < TIME_LIMIT


def test_auditd_superscript_digit_pid():
    original = sample_text("linux/auditd_execve_shebang_script.txt")
    text = original.replace("pid=40377", "pid=\u00b2")

    outcome, elapsed = timed_parse(text)

    assert isinstance(outcome, ParseResult)
    assert outcome.records[0].process_pid is None
    assert elapsed < TIME_LIMIT


# --- Defender DeviceEvents ---------------------------------------------------------


def test_mde_key_with_long_space_run():
    outcome, elapsed = timed_parse(mde_row(**{"a" + " " * 100000 + "a": "x"}))

    assert isinstance(outcome, ParseResult)
    assert outcome.records[0].script_text == "Get-NetTCPConnection"
    assert elapsed < TIME_LIMIT


def test_mde_csv_header_with_long_space_run():
    text = "ActionType,Timestamp" + " " * 50000 + "x [UTC]\nPowerShellCommand,1\n"

    outcome, elapsed = timed_parse(text, "mde_deviceevents")

    assert isinstance(outcome, ParseResult)
    assert elapsed < TIME_LIMIT


def test_mde_deeply_nested_additional_fields():
    outcome, elapsed = timed_parse(mde_row(AdditionalFields="[" * 20000))

    assert isinstance(outcome, ParseResult)
    record = outcome.records[0]
    assert record.script_text is None
    assert any("nests too deeply" in note for note in record.notes)
    assert elapsed < TIME_LIMIT


def test_mde_nested_additional_fields_salvaged():
    fields = '{"Command":"Get-Date","Extra":' + "[" * 20000

    outcome, elapsed = timed_parse(mde_row(AdditionalFields=fields))

    assert isinstance(outcome, ParseResult)
    assert outcome.records[0].script_text == "Get-Date"
    assert elapsed < TIME_LIMIT


def test_mde_far_future_timestamp_is_a_note():
    outcome, elapsed = timed_parse(mde_row(Timestamp=FAR_FUTURE))

    assert isinstance(outcome, ParseResult)
    record = outcome.records[0]
    assert record.time is None
    assert any(note.startswith("Timestamp was left out") for note in record.notes)
    assert elapsed < TIME_LIMIT


# --- Times -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [FAR_FUTURE, "0001-01-01T00:00:00+23:59"])
def test_iso_time_out_of_range(value):
    with pytest.raises(ValueError, match="outside the supported range"):
        iso_to_ms(value)


def test_iso_time_at_range_edges():
    assert iso_to_ms("9999-12-31T23:59:59.999Z") == (253402300799999, True)
    assert iso_to_ms("0001-01-01T00:00:00Z") == (-62135596800000, True)


def test_go_time_out_of_range():
    with pytest.raises(ValueError, match="outside the supported range"):
        go_time_to_ms("9999-12-31 23:59:59 -2359 UTC")


@pytest.mark.parametrize("value, unit", [("9" * 30, "s"), ("9" * 30, "ms"), ("9" * 400, "ns")])
def test_epoch_time_out_of_range(value, unit):
    with pytest.raises(ValueError, match="outside the supported range"):
        epoch_to_ms(value, unit)


def test_epoch_time_fine_units():
    assert epoch_to_ms("1723583292257123", "us") == 1723583292257
    assert epoch_to_ms("1723583292257123456", "ns") == 1723583292257


def test_us_display_time_at_year_9999():
    assert us_display_to_ms("12/31/9999, 11:59:59.999 PM") == 253402300799999


@pytest.mark.parametrize("text", [
    json.dumps({"event_type": 9, "event": {"exec": {"target": {}}},
                "process": {"audit_token": {}}, "time": FAR_FUTURE}),
    json.dumps({"data_stream": {"dataset": "endpoint.events.process"},
                "event": {"type": ["start"]}, "@timestamp": FAR_FUTURE}),
    json.dumps({"type": "endpoint.event.fileless_scriptload", "process_guid": "g",
                "device_name": "d", "fileless_scriptload_cmdline": "x",
                "device_timestamp": "9999-12-31 23:59:59 -2359 UTC"}),
    json.dumps({"event_simpleName": "ScriptControlScanTelemetry", "aid": "x",
                "ScriptContent": "x", "ContextTimeStamp": "9" * 30}),
    sample_text("powershell/4103_module_logging_toxml.xml").replace(
        "2024-08-13T21:22:17.5550012Z", FAR_FUTURE),
], ids=["eslogger", "elastic-defend", "carbon-black", "crowdstrike", "powershell-xml"])
def test_far_future_time_is_an_input_error(text):
    outcome, elapsed = timed_parse(text)

    assert isinstance(outcome, InputError)
    assert "outside the supported range" in str(outcome)
    assert elapsed < TIME_LIMIT


# --- Integer fields ----------------------------------------------------------------


@pytest.mark.parametrize("text", [
    json.dumps({"event_simpleName": "ScriptControlScanTelemetry", "aid": "x",
                "ScriptContent": "x", "RawProcessId": "1" * 5000,
                "OriginalContentLength": "1" * 5000}),
    json.dumps({"type": "endpoint.event.fileless_scriptload", "process_guid": "g",
                "device_name": "d", "fileless_scriptload_cmdline": "x",
                "process_pid": "1" * 5000, "fileless_scriptload_cmdline_length": "1" * 5000}),
    json.dumps({"event.type": "Command Script", "cmdScript.content": "x", "event.time": 1,
                "src.process.pid": "1" * 5000, "cmdScript.originalSize": "1" * 5000,
                "cmdScript.isComplete": False}),
], ids=["crowdstrike", "carbon-black", "sentinelone"])
def test_digit_string_beyond_int_limit(text):
    outcome, elapsed = timed_parse(text)

    assert isinstance(outcome, ParseResult)
    assert outcome.records[0].process_pid is None
    assert elapsed < TIME_LIMIT


def test_sysmon_process_id_beyond_64_bits():
    event = {"winlog": {"provider_name": "Microsoft-Windows-Sysmon", "event_id": 1,
                        "event_data": {"ProcessId": "0x" + "f" * 5000,
                                       "UtcTime": "2024-08-13 21:08:09.337"}}}

    outcome, elapsed = timed_parse(json.dumps(event))

    assert isinstance(outcome, InputError)
    assert "64 bits" in str(outcome)
    assert elapsed < TIME_LIMIT


# --- Random runs -------------------------------------------------------------------

RUN_CHARACTERS = " <[a=\""
MAX_RUNS_LENGTH = 20_000
# Long runs are what backtracking needs, so about half of the lengths are large fixed ones.
RUN_LENGTHS = st.one_of(st.integers(1, MAX_RUNS_LENGTH), st.sampled_from([6000, MAX_RUNS_LENGTH]))
RUNS = st.lists(st.tuples(st.sampled_from(RUN_CHARACTERS), RUN_LENGTHS), min_size=1, max_size=3)
# Templates whose RUNS placeholder the runs replace, so that they reach the scans behind
# each format's first check: audit fields, tags, header lines, ContextInfo lines and CSV
# headers.
TEMPLATES = [
    "RUNS",
    "type=EXECVE msg=audit(1723583292.257:1): RUNS",
    "<Event RUNS",
    "Log Name: x\nUser: xRUNSx\nEvent Xml:\n<Event/>",
    sample_text("powershell/4103_module_logging_toxml.xml").replace(
        "Severity = Informational\n", "Severity = Informational\nRUNS\n"),
    "ActionType,TimestampRUNSx [UTC]\nPowerShellCommand,1\n",
]
FORMAT_IDS = ["auto"] + [module.FORMAT_ID for module in all_formats()]


@pytest.mark.parametrize("format_id", FORMAT_IDS)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=st.sampled_from(TEMPLATES), runs=RUNS)
def test_random_runs_end_cleanly(format_id, template, runs):
    filler = "".join(character * count for character, count in runs)[:MAX_RUNS_LENGTH]
    text = template.replace("RUNS", filler)

    outcome, elapsed = timed_parse(text, format_id)

    assert isinstance(outcome, (ParseResult, InputError, UnrecognizedInput))
    assert elapsed < TIME_LIMIT
