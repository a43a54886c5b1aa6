"""The ocsf-workbench command: exit codes and JSON output, run as a real process."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SAMPLES

EXAMPLE = Path(__file__).parents[1] / "schema/examples/script_activity.json"


def run(*args, stdin: str | None = None):
    return subprocess.run([sys.executable, "-m", "webapp.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_validate_valid_event_exits_0():
    done = run("validate", str(EXAMPLE))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 events, 1 valid" in done.stdout


def test_validate_error_exits_1(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(EXAMPLE.read_text().replace('"type_uid": 100901', '"type_uid": 5'))
    done = run("validate", "--json", str(bad))
    data = json.loads(done.stdout)

    assert done.returncode == 1
    assert data["error_count"] >= 1
    assert data["events"][0]["errors"][0]["line"] == 8


def test_validate_unparseable_exits_2(tmp_path):
    bad = tmp_path / "cut.json"
    bad.write_text('{\n  "class_uid": 1009,\n  "time": ')
    done = run("validate", str(bad))

    assert done.returncode == 2
    assert f"{bad}:3:" in done.stderr
    assert "invalid JSON" in done.stderr


def test_validate_stdin():
    done = run("validate", "-", stdin=EXAMPLE.read_text())

    assert done.returncode == 0


def test_validate_missing_file_exits_2(tmp_path):
    done = run("validate", str(tmp_path / "absent.json"))

    assert done.returncode == 2
    assert "cannot read" in done.stderr


def test_map_json_contract():
    done = run("map", "--json", str(SAMPLES / "mde/log_analytics_export_scriptcontent.json"))
    data = json.loads(done.stdout)

    assert done.returncode == 0, done.stderr
    assert data["format"] == "mde_deviceevents"
    assert data["schema_version"] == "1.8.0"
    first = data["events"][0]
    assert first["source"] == {"index": 0, "line": 2}
    assert first["script_activity"]["event"]["class_uid"] == 1009
    assert first["script_activity"]["validation"]["error_count"] == 0
    assert first["process_activity"]["event"]["class_uid"] == 1007
    assert "errors" in first["process_activity"]["validation"]
    row = [r for r in first["fidelity"] if r["fact"] == "script_text"][0]
    assert row["source"] == "AdditionalFields.ScriptContent"
    assert row["script_activity"] == "script.script_content.value"
    assert row["process_activity"] == "process.cmd_line"
    assert row["verdict"] == "distorted"


def test_map_unrecognized_exits_2(tmp_path):
    odd = tmp_path / "odd.json"
    odd.write_text('{"hello": "world"}')
    done = run("map", str(odd))

    assert done.returncode == 2
    assert "formats tried" in done.stderr


@pytest.mark.parametrize("command", ["validate", "map"])
def test_unknown_schema_version_exits_2(command):
    done = run(command, "--schema-version", "0.0.1", str(EXAMPLE))

    assert done.returncode == 2


def _bad_event_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(EXAMPLE.read_text().replace('"type_uid": 100901', '"type_uid": 5'))
    return bad


def test_sarif_output(tmp_path):
    done = run("validate", "--format", "sarif", str(_bad_event_file(tmp_path)))
    log = json.loads(done.stdout)
    result = [r for r in log["runs"][0]["results"] if r["ruleId"] == "type_uid_incorrect"][0]

    assert done.returncode == 1
    assert log["version"] == "2.1.0"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 8


def test_junit_output(tmp_path):
    import xml.etree.ElementTree as ElementTree

    done = run("validate", "--format", "junit", str(_bad_event_file(tmp_path)), str(EXAMPLE))
    root = ElementTree.fromstring(done.stdout)
    suites = root.findall("testsuite")

    assert [s.get("failures") for s in suites] == ["1", "0"]
    assert "type_uid_incorrect" in suites[0].find("testcase/failure").text


def test_github_annotations(tmp_path):
    done = run("validate", "--format", "github", str(_bad_event_file(tmp_path)))

    annotations = [line for line in done.stdout.splitlines()
                   if "title=type_uid_incorrect" in line]

    assert len(annotations) == 1
    assert annotations[0].startswith("::error file=")
    assert ",line=8," in annotations[0]


def test_fail_on_warning(tmp_path):
    warned = tmp_path / "warned.json"
    warned.write_text(EXAMPLE.read_text().replace('"activity_name": "Execute"',
                                                  '"activity_name": "Run"'))

    assert run("validate", str(warned)).returncode == 0
    assert run("validate", "--fail-on", "warning", str(warned)).returncode == 1


def test_glob_of_files(tmp_path):
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(EXAMPLE.read_text())
    done = run("validate", str(tmp_path / "*.json"))

    assert done.returncode == 0
    assert done.stdout.count("1 events, 1 valid") == 2


def test_bad_file_does_not_hide_the_others(tmp_path):
    good = tmp_path / "a.json"
    good.write_text(EXAMPLE.read_text())
    bad = tmp_path / "b.json"
    bad.write_text('{"class_uid": ')
    done = run("validate", "--format", "sarif", str(tmp_path / "*.json"))
    log = json.loads(done.stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]}

    assert done.returncode == 2
    assert str(bad) in uris
    assert f"{bad}:1:" in done.stderr


def test_unknown_profile_exits_2():
    done = run("validate", "--profiles", "nosuchprofile", str(EXAMPLE))

    assert done.returncode == 2
    assert "nosuchprofile" in done.stderr


def test_json_and_other_format_conflict():
    done = run("validate", "--json", "--format", "sarif", str(EXAMPLE))

    assert done.returncode == 2


def test_map_text_shows_validation_and_notes():
    done = run("map", str(SAMPLES / "mde/log_analytics_export_scriptcontent.json"))

    assert done.returncode == 0
    assert "Process Activity: 1 error(s)" in done.stdout
    assert "attribute_required_missing" in done.stdout
    assert "0 valid" in done.stdout.splitlines()[0]
