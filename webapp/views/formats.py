"""Pages listing the supported vendor formats and how each one is mapped."""

from __future__ import annotations

from flask import Blueprint, jsonify, url_for

from webapp.mapping.fidelity import KEPT, LOST, RULES_BY_FACT
from webapp.vendors import all_formats, format_by_id

from ..errors import BadInput
from .rendering import render_page

bp = Blueprint("formats", __name__)


def format_summary(module) -> dict:
    return {"id": module.FORMAT_ID, "title": module.TITLE,
            "description": (module.__doc__ or "").strip().split("\n\n")[0],
            "granularity": getattr(module, "GRANULARITY", "script")}


def format_mapping(module) -> dict:
    """Build the mapping table of one format from the parser's FIELDS and the fact rules."""
    data = format_summary(module)
    launches = data["granularity"] == "process"
    rows = []
    for source_field, fact in getattr(module, "FIELDS", []):
        rule = RULES_BY_FACT.get(fact)
        if rule is None:
            continue
        process_path, verdict, reason = rule.process_activity, rule.process_verdict, rule.reason
        if launches and fact == "process_cmd_line":
            process_path, verdict, reason = "process.cmd_line", KEPT, ""
        rows.append({"source": source_field, "fact": fact, "label": rule.label,
                     "script_activity": rule.script_activity,
                     "process_activity": process_path,
                     "process_activity_verdict": verdict if process_path or verdict == LOST
                     else LOST,
                     "reason": reason})
    data["fields"] = rows
    return data


@bp.get("/formats")
def index():
    formats = [format_summary(module) for module in all_formats()]
    return render_page("formats/index.html", formats=formats,
                       json_url=url_for("formats.index_json"))


@bp.get("/formats/<format_id>")
def detail(format_id: str):
    data = _mapping_or_404(format_id)
    return render_page("formats/detail.html", data=data,
                       json_url=url_for("formats.detail_json", format_id=format_id))


@bp.get("/api/formats")
def index_json():
    return jsonify([format_summary(module) for module in all_formats()])


@bp.get("/api/formats/<format_id>")
def detail_json(format_id: str):
    return jsonify(_mapping_or_404(format_id))


def _mapping_or_404(format_id: str) -> dict:
    try:
        module = format_by_id(format_id)
    except KeyError:
        known = ", ".join(module.FORMAT_ID for module in all_formats())
        raise BadInput(f"unknown format {format_id!r}; known formats: {known}",
                       status=404) from None
    return format_mapping(module)
