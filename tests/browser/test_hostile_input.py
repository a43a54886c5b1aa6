"""Hostile text in events and vendor rows is shown literally and never runs.

Each payload sits in fields the result pages display: script text, host and user names,
command lines, attribute names and values. A test fails when a dialog opens, a CSP violation
is logged or recorded, an injected element reaches the DOM, or the text is not shown as typed.
"""

import json

import pytest
from playwright.sync_api import Page

from ..conftest import sample_text
from .support import (EVALUATED_TEMPLATE, HOSTILE_MARKUP, IMG_TAG, JS_URL, SCRIPT_TAG, TEMPLATE,
                      hostile_ocsf_event, hostile_vendor_row, submit_form)

pytestmark = pytest.mark.browser


def assert_nothing_injected(page: Page) -> None:
    scripts = page.locator("script").evaluate_all("nodes => nodes.map(n => n.getAttribute('src'))")
    assert scripts == ["/static/vendor/htmx.min.js", "/static/js/app.js"]
    assert page.locator("img").count() == 0
    assert page.locator("[onerror]").count() == 0
    assert page.locator("a[href^='javascript:' i]").count() == 0
    assert page.locator("main a").evaluate_all(
        "links => links.filter(a => a.protocol !== 'http:').map(a => a.href)") == []


def assert_shown_literally(region_text: str) -> None:
    assert "</textarea>" in region_text
    assert SCRIPT_TAG in region_text
    assert IMG_TAG in region_text
    assert TEMPLATE in region_text
    assert EVALUATED_TEMPLATE not in region_text
    assert JS_URL in region_text


def test_hostile_event_on_validate(any_page):
    page, watch = any_page
    text = hostile_ocsf_event()
    page.goto("/validate")
    page.fill("#text", text)

    response = submit_form(page, "Validate", watch.java_script)

    assert response.status == 200
    report = page.locator("#report").inner_text()
    assert_shown_literally(report)
    # The pasted JSON escapes are listed as typed in the source lines.
    assert "\\u001b[31mred\\u0000nul" in report
    attribute_cells = page.locator("#report table.findings td:nth-child(3)").all_inner_texts()
    assert any(cell.startswith("attr-" + HOSTILE_MARKUP) for cell in attribute_cells)
    assert page.locator("#text").input_value() == text
    assert_nothing_injected(page)
    watch.assert_clean(page)


def test_hostile_vendor_row_on_compare(any_page):
    page, watch = any_page
    row = json.loads(sample_text("mde/ah_scriptcontent_powershell_fileless.json"))
    text = hostile_vendor_row(row)
    page.goto("/compare")
    page.fill("#text", text)

    response = submit_form(page, "Map and compare", watch.java_script)

    assert response.status == 200
    result = page.locator("#result").inner_text()
    assert_shown_literally(result)
    assert "Extra-" + HOSTILE_MARKUP in result
    script_event = json.loads(page.locator("section.script_activity pre.ocsf").inner_text())
    process_event = json.loads(page.locator("section.process_activity pre.ocsf").inner_text())
    script_text = json.loads(json.loads(text)["AdditionalFields"])["ScriptContent"]
    assert script_event["script"]["script_content"]["value"] == script_text
    assert process_event["process"]["cmd_line"] == script_text
    assert script_event["device"]["hostname"].startswith("host-" + HOSTILE_MARKUP)
    assert script_event["actor"]["user"]["name"].startswith("user-" + HOSTILE_MARKUP)
    assert script_event["actor"]["process"]["cmd_line"].endswith("\u001b[31mred\u0000nul")
    assert page.locator("#text").input_value() == text
    assert_nothing_injected(page)
    watch.assert_clean(page)


def test_hostile_invalid_json_redisplayed(any_page):
    page, watch = any_page
    page.goto("/validate")
    text = f'{{"{HOSTILE_MARKUP}": "{IMG_TAG}", "{TEMPLATE}": '
    page.fill("#text", text)

    response = submit_form(page, "Validate", watch.java_script)

    assert response.status == 400
    error_box = page.locator("#report .error-box")
    assert "invalid JSON" in error_box.inner_text()
    assert page.locator("#text").input_value() == text
    assert_nothing_injected(page)
    watch.assert_clean(page, allowed_statuses=(400,))


def test_checks_detect_injection(js_page):
    """The checks above must be able to fail: provoke each thing they look for."""
    page, watch = js_page
    page.goto("/validate")

    page.evaluate("() => alert('provoked')")
    page.evaluate("() => document.body.setAttribute('style', 'color: red')")
    page.evaluate("() => document.querySelector('main').append(document.createElement('img'))")

    assert watch.dialogs == ["alert: provoked"]
    assert any("style-src" in v for v in watch.csp_violations(page))
    assert any("Content Security Policy" in m for m in watch.console_errors)
    with pytest.raises(AssertionError):
        assert_nothing_injected(page)
    with pytest.raises(AssertionError):
        watch.assert_clean(page)
