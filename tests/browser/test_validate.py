"""Validate page in the browser: findings at line:column, fixing the event, error messages."""

import pytest
from playwright.sync_api import Page, expect

from .conftest import MAX_CONTENT_LENGTH
from .support import INVALID_EVENT, VALID_EVENT, save_screenshot, submit_form

pytestmark = pytest.mark.browser


def findings(page: Page) -> list[tuple[str, str, str]]:
    """Return (code, attribute, line:col) of every row in the findings tables."""
    rows = []
    for row in page.locator("#report table.findings tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        rows.append((cells[1].strip(), cells[2].strip(), cells[3].strip()))
    return rows


def test_invalid_then_fixed(any_page):
    page, watch = any_page
    page.goto("/validate")
    page.fill("#text", INVALID_EVENT)

    response = submit_form(page, "Validate", watch.java_script)

    assert response.status == 200
    found = findings(page)
    assert ("type_uid_incorrect", "type_uid", "8:15") in found
    assert ("attribute_unknown", "colour", "27:13") in found
    assert all(code != "attribute_required_missing" for code, _, _ in found)
    expect(page.locator("#report article.event h2 .bad")).to_have_text(f"{len(found)} errors")
    expect(page.locator("#e0-L8")).to_have_class("line error")
    expect(page.locator("#e0-L8")).to_contain_text('"type_uid": 100902,')
    expect(page.locator("#e0-L27")).to_have_class("line error")
    expect(page.locator("#e0-L9")).to_have_class("line ")
    expect(page.locator("#text")).to_have_value(INVALID_EVENT)
    assert page.locator("h1").count() == 1
    if watch.java_script:
        save_screenshot(page, "validate_report.png")

    page.get_by_role("link", name="8:15").first.click()
    assert page.url.endswith("#e0-L8")

    page.fill("#text", VALID_EVENT)
    response = submit_form(page, "Validate", watch.java_script)

    assert response.status == 200
    assert findings(page) == []
    expect(page.locator("#report article.event h2 .ok")).to_have_text("valid")
    expect(page.locator("#report .summary")).to_contain_text(
        "1 events, 1 valid, 0 errors, 0 warnings.")
    watch.assert_clean(page)


def test_invalid_json_shows_message(any_page):
    page, watch = any_page
    page.goto("/validate")
    page.fill("#text", '{\n  "class_uid": 1009,\n  "time": \n}')

    response = submit_form(page, "Validate", watch.java_script)

    assert response.status == 400
    error = page.locator("#report .error-box")
    expect(error).to_contain_text("Invalid input: invalid JSON")
    expect(error).to_contain_text("at line 4, column 1")
    assert page.locator("h1").count() == 1
    assert page.locator("#report article").count() == 0
    watch.assert_clean(page, allowed_statuses=(400,))


def test_htmx_error_then_success(js_page):
    page, watch = js_page
    page.goto("/validate")
    page.fill("#text", "[1, 2")
    submit_form(page, "Validate", java_script=True)
    expect(page.locator("#report .error-box")).to_be_visible()

    page.fill("#text", VALID_EVENT)
    submit_form(page, "Validate", java_script=True)

    assert page.locator("#report .error-box").count() == 0
    expect(page.locator("#report article.event h2 .ok")).to_have_text("valid")
    watch.assert_clean(page, allowed_statuses=(400,))


def test_too_large_input_message(js_page):
    page, watch = js_page
    page.goto("/validate")
    too_large = "[" + ",".join(['{"class_uid": 1009}'] * (MAX_CONTENT_LENGTH // 20 + 1000)) + "]"
    # fill() timed out on a megabyte of text, so the value is set directly.
    page.locator("#text").evaluate("(textarea, text) => { textarea.value = text; }", too_large)

    response = submit_form(page, "Validate", java_script=True)

    assert response.status == 413
    expect(page.locator("#report .error-box")).to_contain_text(
        f"larger than the limit of {MAX_CONTENT_LENGTH:,} bytes")
    assert page.locator("h1").count() == 1
    watch.assert_clean(page, allowed_statuses=(413,))
