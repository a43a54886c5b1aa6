"""The JSON API: validate and map (the same JSON as the CLI's ``--json``), schema twins."""

from __future__ import annotations


from flask import Blueprint, jsonify, request

from .compare import run_mapping
from .explorer import class_json, object_json
from .rendering import catalog, read_text_input
from .validate import options_from_request, run_validation

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.post("/validate")
def validate():
    options = options_from_request()
    text, _ = read_text_input()
    # Tools written for the OCSF server send a bundle {"events": [...]}; read its events.
    result = run_validation(text, options, accept_bundle=True)
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
