"""Compare page in the browser: both mappings of an MDE export and their fidelity tables."""

import json
import re

import pytest
from playwright.sync_api import Locator, expect

from ..conftest import sample_text
from .support import save_screenshot, submit_form

pytestmark = pytest.mark.browser

SAMPLE = "mde/log_analytics_export_scriptcontent.json"


def verdicts(table: Locator) -> dict[str, tuple[str, str]]:
    """Map each fidelity row's source fact to its (Script Activity, Process Activity) verdicts."""
    result = {}
    for row in table.locator("tbody tr").all():
        fact = row.locator("td").nth(0).inner_text().strip()
        script = row.locator("td").nth(2).locator(".verdict").inner_text()
        process = row.locator("td").nth(3).locator(".verdict").inner_text()
        result[fact] = (script, process)
    return result


def heading(side: Locator) -> str:
    return " ".join(side.locator("h3").inner_text().split())


def test_mde_export_both_mappings(any_page):
    page, watch = any_page
    text = sample_text(SAMPLE)
    scripts = [row["AdditionalFields"]["ScriptContent"] for row in json.loads(text)]
    page.goto("/compare")
    page.fill("#text", text)

    response = submit_form(page, "Map and compare", watch.java_script)

    assert response.status == 200
    expect(page.locator("#result .summary")).to_contain_text("mde_deviceevents")
    articles = page.locator("#result article.comparison")
    expect(articles).to_have_count(2)
    for index, article in enumerate(articles.all()):
        script_side = article.locator("section.side.script_activity")
        process_side = article.locator("section.side.process_activity")
        assert heading(script_side) == "Script Activity — valid"
        assert re.fullmatch(r"Process Activity — (valid|\d+ errors?)(, \d+ warnings?)?",
                            heading(process_side))

        script_event = json.loads(script_side.locator("pre.ocsf").inner_text())
        process_event = json.loads(process_side.locator("pre.ocsf").inner_text())
        assert script_event["class_uid"] == 1009
        assert script_event["script"]["script_content"]["value"] == scripts[index]
        assert process_event["class_uid"] == 1007
        assert process_event["process"]["cmd_line"] == scripts[index]

        table = article.locator("table.fidelity")
        rows = verdicts(table)
        assert rows["script text"] == ("kept", "distorted")
        assert rows["script hash"] == ("kept", "lost")
        assert rows["host name"] == ("kept", "kept")
        assert {verdict for pair in rows.values() for verdict in pair} == {
            "kept", "distorted", "lost"}
        for verdict in ("kept", "distorted", "lost"):
            assert table.locator(f"td.{verdict} .verdict").count() > 0

    if watch.java_script:
        save_screenshot(page, "compare_result.png")
    watch.assert_clean(page)


def test_compare_page_fits_viewport(js_page):
    page, watch = js_page
    page.goto("/compare")
    page.fill("#text", sample_text(SAMPLE))
    submit_form(page, "Map and compare", java_script=True)

    page_width = page.evaluate("() => document.documentElement.scrollWidth")

    assert page_width <= page.viewport_size["width"]
    watch.assert_clean(page)


def test_unrecognized_input_message(any_page):
    page, watch = any_page
    page.goto("/compare")
    page.fill("#text", '{"hello": "world"}')

    response = submit_form(page, "Map and compare", watch.java_script)

    assert response.status == 400
    expect(page.locator("#result .error-box")).to_contain_text(
        "Cannot map this input: the input matches none of the supported formats")
    assert page.locator("#result article").count() == 0
    assert page.locator("h1").count() == 1
    watch.assert_clean(page, allowed_statuses=(400,))


def test_invalid_json_message(js_page):
    page, watch = js_page
    page.goto("/compare")
    page.fill("#text", '[{"ActionType": "ScriptContent",\n  "DeviceId": }]')

    response = submit_form(page, "Map and compare", java_script=True)

    assert response.status == 400
    error = page.locator("#result .error-box")
    expect(error).to_contain_text("Cannot map this input")
    expect(error).to_contain_text("line 2")
    watch.assert_clean(page, allowed_statuses=(400,))


def test_save_permalink_and_copy_markdown(browser, js_page):
    page, watch = js_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/compare")
    page.fill("#text", sample_text(SAMPLE))
    submit_form(page, "Map and compare", True)
    expect(page.locator("#result article.comparison")).to_have_count(2)

    with page.expect_navigation():
        page.get_by_role("button", name="Save and share").click()
    permalink = page.url
    assert re.search(r"/r/[A-Za-z0-9]+$", permalink)

    fresh = browser.new_context(base_url=permalink.split("/r/")[0])
    fresh.grant_permissions(["clipboard-read", "clipboard-write"])
    other = fresh.new_page()
    other.goto(permalink)
    expect(other.locator("article.comparison")).to_have_count(2)
    expect(other.locator("body")).to_contain_text("Script Activity")
    other.get_by_role("button", name="Copy as Markdown").click()
    expect(other.locator(".copy-status")).to_have_text("Copied.")
    copied = other.evaluate("navigator.clipboard.readText()")
    textarea = other.locator("#share-markdown-text").input_value()
    markdown = other.request.get(permalink + ".md").text()
    fresh.close()

    assert copied == textarea
    assert copied.strip() == markdown.strip()
    assert permalink in copied
    assert "| " in copied
    assert "<script" not in copied.split("```")[0]
    watch.assert_clean(page)
