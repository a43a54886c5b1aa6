"""Saved results over HTTP: permalinks, JSON and Markdown, CSRF, rate and size limits, and
saves surviving a killed gunicorn."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from webapp import create_app
from webapp.security import RateLimiter
from webapp.store import result_digest

from .conftest import sample_text
from .test_store import database_url  # noqa: F401  (fixture: SQLite, and PostgreSQL if set)

ROOT = Path(__file__).resolve().parents[1]
MDE_SAMPLE = "mde/log_analytics_export_scriptcontent.json"
EVENT_WITH_ERROR = '{\n  "class_uid": 1009,\n  "activity_id": 1\n}\n'


def make_app(catalog, database_url, **settings):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url,
                      "SECRET_KEY": "test-secret", **settings})
    app.extensions["catalog"] = catalog
    return app


@pytest.fixture()
def share_app(catalog, database_url):  # noqa: F811
    return make_app(catalog, database_url)


@pytest.fixture()
def share_client(share_app):
    return share_app.test_client()


def form_token(client, kind: str = "validate", text: str = EVENT_WITH_ERROR) -> str:
    """Post the read-only form once and return the CSRF token its save form carries."""
    html = client.post(f"/{kind}", data={"text": text}).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the result page has no save form"
    return match.group(1)


def save(client, kind: str, text: str, token: str | None = None, headers=None, **options):
    token = token if token is not None else form_token(client)
    data = {"csrf_token": token, "kind": kind, "text": text, **options}
    return client.post("/r", data=data, headers=headers or {})


def save_compare_sample(client):
    response = save(client, "compare", sample_text(MDE_SAMPLE), format="auto", version="1.8.0")
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def script_event(script: str) -> str:
    """Return an MDE ScriptContent event carrying ``script``."""
    event = json.loads(sample_text("mde/ah_scriptcontent_powershell_fileless.json"))
    # Advanced hunting exports AdditionalFields as a JSON string inside the row.
    event["AdditionalFields"] = json.dumps({"ScriptContent": script})
    return json.dumps(event, indent=2)


def outside_code_blocks(markdown: str) -> str:
    """Return the Markdown with every fenced code block removed."""
    kept, fence = [], None
    for line in markdown.split("\n"):
        if fence is None and re.fullmatch(r"`{3,}", line):
            fence = line
        elif fence is not None and line == fence:
            fence = None
        elif fence is None:
            kept.append(line)
    assert fence is None, "a code block is not closed"
    return "\n".join(kept)


def test_same_input_same_link(share_client):
    first = save(share_client, "validate", EVENT_WITH_ERROR)
    second = save(share_client, "validate", EVENT_WITH_ERROR)
    other_options = save(share_client, "validate", EVENT_WITH_ERROR, missing_recommended="1")

    assert first.status_code == 303
    assert re.fullmatch(r"/r/[a-z2-7]{10}", first.headers["Location"])
    assert second.headers["Location"] == first.headers["Location"]
    assert other_options.headers["Location"] != first.headers["Location"]
    digest = result_digest("validate", EVENT_WITH_ERROR,
                           {"version": "", "missing_recommended": False, "profiles": []})
    assert first.headers["Location"] == f"/r/{digest[:10]}"


def test_second_save_keeps_first_row(share_app, share_client):
    token = form_token(share_client)
    headers = {"Accept": "application/json"}
    first = save(share_client, "validate", EVENT_WITH_ERROR, token, headers)
    stored = share_app.extensions["result_store"].get(first.get_json()["id"])
    second = save(share_client, "validate", EVENT_WITH_ERROR, token, headers)

    assert first.status_code == 201
    assert first.get_json()["created"] is True
    assert second.status_code == 200
    assert second.get_json() == {**first.get_json(), "created": False}
    assert share_app.extensions["result_store"].get(stored.id) == stored


def test_compare_permalink_page(share_client):
    location = save_compare_sample(share_client)
    html = share_client.get(location).get_data(as_text=True)
    summary = share_client.post("/api/map?version=1.8.0", data=sample_text(MDE_SAMPLE)) \
        .get_json()["summary"]

    assert "<h1>Saved comparison</h1>" in html
    assert "<dt>OCSF version used</dt><dd>1.8.0</dd>" in html
    assert "<dt>Format chosen</dt><dd>detect from content</dd>" in html
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[\d:.]+\+00:00">', html)
    assert "Microsoft Defender for Endpoint DeviceEvents" in html
    assert summary["sentence"] in html
    assert "inventory.py: list listening sockets" in html  # input and mapped events
    assert "process.cmd_line" in html
    assert "Save and share" not in html
    assert '<button type="button" class="copy-markdown" data-source="share-markdown-text" hidden>' \
        in html
    assert re.search(r'<textarea id="share-markdown-text" readonly[^>]*>### OCSF mapping', html)


def test_permalink_matches_live_page(share_client):
    text = sample_text(MDE_SAMPLE)
    live = share_client.post("/compare", data={"text": text, "version": "1.8.0"},
                             headers={"HX-Request": "true"}).get_data(as_text=True)
    saved = share_client.get(save_compare_sample(share_client)).get_data(as_text=True)

    live_result = live.split('<div class="save-share">')[0].strip()
    saved_result = saved.split('<section id="result">')[1].rsplit("</section>", 1)[0].strip()
    assert saved_result == live_result


def test_compare_permalink_json(share_client):
    location = save_compare_sample(share_client)
    data = share_client.get(location + ".json").get_json()
    live = share_client.post("/api/map?version=1.8.0", data=sample_text(MDE_SAMPLE)).get_json()

    assert data["id"] == location.rsplit("/", 1)[1]
    assert data["url"] == f"http://localhost{location}"
    assert data["kind"] == "compare"
    assert data["schema_version"] == "1.8.0"
    assert data["options"] == {"format": "auto", "version": "1.8.0"}
    assert data["input"] == sample_text(MDE_SAMPLE)
    assert data["created_at"].endswith("+00:00")
    assert data["result"] == live
    assert data["result"]["format"] == "mde_deviceevents"


def test_compare_permalink_markdown(share_client):
    location = save_compare_sample(share_client)
    response = share_client.get(location + ".md")
    markdown = response.get_data(as_text=True)
    live = share_client.post("/api/map?version=1.8.0", data=sample_text(MDE_SAMPLE)).get_json()
    verdicts = {side: Counter(row[f"{side}_verdict"] for event in live["events"]
                              for row in event["fidelity"])
                for side in ("script_activity", "process_activity")}
    script_text_row = next(row for row in live["events"][0]["fidelity"]
                           if row["fact"] == "script_text")

    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert markdown.startswith("### OCSF mapping comparison: Microsoft Defender for Endpoint "
                               "DeviceEvents (ScriptContent, PowerShellCommand)\n")
    sa, pa = verdicts["script_activity"], verdicts["process_activity"]
    assert (f"**Verdict:** Script Activity keeps {sa['kept']} of {sa.total()} source facts "
            f"({sa['distorted']} distorted, {sa['lost']} lost), "
            f"{live['summary']['script_activity']['valid']} of 2 events valid; "
            f"Process Activity keeps {pa['kept']} of {pa.total()} source facts "
            f"({pa['distorted']} distorted, {pa['lost']} lost), "
            f"{live['summary']['process_activity']['valid']} of 2 events valid. "
            "OCSF 1.8.0.") in markdown
    assert pa["kept"] < pa.total()  # the sample shows what Process Activity distorts
    assert f"\n{live['summary']['sentence']}.\n" in markdown
    assert "| Source fact | Source field | Script Activity | Process Activity | Why |" in markdown
    assert (f"| {script_text_row['label']} | AdditionalFields.ScriptContent | "
            "kept: script.script\\_content.value | "
            f"{script_text_row['process_activity_verdict']}: process.cmd\\_line |") in markdown
    assert "| shebang '\\#\\!/usr/bin/bash' |" in markdown
    assert "#### Event 1 (source line 67)" in markdown
    assert '    echo "usage: $0 IFACE start|stop"' in markdown  # the script, in a code block
    assert markdown.rstrip().endswith(f"[http://localhost{location}](http://localhost{location})")


def test_mapping_findings_in_markdown(share_client):
    location = save_compare_sample(share_client)
    markdown = share_client.get(location + ".md").get_data(as_text=True)
    live = share_client.post("/api/map?version=1.8.0", data=sample_text(MDE_SAMPLE)).get_json()
    findings = [(title, finding) for event in live["events"]
                for side, title in (("script_activity", "Script Activity"),
                                    ("process_activity", "Process Activity"))
                for finding in ((event[side] or {}).get("validation") or {}).get("errors", [])]

    if not findings:
        assert "Findings:" not in markdown
        return
    title, finding = findings[0]
    code = finding["error"].replace("_", "\\_")
    assert "| Mapping | Severity | Code | Path | Line:col | Message |" in markdown
    assert f"| {title} | error | {code} |" in markdown


def test_markdown_escapes_text(share_client):
    hostile = "<img src=x onerror=alert(1)> `tick` | pipe </script>"
    text = script_event(f"```\n{hostile}\n```\nGet-Process")
    compare = save(share_client, "compare", text, format="auto", version="1.8.0")
    assert compare.status_code == 303, compare.get_data(as_text=True)
    compare_md = share_client.get(compare.headers["Location"] + ".md").get_data(as_text=True)
    event = '{"class_uid": 1009, "<b>x|`y`</b>": 1}'
    validate = save(share_client, "validate", event)
    validate_md = share_client.get(validate.headers["Location"] + ".md").get_data(as_text=True)

    assert hostile in compare_md  # shown as code
    assert "\n````\n" in compare_md  # the fence is longer than the ``` in the script
    for markdown in (compare_md, validate_md):
        prose = outside_code_blocks(markdown)
        assert "<" not in prose
        assert ">" not in prose
    assert "| attribute\\_unknown | &lt;b&gt;x\\|\\`y\\`&lt;/b&gt; | 1:37 |" in validate_md


def test_long_script_shortened(share_client):
    script = "\n".join(f"Write-Output {number}" for number in range(200))
    response = save(share_client, "compare", script_event(script), format="auto",
                    version="1.8.0")
    markdown = share_client.get(response.headers["Location"] + ".md").get_data(as_text=True)

    assert "Write-Output 24\n```" in markdown
    assert "Write-Output 25" not in markdown
    assert "_Shortened: the first 25 of 200 lines" in markdown


def test_validate_permalink(share_client):
    response = save(share_client, "validate", EVENT_WITH_ERROR, missing_recommended="1")
    location = response.headers["Location"]
    html = share_client.get(location).get_data(as_text=True)
    markdown = share_client.get(location + ".md").get_data(as_text=True)
    data = share_client.get(location + ".json").get_json()

    assert "<h1>Saved validation</h1>" in html
    assert "<dt>Missing recommended attributes</dt><dd>reported</dd>" in html
    assert "attribute_required_missing" in html
    assert 'href="/classes/script_activity?version=1.8.0#attr-time"' in html
    assert 'id="e0-L1"' in html  # the source lines with findings marked
    assert data["options"] == {"version": "", "missing_recommended": True, "profiles": []}
    assert data["result"]["error_count"] >= 1
    assert markdown.startswith("### OCSF validation: 1 of 1 event invalid\n")
    assert "| 0 | error | attribute\\_required\\_missing | time | 1:1 |" in markdown
    assert '```\n{\n  "class_uid": 1009,\n  "activity_id": 1\n}\n```' in markdown


def test_saved_result_keeps_its_version(catalog, database_url, share_client):  # noqa: F811
    location = save_compare_sample(share_client)
    later = make_app(catalog, database_url).test_client()
    # A later server whose default release differs still shows what was saved.
    older_default = create_app({"TESTING": True, "DATABASE_URL": database_url,
                                "SECRET_KEY": "test-secret", "SCHEMA_VERSION": "1.4.0"})

    for client in (later, older_default.test_client()):
        data = client.get(location + ".json").get_json()
        assert data["schema_version"] == "1.8.0"
        assert data["result"]["schema_version"] == "1.8.0"
    assert "<dd>1.8.0</dd>" in older_default.test_client().get(location).get_data(as_text=True)


def test_unknown_id_is_404(share_client):
    page = share_client.get("/r/aaaaaaaaaa")
    data = share_client.get("/r/aaaaaaaaaa.json")
    markdown = share_client.get("/r/aaaaaaaaaa.md")
    malformed = share_client.get("/r/NOT-AN-ID")

    assert page.status_code == 404
    assert "no saved result has the id &#39;aaaaaaaaaa&#39;" in page.get_data(as_text=True)
    assert data.status_code == 404
    assert data.get_json()["message"] == "no saved result has the id 'aaaaaaaaaa'; check the link"
    assert markdown.status_code == 404
    assert malformed.status_code == 404


def test_save_needs_csrf_token(share_client):
    missing = share_client.post("/r", data={"kind": "validate", "text": EVENT_WITH_ERROR})
    token = form_token(share_client)
    wrong = save(share_client, "validate", EVENT_WITH_ERROR, token="x" * len(token))
    fresh_client = share_client.application.test_client()
    other_session = save(fresh_client, "validate", EVENT_WITH_ERROR, token=token)

    assert missing.status_code == 403
    assert "csrf_token" in missing.get_data(as_text=True)
    assert wrong.status_code == 403
    assert "does not match this session" in wrong.get_data(as_text=True)
    assert other_session.status_code == 403
    assert "session has no CSRF token" in other_session.get_data(as_text=True)


def test_save_checks_origin(share_client):
    token = form_token(share_client)
    foreign = save(share_client, "validate", EVENT_WITH_ERROR, token,
                   {"Origin": "https://attacker.example"})
    opaque = save(share_client, "validate", EVENT_WITH_ERROR, token, {"Origin": "null"})
    foreign_referer = save(share_client, "validate", EVENT_WITH_ERROR, token,
                           {"Referer": "https://attacker.example/page"})
    same_site = save(share_client, "validate", EVENT_WITH_ERROR, token,
                     {"Origin": "http://localhost", "Referer": "http://localhost/validate"})

    assert foreign.status_code == 403
    assert "Origin header 'https://attacker.example' is not this site" \
        in foreign.get_data(as_text=True).replace("&#39;", "'")
    assert opaque.status_code == 403
    assert foreign_referer.status_code == 403
    assert same_site.status_code == 303


def test_read_only_posts_need_no_token(share_client):
    assert share_client.post("/validate", data={"text": EVENT_WITH_ERROR}).status_code == 200
    assert share_client.post("/api/validate", data=EVENT_WITH_ERROR).status_code == 200
    text = sample_text(MDE_SAMPLE)
    assert share_client.post("/compare", data={"text": text}).status_code == 200
    assert share_client.post("/api/map", data=text).status_code == 200


def test_save_rate_limit(catalog, database_url):  # noqa: F811
    client = make_app(catalog, database_url, SAVES_PER_MINUTE=3).test_client()
    token = form_token(client)
    statuses = [save(client, "validate", EVENT_WITH_ERROR, token).status_code
                for _ in range(3)]
    limited = save(client, "validate", EVENT_WITH_ERROR, token)

    assert statuses == [303, 303, 303]
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert "too many saves from 127.0.0.1: at most 3 per minute are accepted" \
        in limited.get_data(as_text=True)


def test_rate_limiter_window():
    now = [100.0]
    limiter = RateLimiter(2, window=60.0, clock=lambda: now[0])

    assert limiter.acquire("a") == 0
    assert limiter.acquire("a") == 0
    assert limiter.acquire("a") == pytest.approx(60.0)
    assert limiter.acquire("b") == 0  # each address has its own count
    now[0] += 30
    assert limiter.acquire("a") == pytest.approx(30.0)  # a rejected save is not counted
    now[0] += 30
    assert limiter.acquire("a") == 0
    assert RateLimiter(0).acquire("a") == 0  # 0 turns the limit off


def test_save_size_limit(catalog, database_url):  # noqa: F811
    client = make_app(catalog, database_url, SAVE_MAX_INPUT_BYTES=200).test_client()
    large = json.dumps([{"class_uid": 1009, "message": "é" * 100}])
    page = client.post("/validate", data={"text": large}).get_data(as_text=True)
    token = form_token(client)
    response = save(client, "validate", large, token)

    assert "Save and share" not in page
    assert "saved results hold at most 200 bytes" in page
    assert response.status_code == 413
    assert f"the input is {len(large.encode()):,} bytes, but a saved result may hold at most " \
           "200 bytes" in response.get_data(as_text=True)


def test_save_form_carries_options(share_client):
    html = share_client.post("/validate", data={"text": EVENT_WITH_ERROR, "version": "1.4.0",
                                                "missing_recommended": "1",
                                                "profiles": "host"}).get_data(as_text=True)
    form = html.split('<form method="post" action="/r">')[1].split("</form>")[0]

    assert '<input type="hidden" name="kind" value="validate">' in form
    assert '<input type="hidden" name="version" value="1.4.0">' in form
    assert '<input type="hidden" name="missing_recommended" value="1">' in form
    assert '<input type="hidden" name="profiles" value="host">' in form
    assert "&#34;class_uid&#34;: 1009" in form


def test_invalid_input_is_not_saved(share_client):
    response = save(share_client, "validate", '{"a": ')
    unknown_kind = save(share_client, "explore", EVENT_WITH_ERROR)
    nul = save(share_client, "validate", '{"class_uid": 1009}\n\x00')

    assert response.status_code == 400
    assert "line 1, column 7" in response.get_data(as_text=True)
    assert unknown_kind.status_code == 400
    assert "unknown result kind &#39;explore&#39;" in unknown_kind.get_data(as_text=True)
    assert nul.status_code == 400
    assert "NUL character (U+0000) at line 2" in nul.get_data(as_text=True)


def test_store_failure_is_503(catalog, tmp_path):
    url = f"postgresql://nobody@/none?host={tmp_path / 'no-such-dir'}"
    client = make_app(catalog, url).test_client()
    response = save(client, "validate", EVENT_WITH_ERROR)
    page = client.get("/r/aaaaaaaaaa")

    assert response.status_code == 503
    assert "saved results are unavailable: saving failed" in response.get_data(as_text=True)
    assert page.status_code == 503


def test_health_alias(share_client):
    assert share_client.get("/health").get_json() == share_client.get("/api/health").get_json()


def test_permalink_has_no_inline_script(share_client):
    html = share_client.get(save_compare_sample(share_client)).get_data(as_text=True)

    assert "<style" not in html
    assert " style=" not in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []


# --- crash safety: saves acknowledged by a killed gunicorn are all readable after restart

GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(port: int, method: str, path: str, body: str | None = None,
             headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _start_gunicorn(port: int, database: Path, log: Path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update({"OCSF_WORKBENCH_DATABASE_URL": f"sqlite:///{database}",
                "OCSF_WORKBENCH_SECRET_KEY": "crash-test-secret",
                "OCSF_WORKBENCH_SAVES_PER_MINUTE": "0"})
    with log.open("ab") as output:
        server = subprocess.Popen(
            [str(GUNICORN), "-w", "2", "-b", f"127.0.0.1:{port}", "--graceful-timeout", "3",
             "webapp:create_app()"], cwd=ROOT, env=env, stdout=output, stderr=output)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, f"gunicorn exited: {log.read_text()[-2000:]}"
        try:
            if _request(port, "GET", "/health")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    server.kill()
    raise AssertionError(f"gunicorn did not answer /health in 30 s: {log.read_text()[-2000:]}")


def _worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def _kill_group(server: subprocess.Popen) -> None:
    """SIGKILL the gunicorn master and then each of its workers, by process id."""
    workers = _worker_pids(server.pid)
    os.kill(server.pid, signal.SIGKILL)
    for pid in workers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    server.wait(10)


def _session(port: int) -> tuple[str, str]:
    """Return (cookie header, CSRF token) from a validate result page."""
    body = urlencode({"text": EVENT_WITH_ERROR})
    status, headers, html = _request(port, "POST", "/validate", body,
                                     {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200
    cookie = SimpleCookie(headers["Set-Cookie"])
    token = re.search(rb'name="csrf_token" value="([^"]+)"', html).group(1).decode()
    return f"session={cookie['session'].value}", token


@pytest.mark.skipif(not GUNICORN.exists() or not Path("/proc/self/task").exists(),
                    reason="needs gunicorn in the virtual environment and Linux /proc")
def test_saves_survive_kill_9(tmp_path):
    database = tmp_path / "saved.sqlite3"
    log = tmp_path / "gunicorn.log"
    port = _free_port()
    server = _start_gunicorn(port, database, log)
    acknowledged: dict[str, str] = {}  # id -> input
    unexpected: list[int] = []  # statuses other than 2xx before the kill
    lock = threading.Lock()
    stop = threading.Event()
    try:
        cookie, token = _session(port)

        def save_loop(worker: int) -> None:
            number = 0
            while not stop.is_set():
                number += 1
                text = json.dumps({"class_uid": 1009, "metadata": {"uid": f"{worker}-{number}"},
                                   "message": "x" * (number % 7 * 1000)}, indent=2)
                body = urlencode({"csrf_token": token, "kind": "validate", "text": text})
                try:
                    status, _, answer = _request(port, "POST", "/r", body, {
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Accept": "application/json", "Cookie": cookie})
                except (OSError, http.client.HTTPException):
                    continue  # the server is being killed; this save was not acknowledged
                with lock:
                    if 200 <= status < 300:
                        acknowledged[json.loads(answer)["id"]] = text
                    else:
                        unexpected.append(status)

        threads = [threading.Thread(target=save_loop, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 15
        while len(acknowledged) < 120 and time.monotonic() < deadline:
            time.sleep(0.05)
        _kill_group(server)  # while the threads are still saving
        stop.set()
        for thread in threads:
            thread.join(15)
        assert unexpected == [], [line for line in log.read_text().splitlines()
                                  if " ERROR " in line or " 503 " in line]
        assert len(acknowledged) >= 10, f"too few saves before the kill: {log.read_text()[-2000:]}"

        port = _free_port()
        server = _start_gunicorn(port, database, log)
        for result_id, text in acknowledged.items():
            status, _, body = _request(port, "GET", f"/r/{result_id}.json")
            assert status == 200, result_id
            data = json.loads(body)
            assert data["input"] == text
            assert result_digest("validate", data["input"], data["options"]).startswith(result_id)
            assert data["result"]["event_count"] == 1
        with sqlite3.connect(database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        stop.set()
        if server.poll() is None:
            _kill_group(server)


def test_result_size_limit_is_413(catalog, tmp_path):
    app = make_app(catalog, f"sqlite:///{tmp_path / 'r.sqlite3'}", SAVE_MAX_RESULT_BYTES=500)
    client = app.test_client()
    page = client.get("/validate")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.post(
        "/validate", data={"text": EVENT_WITH_ERROR}).get_data(as_text=True)).group(1)
    response = client.post("/r", data={"csrf_token": token, "kind": "validate",
                                       "text": EVENT_WITH_ERROR})

    assert page.status_code == 200
    assert response.status_code == 413
    assert "SAVE_MAX_RESULT_BYTES" in response.get_data(as_text=True)
