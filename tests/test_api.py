"""JSON API: the validate and map contracts and the error shape."""

import json
from pathlib import Path

from .conftest import sample_text

EXAMPLE = (Path(__file__).parents[1] / "schema/examples/script_activity.json").read_text()


def test_validate_shape(client):
    body = EXAMPLE.replace('"type_uid": 100901', '"type_uid": 1')
    data = client.post("/api/validate", data=body).get_json()

    assert data["schema_version"] == "1.8.0"
    assert data["error_count"] >= 1
    assert data["warning_count"] == 0
    event = data["events"][0]
    assert event["index"] == 0
    assert event["line"] == 1
    assert event["class_uid"] == 1009
    finding = [f for f in event["errors"] if f["error"] == "type_uid_incorrect"][0]
    assert finding["attribute_path"] == "type_uid"
    assert finding["line"] == 8
    assert finding["column"] == 15
    assert finding["expected_value"] == 100901
    assert "message" in finding


def test_validate_server_bundle_shape(client):
    bundle = json.dumps({"events": [json.loads(EXAMPLE), json.loads(EXAMPLE)]})
    data = client.post("/api/validate", data=bundle).get_json()

    assert len(data["events"]) == 2
    assert data["error_count"] == 0


def test_validate_ndjson(client):
    line = json.dumps(json.loads(EXAMPLE))
    data = client.post("/api/validate", data=f"{line}\n{line}\n").get_json()

    assert [e["line"] for e in data["events"]] == [1, 2]


def test_bad_inputs_are_4xx(client):
    cases = {b"": 400, b"{": 400, b"[1]": 400, b'"text"': 400, b"\xff": 400, b"{\"a\":}": 400}
    for body, status in cases.items():
        response = client.post("/api/validate", data=body)
        assert response.status_code == status, body
        assert response.get_json()["message"]


def test_unknown_class_uid_is_a_finding(client):
    body = EXAMPLE.replace('"class_uid": 1009', '"class_uid": 4242')
    data = client.post("/api/validate", data=body).get_json()

    assert data["events"][0]["errors"][0]["error"] == "class_uid_unknown"


def test_too_large_is_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = client.post("/api/validate", data=b"[" + b" " * 5000 + b"]")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 50 * 1024 * 1024

    assert response.status_code == 413
    assert "limit" in response.get_json()["message"]


def test_map_shape(client):
    text = sample_text("mde/log_analytics_export_scriptcontent.json")
    data = client.post("/api/map", data=text.encode()).get_json()

    assert data["format"] == "mde_deviceevents"
    assert len(data["events"]) == 2
    assert {e["script_activity"]["event"]["script"]["type_id"] for e in data["events"]} == {3, 6}
    assert data["events"][1]["process_activity"]["event"]["process"]["pid"] == 402219


def test_map_unrecognized_lists_formats(client):
    response = client.post("/api/map", data=b'{"hello": 1}')
    data = response.get_json()

    assert response.status_code == 400
    assert "mde_deviceevents" in data["formats_tried"]


def test_schema_json_twin(client):
    data = client.get("/api/classes/script_activity").get_json()
    rows = {row["name"]: row for row in data["attributes"]}

    assert data["uid"] == 1009
    assert [link["name"] for link in data["chain"]] == ["base_event", "system",
                                                          "script_activity"]
    assert rows["actor"]["defined_in"] == "system"
    assert "is_alert" not in rows


def test_unknown_class_json_404(client):
    response = client.get("/api/classes/scrpt_activity")

    assert response.status_code == 404
    assert "script_activity" in response.get_json()["suggestions"]


def test_time_limit_gives_413(app, client):
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
    from generate_events import generate

    body = "\n".join(json.dumps(e) for e in generate(300))
    app.config["REQUEST_TIME_LIMIT"] = 1e-6
    try:
        response = client.post("/api/validate", data=body)
    finally:
        app.config["REQUEST_TIME_LIMIT"] = 20.0

    assert response.status_code == 413
    assert "limit" in response.get_json()["message"]


def test_time_limit_applies_to_mapping(app, client):
    text = sample_text("mde/log_analytics_export_scriptcontent.json")
    app.config["REQUEST_TIME_LIMIT"] = 1e-6
    try:
        response = client.post("/api/map", data=text.encode())
    finally:
        app.config["REQUEST_TIME_LIMIT"] = 20.0

    assert response.status_code == 413


def test_curl_style_form_body_is_the_text(client):
    response = client.post("/api/validate", data=EXAMPLE.encode(),
                           content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert response.get_json()["events"][0]["class_uid"] == 1009


def test_unknown_profile_parameter_is_400(client):
    response = client.post("/api/validate?profiles=bogus", data=EXAMPLE)

    assert response.status_code == 400
    assert "bogus" in response.get_json()["message"]


def test_unknown_version_parameter_is_400(client):
    response = client.post("/api/validate?version=9.9", data=EXAMPLE)

    assert response.status_code == 400
