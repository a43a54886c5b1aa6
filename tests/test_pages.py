"""Page routes: status, key content, htmx partials and security headers."""

import re

from .conftest import sample_text


def test_class_page(client):
    html = client.get("/classes/script_activity").get_data(as_text=True)

    assert "Script Activity" in html
    assert "1009" in html
    assert "System Activity (uid 1)" in html
    chain = html.split('aria-label="Inheritance">')[1].split("</nav>")[0]
    assert re.sub(r"<[^>]+>|\s+", " ", chain).split() == [
        "Base", "Event", "→", "System", "Activity", "→", "Script", "Activity"]
    assert 'id="attr-script"' in html
    assert 'id="attr-activity_id-1"' in html
    assert 'href="/objects/script' in html
    assert 'rel="alternate" type="application/json"' in html


def test_defined_in_column(client):
    html = client.get("/classes/script_activity").get_data(as_text=True)
    actor_row = html.split('id="attr-actor"')[1].split("</tr>")[0]
    script_row = html.split('id="attr-script"')[1].split("</tr>")[0]
    time_row = html.split('id="attr-time"')[1].split("</tr>")[0]

    assert 'class="defined-in">System Activity' in actor_row
    assert 'class="defined-in">Script Activity' in script_row
    assert 'class="defined-in">Base Event' in time_row


def test_profile_attributes_hidden_until_selected(client):
    plain = client.get("/classes/script_activity").get_data(as_text=True)
    chosen = client.get("/classes/script_activity?profiles=host,security_control") \
        .get_data(as_text=True)

    assert 'id="attr-is_alert"' not in plain
    assert 'id="attr-is_alert"' in chosen
    assert 'value="security_control" checked' in chosen


def test_object_page(client):
    html = client.get("/objects/script").get_data(as_text=True)

    assert 'id="attr-script_content"' in html
    assert "Long String" in html
    assert "array of" in html
    assert 'id="attr-type_id-99"' in html


def test_unknown_class_page_suggests(client):
    response = client.get("/classes/script_activty")

    assert response.status_code == 404
    assert "script_activity" in response.get_data(as_text=True)


def test_htmx_gets_partial(client):
    full = client.post("/validate", data={"text": '{"class_uid": 1009}'})
    partial = client.post("/validate", data={"text": '{"class_uid": 1009}'},
                          headers={"HX-Request": "true"})

    assert "<html" in full.get_data(as_text=True)
    assert "<html" not in partial.get_data(as_text=True)
    assert "attribute_required_missing" in partial.get_data(as_text=True)
    assert "HX-Request" in partial.headers["Vary"]


def test_validate_bad_json_page(client):
    response = client.post("/validate", data={"text": '{"a": '})

    assert response.status_code == 400
    assert "line 1, column 7" in response.get_data(as_text=True)


def test_compare_page(client):
    text = sample_text("mde/log_analytics_export_scriptcontent.json")
    html = client.post("/compare", data={"text": text}).get_data(as_text=True)

    assert html.count("Script Activity") >= 2
    assert "Fidelity" in html
    assert "process.cmd_line" in html
    assert html.count('class="ok">valid') >= 2


def test_script_text_is_escaped(client):
    text = sample_text("mde/ah_scriptcontent_powershell_fileless.json").replace(
        "Get-", "<script>alert(1)</script>Get-", 1)
    html = client.post("/compare", data={"text": text}).get_data(as_text=True)

    assert "<script>alert(1)</script>" not in html


def test_security_headers(client):
    response = client.get("/")

    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Request-Id"]


def test_no_inline_scripts_or_styles(client):
    for url in ["/", "/classes/script_activity", "/validate", "/compare"]:
        html = client.get(url).get_data(as_text=True)
        assert "<style" not in html
        assert " style=" not in html
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
