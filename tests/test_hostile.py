"""Hostile inputs get a clear 4xx (or exit 2), never a 500, a hang or lost data."""

import gzip
import io
import json
from pathlib import Path

from webapp.conformance import JsonInputError, validate_text
from webapp.conformance.formats import to_junit
from webapp.gzipdata import GzipTooLarge, gunzip_limited

EXAMPLE = (Path(__file__).parents[1] / "schema/examples/script_activity.json").read_text()


def test_lone_surrogate_key_rejected(catalog):
    import pytest

    with pytest.raises(JsonInputError, match="surrogate"):
        validate_text('{"a\\ud800": 1}', catalog)


def test_lone_surrogate_in_page_is_400(client):
    response = client.post("/validate", data={"text": '{"class_uid": "\\udc00"}'})

    assert response.status_code == 400


def test_lone_surrogate_in_vendor_text_is_400(client):
    row = ('{"Timestamp": "2024-08-13T21:08:12Z", "DeviceId": "d", "ActionType": '
           '"ScriptContent", "InitiatingProcessId": 1, '
           '"AdditionalFields": {"ScriptContent": "\\ud800"}}')
    response = client.post("/compare", data={"text": row})

    assert response.status_code == 400


def test_bundle_positions_refer_to_the_input(client):
    event = json.loads(EXAMPLE)
    event["type_uid"] = 5
    body = json.dumps({"events": [event]})
    data = client.post("/api/validate", data=body).get_json()
    finding = [f for f in data["events"][0]["errors"] if f["error"] == "type_uid_incorrect"][0]

    assert finding["line"] == 1
    assert body[finding["column"] - 1:].startswith("5")


def test_deep_bundle_is_400(client):
    response = client.post("/api/validate", data='{"events": ' + "[" * 10000)

    assert response.status_code == 400


def test_far_future_time_dt_is_not_a_crash(catalog):
    event = json.loads(EXAMPLE)
    event["time_dt"] = "9999-12-31T23:59:59-23:59"
    event["metadata"]["profiles"] = ["datetime"]
    result = validate_text(json.dumps(event), catalog)

    assert result.events[0].errors == []


def test_deep_line_in_bulk_input(client, app):
    lines = [json.dumps(json.loads(EXAMPLE))] * 800 + ['{"a": ' + "[" * 10000 + "]" * 10000 + "}"]
    response = client.post("/api/validate", data="\n".join(lines))

    assert response.status_code in (200, 400)


def _gzip_members(*parts: bytes) -> bytes:
    return b"".join(gzip.compress(part) for part in parts)


def test_every_gzip_member_is_read():
    assert gunzip_limited(_gzip_members(b"one\n", b"two\n"), 100) == b"one\ntwo\n"


def test_cut_gzip_is_an_error():
    import pytest

    data = gzip.compress(b"x" * 5000)
    with pytest.raises(ValueError, match="cut short"):
        gunzip_limited(data[: len(data) // 2], 10_000)


def test_gzip_bomb_stops_at_the_limit():
    import pytest

    bomb = gzip.compress(b"\0" * 10_000_000)
    with pytest.raises(GzipTooLarge):
        gunzip_limited(bomb, 1_000_000)


def test_cut_gzip_upload_is_400(client):
    data = gzip.compress((EXAMPLE * 50).encode())
    response = client.post("/api/validate", data={"file": (io.BytesIO(data[:200]), "a.json.gz")},
                           content_type="multipart/form-data")

    assert response.status_code == 400
    assert "gzip" in response.get_json()["message"]


def test_junit_is_valid_xml_with_control_characters(catalog):
    import xml.etree.ElementTree as ElementTree

    event = json.loads(EXAMPLE)
    event["\u0001bad"] = 1
    result = validate_text(json.dumps(event), catalog)

    ElementTree.fromstring(to_junit([("events\u0002.json", result)]))


def test_log_line_cannot_be_forged(client, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="webapp.request"):
        client.get("/classes/x%0aFORGED line")

    lines = [r.getMessage() for r in caplog.records if r.name == "webapp.request"]
    assert lines
    assert all("\n" not in line for line in lines)


def _big_ndjson(extra_line: str) -> str:
    line = json.dumps(json.loads(EXAMPLE))
    return "\n".join([line] * 1400 + [extra_line]) + "\n"


def test_bulk_keeps_every_event_of_a_line(catalog):
    from webapp.conformance.bulk import validate_bulk

    bad = json.loads(EXAMPLE)
    bad["type_uid"] = 1
    text = _big_ndjson(json.dumps(json.loads(EXAMPLE)) + " " + json.dumps(bad))
    result = validate_bulk(text.encode(), catalog)

    assert len(text) > 1024 * 1024
    assert len(result.events) == 1402
    assert result.events[-1].errors


def test_large_bundle_is_read_as_events(client):
    events = [json.loads(EXAMPLE)] * 1300
    body = json.dumps({"events": events})
    data = client.post("/api/validate", data=body).get_json()

    assert len(body) > 1024 * 1024
    assert data["event_count"] == 1300
    assert data["error_count"] == 0


def test_fast_path_checks_array_enum_captions(catalog):
    from webapp.conformance.bulk import validate_bulk

    bad = json.loads(EXAMPLE)
    bad["metadata"]["profiles"] = ["security_control"]
    bad["malware"] = [{"name": "x", "classification_ids": [1], "classifications": ["Worm"]}]
    result = validate_bulk(_big_ndjson(json.dumps(bad)).encode(), catalog)

    codes = [f.code for f in result.events[-1].errors]
    assert "attribute_enum_array_sibling_incorrect" in codes


def test_lone_surrogate_inside_inner_json_is_replaced(client):
    row = {"Timestamp": "2024-08-13T21:08:12Z", "DeviceId": "d", "ActionType": "ScriptContent",
           "InitiatingProcessId": 1, "AdditionalFields": '{"ScriptContent": "a\\ud800b"}'}
    response = client.post("/compare", data={"text": json.dumps(row)})
    api = client.post("/api/map", data=json.dumps(row)).get_json()

    assert response.status_code == 200
    value = api["events"][0]["script_activity"]["event"]["script"]["script_content"]["value"]
    assert value == "a\ufffdb"
    assert any("surrogate" in note for note in api["events"][0]["notes"])


def test_odd_types_never_give_500(client):
    sample = json.loads((Path(__file__).parent / "samples/powershell/"
                         "4104_evtx_dump_warning_level.json").read_text())
    sample["Event"]["System"]["Provider"]["#attributes"] = []
    response = client.post("/api/map", data=json.dumps(sample))

    assert response.status_code in (200, 400)
    assert response.is_json


def test_bad_ndjson_row_is_noted(client):
    row = {"Timestamp": "2024-08-13T21:08:12Z", "DeviceId": "d", "ActionType": "ScriptContent",
           "InitiatingProcessId": 1, "AdditionalFields": {"ScriptContent": "Get-Date"}}
    lines = [json.dumps(row)] * 3 + ["not json"] + [json.dumps(row)]
    data = client.post("/api/map", data="\n".join(lines)).get_json()

    assert len(data["events"]) == 4
    assert any("line 4" in note for note in data["notes"])


def test_too_many_vendor_events_is_400(client):
    response = client.post("/api/map", data="\n".join(["{}"] * 100_001))

    assert response.status_code == 400
    assert "100,000" in response.get_json()["message"]
