"""The JSON API: validate and map (the same JSON as the CLI's ``--json``), schema twins."""

from __future__ import annotations

import json

from flask import Blueprint, jsonify, request

from .compare import run_mapping
from .explorer import class_json, object_json
from .rendering import catalog, read_text_input
from .validate import options_from_request, run_validation

bp = Blueprint("api", __name__, url_prefix="/api")


def _unwrap_server_bundle(text: str) -> str:
    """Accept the OCSF server's bundle shape ``{"events": [...]}`` as a list of events."""
    if not text.lstrip().startswith("{") or '"events"' not in text:
        return text
    try:
        value = json.loads(text)
    except ValueError:
        return text  # the checker reports the syntax error with its line and column
    if isinstance(value, dict) and isinstance(value.get("events"), list) \
            and "class_uid" not in value:
        return json.dumps(value["events"], indent=1)
    return text


@bp.post("/validate")
def validate():
    options = options_from_request()
    text, _ = read_text_input()
    result = run_validation(_unwrap_server_bundle(text), options)
    return jsonify(result.to_json())


@bp.post("/map")
def map_events():
    text, _ = read_text_input()
    result = run_mapping(text, request.values.get("format", request.values.get("from", "auto")),
                         request.values.get("version") or None)
    return jsonify(result.to_json())


@bp.get("/classes/<name>")
def class_detail(name: str):
    return class_json(name)


@bp.get("/objects/<name>")
def object_detail(name: str):
    return object_json(name)


@bp.get("/versions")
def versions():
    return jsonify({"default": catalog().default_version, "versions": catalog().versions})


@bp.get("/health")
def health():
    return jsonify({"status": "ok", "default_schema_version": catalog().default_version})
