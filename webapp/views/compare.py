"""The comparison page: one vendor event mapped as Script Activity and as Process Activity."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, request

from webapp.conformance.deadline import TimeBudgetExceeded, time_budget
from webapp.mapping import map_text
from webapp.vendors import InputError, UnrecognizedInput, all_formats

from ..errors import BadInput
from .rendering import catalog, read_text_input, render_page

bp = Blueprint("compare", __name__)


# Strings longer than this are cut in the rendered events; downloads keep them whole.
SHOWN_STRING_CHARS = 20_000


def shorten_strings(value):
    """Return a copy of an event with very long strings cut, for display only."""
    if isinstance(value, dict):
        return {key: shorten_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shorten_strings(item) for item in value]
    if isinstance(value, str) and len(value) > SHOWN_STRING_CHARS:
        hidden = len(value) - SHOWN_STRING_CHARS
        return (value[:SHOWN_STRING_CHARS] + f"… [{hidden:,} more characters not shown; "
                "the NDJSON download has the whole event]")
    return value


def format_choices() -> list[dict]:
    return [{"id": module.FORMAT_ID, "title": module.TITLE} for module in all_formats()]


def run_mapping(text: str, format_id: str, version: str | None):
    """Map vendor text; raise :class:`BadInput` with a clear message for bad input."""
    if version and not catalog().has(version):
        raise BadInput(f"unknown OCSF version {version!r}; available: "
                       f"{', '.join(catalog().versions)}")
    if format_id != "auto" and format_id not in {f["id"] for f in format_choices()}:
        raise BadInput(f"unknown format {format_id!r}; known formats: "
                       f"{', '.join(f['id'] for f in format_choices())}")
    try:
        with time_budget(current_app.config["REQUEST_TIME_LIMIT"]):
            result = map_text(text, catalog(), format_id, version)
    except TimeBudgetExceeded as error:
        raise BadInput(f"{error}; split the input into smaller parts", status=413) from None
    except UnrecognizedInput as error:
        raise BadInput(str(error), details={"formats_tried": error.tried,
                                            "closest": error.closest,
                                            "missing": error.missing}) from None
    except InputError as error:
        raise BadInput(str(error), line=error.line, column=error.column) from None
    limit = current_app.config["MAX_EVENTS"]
    if len(result.events) > limit:
        raise BadInput(f"the input contains {len(result.events):,} events; the limit is {limit:,}",
                       status=413)
    return result


@bp.get("/compare")
def form():
    return render_page("compare/page.html", text="", result=None, error=None,
                       formats=format_choices(), chosen="auto")


@bp.post("/compare")
def submit():
    text, _ = read_text_input()
    chosen = request.values.get("format", "auto")
    try:
        result = run_mapping(text, chosen, request.values.get("version") or None)
    except BadInput as error:
        if error.status == 413:
            raise
        return render_page("compare/page.html", "compare/_result.html", status=error.status,
                           text=text, result=None, error=error, formats=format_choices(),
                           chosen=chosen)
    data = result.to_json()
    pretty = [
        {side: json.dumps(shorten_strings(event[side]["event"]), indent=2, ensure_ascii=False)
         if event[side] else None for side in ("script_activity", "process_activity")}
        for event in data["events"][:current_app.config["EVENTS_SHOWN"]]
    ]
    return render_page("compare/page.html", "compare/_result.html", text=text, result=result,
                       data=data, pretty=pretty, error=None, formats=format_choices(),
                       chosen=chosen, shown=current_app.config["EVENTS_SHOWN"])


@bp.post("/compare/ndjson")
def download_ndjson():
    """Return one mapping of every event as NDJSON, as a file download."""
    side = request.values.get("side", "script_activity")
    if side not in ("script_activity", "process_activity"):
        raise BadInput("side must be script_activity or process_activity")
    text, _ = read_text_input()
    result = run_mapping(text, request.values.get("format", "auto"),
                         request.values.get("version") or None)
    lines = []
    for event in result.events:
        mapped = event.script if side == "script_activity" else event.process
        if mapped.event is not None:
            lines.append(json.dumps(mapped.event, ensure_ascii=False))
    body = "\n".join(lines) + ("\n" if lines else "")
    response = current_app.response_class(body, mimetype="application/x-ndjson")
    name = f"{result.parsed.format_id}-{side}.ndjson"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
