"""The conformance page: paste or upload events, see findings at their lines."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, request

from webapp.catalog.sample import SampleError, build_sample
from webapp.conformance import CheckOptions, JsonInputError, validate_text
from webapp.conformance.bulk import BULK_THRESHOLD, validate_bulk
from webapp.conformance.deadline import TimeBudgetExceeded, time_budget

from ..errors import BadInput
from .rendering import catalog, read_text_input, render_page

bp = Blueprint("validate", __name__)


def options_from_request() -> CheckOptions:
    version = request.values.get("version") or None
    if version and not catalog().has(version):
        raise BadInput(f"unknown OCSF version {version!r}; available: "
                       f"{', '.join(catalog().versions)}")
    profiles = tuple(p.strip() for p in request.values.get("profiles", "").split(",")
                     if p.strip())
    known = catalog().get(version).profiles
    unknown = [name for name in profiles if name not in known]
    if unknown:
        raise BadInput(f"unknown profile {unknown[0]!r}; profiles of this OCSF version: "
                       f"{', '.join(sorted(known))}")
    return CheckOptions(
        schema_version=version,
        missing_recommended=request.values.get("missing_recommended") in ("1", "true", "on"),
        extra_profiles=profiles,
    )


def run_validation(text: str, options: CheckOptions, accept_bundle: bool = False):
    """Validate text; raise :class:`BadInput` for unreadable input or too many events."""
    try:
        with time_budget(current_app.config["REQUEST_TIME_LIMIT"]):
            # A server-style bundle {"events": [...]} is one object: read it in full.
            bundle = accept_bundle and text.lstrip().startswith("{") and '"events"' in text
            if len(text) > BULK_THRESHOLD and not options.missing_recommended and not bundle:
                result = validate_bulk(text.encode("utf-8"), catalog(), options,
                                       full_check=lambda whole: validate_text(
                                           whole, catalog(), options))
            else:
                result = validate_text(text, catalog(), options, accept_bundle=accept_bundle)
    except TimeBudgetExceeded as error:
        raise BadInput(f"{error}; split the input into smaller parts", status=413) from None
    except JsonInputError as error:
        raise BadInput(f"invalid JSON: {error.reason} at line {error.line}, "
                       f"column {error.column}", line=error.line, column=error.column) from None
    limit = current_app.config["MAX_EVENTS"]
    if len(result.events) > limit:
        raise BadInput(f"the input contains {len(result.events):,} events; the limit is {limit:,}",
                       status=413)
    return result


@bp.get("/validate")
def form():
    """Show the form; ``?sample=<class>`` fills it with that class's sample event."""
    text = ""
    class_name = request.args.get("sample")
    if class_name:
        text = json.dumps(_sample_event(class_name), indent=2, ensure_ascii=False)
    return render_page("validate/page.html", text=text, result=None, error=None)


def _sample_event(class_name: str) -> dict:
    version = request.args.get("version") or None
    if version and not catalog().has(version):
        raise BadInput(f"unknown OCSF version {version!r}", status=404)
    release = catalog().get(version)
    schema = release.classes.get(class_name)
    if schema is None:
        raise BadInput(f"OCSF {release.version} has no class named {class_name!r}", status=404)
    profiles = [p for p in request.args.get("profiles", "").split(",") if p]
    try:
        return build_sample(release, schema, profiles)
    except SampleError as error:
        raise BadInput(str(error)) from None


@bp.post("/validate")
def submit():
    options = options_from_request()
    text, _ = read_text_input()
    try:
        result = run_validation(text, options)
    except BadInput as error:
        if error.status == 413:
            raise
        return render_page("validate/page.html", "validate/_report.html", status=error.status,
                           text=text, result=None, error=error)
    lines = text.split("\n")
    return render_page("validate/page.html", "validate/_report.html", text=text, result=result,
                       lines=lines, error=None,
                       shown=current_app.config["EVENTS_SHOWN"])
