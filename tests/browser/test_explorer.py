"""Schema explorer in the browser: inheritance, version switcher, profiles, type links."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from .support import expect_htmx_swap, is_same_document, mark_page, save_screenshot

pytestmark = pytest.mark.browser


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_class_page_chain_and_defined_in(js_page):
    page, watch = js_page
    page.goto("/classes/script_activity")

    assert page.locator("nav.chain").inner_text().split() == [
        "Base", "Event", "→", "System", "Activity", "→", "Script", "Activity"]
    assert page.locator("nav.chain .current").inner_text() == "Script Activity"
    expect(page.locator("h1")).to_contain_text("Script Activity")
    assert page.locator("#attr-actor td.defined-in").inner_text().startswith("System Activity")
    assert page.locator("#attr-script td.defined-in").inner_text().startswith("Script Activity")
    assert page.locator("#attr-time td.defined-in").inner_text().startswith("Base Event")
    save_screenshot(page, "class_page.png")
    watch.assert_clean(page)


def test_version_switcher_with_js(js_page):
    page, watch = js_page
    page.goto("/classes/script_activity")

    with page.expect_navigation():
        page.select_option("#version-switch", "1.4.0")

    assert query(page.url)["version"] == ["1.4.0"]
    assert urlsplit(page.url).path == "/classes/script_activity"
    expect(page.locator("h1")).to_contain_text("Script Activity")
    expect(page.locator("dl.facts")).to_contain_text("1.4.0")
    expect(page.locator("#version-switch")).to_have_value("1.4.0")
    watch.assert_clean(page)


def test_version_switcher_without_js(nojs_page):
    page, watch = nojs_page
    page.goto("/classes/script_activity")
    page.select_option("#version-switch", "1.4.0")

    with page.expect_navigation():
        page.get_by_role("button", name="Switch").click()

    assert query(page.url)["version"] == ["1.4.0"]
    expect(page.locator("h1")).to_contain_text("Script Activity")
    expect(page.locator("dl.facts")).to_contain_text("1.4.0")
    watch.assert_clean(page)


def test_profile_toggle_swaps_table(js_page):
    page, watch = js_page
    page.goto("/classes/script_activity?version=1.4.0")
    checkbox = page.locator("input[type=checkbox][name=profile][value=security_control]")
    assert page.locator("#attr-is_alert").count() == 0
    hidden_before = page.locator("#attributes .hidden-count").inner_text()

    response = expect_htmx_swap(page, checkbox.check)

    assert response.status == 200
    expect(page.locator("#attr-is_alert")).to_be_visible()
    assert page.locator("#attr-is_alert td.defined-in").inner_text() != ""
    assert page.locator("#attributes").count() == 1
    assert page.locator("#attributes .hidden-count").inner_text() != hidden_before
    assert query(page.url) == {"version": ["1.4.0"], "profile": ["security_control"]}

    expect_htmx_swap(page, checkbox.uncheck)

    assert page.locator("#attr-is_alert").count() == 0
    assert query(page.url) == {"version": ["1.4.0"]}
    assert page.locator("#attributes .hidden-count").inner_text() == hidden_before
    watch.assert_clean(page)


def test_profile_toggle_without_js(nojs_page):
    page, watch = nojs_page
    page.goto("/classes/script_activity")
    page.locator("input[type=checkbox][name=profile][value=security_control]").check()

    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()

    assert query(page.url)["profile"] == ["security_control"]
    expect(page.locator("#attr-is_alert")).to_be_visible()
    expect(page.locator("input[type=checkbox][name=profile][value=security_control]")).to_be_checked()
    watch.assert_clean(page)


def test_script_type_link_opens_object(js_page):
    page, watch = js_page
    page.goto("/classes/script_activity?version=1.4.0")
    type_link = page.locator("#attr-script td").nth(4).get_by_role("link")
    expect(type_link).to_have_text("Script")
    mark_page(page)

    with page.expect_navigation():
        type_link.click()

    assert not is_same_document(page)
    assert urlsplit(page.url).path == "/objects/script"
    assert query(page.url)["version"] == ["1.4.0"]
    expect(page.locator("h1")).to_contain_text("object script")
    expect(page.locator("#attr-script_content")).to_be_visible()
    watch.assert_clean(page)


def test_search_as_you_type_and_without_js(js_page, nojs_page):
    page, watch = js_page
    page.goto("/")
    with page.expect_response(lambda r: "/search" in r.url and
                              r.request.headers.get("hx-request") == "true"):
        page.fill("#search-q", "script_activity")
    results = page.locator("#search-results")
    expect(results).to_contain_text("Script Activity")
    assert page.url.endswith("/")
    watch.assert_clean(page)

    plain, plain_watch = nojs_page
    plain.goto("/")
    plain.fill("#search-q", "Execute")
    with plain.expect_navigation():
        plain.get_by_role("button", name="Search").click()
    assert "/search?" in plain.url
    expect(plain.locator("#search-results")).to_contain_text("Execute")
    plain_watch.assert_clean(plain)
