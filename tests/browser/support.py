"""Helpers for the browser tests: page watching, form submission and test inputs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, Response

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Runs before any page script. It records Content Security Policy violations on window so a
# test can read them, including ones that happen before the test looks.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
    " at " + event.sourceFile + ":" + event.lineNumber);
});
"""

SWAP_TIMEOUT_MS = 10_000

# Chromium logs this for every 4xx or 5xx response, including the ones a test provokes.
HTTP_ERROR_LOG = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")


@dataclass
class PageWatch:
    """Dialogs, console errors and uncaught exceptions seen by one page."""

    java_script: bool
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("dialog", self._on_dialog)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _on_console(self, message) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            self.console_errors.append(message.text)

    def csp_violations(self, page: Page) -> list[str]:
        """Return the violations recorded by CSP_RECORDER, or none when JavaScript is off."""
        if not self.java_script:
            return []
        recorded = page.evaluate("window.__cspViolations")
        assert recorded is not None, "the securitypolicyviolation recorder is not installed"
        return recorded

    def assert_clean(self, page: Page, allowed_statuses: tuple[int, ...] = ()) -> None:
        """Fail on any dialog, CSP violation, uncaught exception or unexpected console error.

        ``allowed_statuses`` lists HTTP statuses the test provoked on purpose, so Chromium's
        "Failed to load resource" line for them is not an error.
        """
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        csp_messages = [m for m in self.console_errors if "Content Security Policy" in m]
        assert csp_messages == [], f"CSP console errors: {csp_messages}"
        assert self.csp_violations(page) == [], "securitypolicyviolation events fired"
        assert self.page_errors == [], f"uncaught JavaScript errors: {self.page_errors}"
        unexpected = []
        for message in self.console_errors:
            status = HTTP_ERROR_LOG.search(message)
            if status and int(status.group(1)) in allowed_statuses:
                continue
            unexpected.append(message)
        assert unexpected == [], f"console errors: {unexpected}"


def mark_page(page: Page) -> None:
    """Set a marker on window that survives an htmx swap but not a page load."""
    page.evaluate("window.__sameDocument = true")


def is_same_document(page: Page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def expect_htmx_swap(page: Page, action: Callable[[], None]) -> Response:
    """Run ``action``, wait until htmx has sent its request and settled the swap.

    Fails when the request lacks ``HX-Request: true`` or when the page reloaded, because
    then the page worked without htmx and the partial response was never exercised.
    """
    mark_page(page)
    # A promise, because wait_for_function evaluates a string and the page's CSP forbids eval.
    page.evaluate("""timeout => {
      window.__htmxSettled = new Promise((resolve, reject) => {
        document.addEventListener("htmx:afterSettle", () => resolve(true), {once: true});
        setTimeout(() => reject(new Error("htmx did not settle a swap")), timeout);
      });
    }""", SWAP_TIMEOUT_MS)
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true") as info:
        action()
    assert page.evaluate("() => window.__htmxSettled") is True
    assert is_same_document(page), "the page reloaded although htmx should swap a region"
    return info.value


def submit_form(page: Page, button_name: str, java_script: bool) -> Response:
    """Click a form's submit button and return the POST response once the page shows it.

    With JavaScript, htmx sends the form and swaps only the result region. Without it, the
    browser posts the form and loads the full page.
    """
    button = page.get_by_role("button", name=button_name, exact=True)
    if java_script:
        response = expect_htmx_swap(page, button.click)
        assert "<html" not in response.text(), "htmx received a full page, not the partial"
    else:
        with page.expect_navigation() as info:
            button.click()
        response = info.value
        page.wait_for_load_state()
        assert "<html" in response.text(), "the form post did not return a full page"
    assert response.request.method == "POST"
    return response


def save_screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


# A valid Script Activity event, written out so the line numbers in tests are visible.
VALID_EVENT = """{
  "class_uid": 1009,
  "class_name": "Script Activity",
  "category_uid": 1,
  "category_name": "System Activity",
  "activity_id": 1,
  "activity_name": "Execute",
  "type_uid": 100901,
  "type_name": "Script Activity: Execute",
  "severity_id": 1,
  "severity": "Informational",
  "time": 1764840000123,
  "metadata": {
    "version": "1.8.0",
    "product": {"name": "Example EDR", "vendor_name": "Example Corp"}
  },
  "device": {"hostname": "wks-042.example.test", "type_id": 2},
  "actor": {
    "process": {"pid": 4242, "name": "pwsh", "cmd_line": "pwsh -NoProfile"},
    "user": {"name": "j.doe", "uid": "1001"}
  },
  "script": {
    "type_id": 2,
    "type": "PowerShell",
    "script_content": {"value": "Get-Date | Out-File -FilePath /tmp/now.txt"}
  }
}"""

# Line 8 has a wrong type_uid (the value starts at column 15) and line 27 an unknown
# attribute (its value starts at column 13).
INVALID_EVENT = VALID_EVENT.replace('"type_uid": 100901,', '"type_uid": 100902,').replace(
    '  }\n}', '  },\n  "colour": "blue"\n}')

SCRIPT_TAG = "<script>alert(1)</script>"
IMG_TAG = "<img src=x onerror=alert(2)>"
TEMPLATE = "tmpl-{{7*7}}"
EVALUATED_TEMPLATE = "tmpl-49"
JS_URL = "javascript:alert(3)"
# The closing textarea tag would let the rest escape the textarea that shows the pasted text.
HOSTILE_MARKUP = f"</textarea>{SCRIPT_TAG} {IMG_TAG} {TEMPLATE} {JS_URL}"
# Each hostile value carries all markup payloads, an ANSI colour escape and a NUL character.
HOSTILE = HOSTILE_MARKUP + " \u001b[31mred\u0000nul"


def hostile_ocsf_event() -> str:
    """Return a Script Activity event with hostile text in displayed fields and names."""
    event = json.loads(VALID_EVENT)
    event["device"]["hostname"] = "host-" + HOSTILE
    event["actor"]["user"]["name"] = "user-" + HOSTILE
    event["actor"]["process"]["cmd_line"] = "pwsh -c " + HOSTILE
    event["script"]["script_content"]["value"] = "Write-Host '" + HOSTILE + "'"
    event["metadata"]["product"]["url_string"] = JS_URL
    # An unknown attribute name is echoed in the finding's attribute cell and message.
    event["attr-" + HOSTILE] = HOSTILE
    return json.dumps(event, indent=2)


def hostile_vendor_row(row: dict) -> str:
    """Return an MDE advanced-hunting row with hostile text in the fields the mapping shows."""
    row = dict(row)
    row["DeviceName"] = "host-" + HOSTILE
    row["InitiatingProcessAccountName"] = "user-" + HOSTILE
    row["InitiatingProcessCommandLine"] = "powershell.exe -c " + HOSTILE
    row["FolderPath"] = JS_URL
    row["FileOriginUrl"] = JS_URL
    additional = json.loads(row["AdditionalFields"])
    additional["ScriptContent"] = f"Write-Host '{HOSTILE}'\n<a href=\"{JS_URL}\">x</a>"
    row["AdditionalFields"] = json.dumps(additional)
    row["Extra-" + HOSTILE] = HOSTILE
    return json.dumps(row, indent=2)
