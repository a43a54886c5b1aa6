"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json."""

from __future__ import annotations

from flask import Blueprint, jsonify

bp = Blueprint("openapi", __name__)

_TEXT_BODY = {
    "required": True,
    "description": "Pasted text: one JSON event, a JSON array, NDJSON, or comma-separated "
                   "events (for /api/map: any supported vendor format). A `text` form field "
                   "or a `file` upload (gzip accepted) work as well.",
    "content": {"text/plain": {"schema": {"type": "string"}},
                "application/json": {"schema": {}},
                "application/x-ndjson": {"schema": {"type": "string"}}},
}
_ERROR = {"description": "Input that cannot be processed",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_VERSION = {"name": "version", "in": "query", "required": False,
            "description": "OCSF version or local checkout label", "schema": {"type": "string"}}
_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}


def _get(summary: str, *parameters: dict) -> dict:
    return {"get": {"summary": summary, "parameters": [_VERSION, *parameters],
                    "responses": {"200": {"description": "OK",
                                          "content": {"application/json": {"schema": {}}}},
                                  "404": _ERROR}}}


def build_document() -> dict:
    """Return the OpenAPI document (a plain dict, the same for every request)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "OCSF script workbench API", "version": "1"},
        "paths": {
            "/api/validate": {"post": {
                "summary": "Check OCSF events",
                "parameters": [
                    _VERSION,
                    {"name": "missing_recommended", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": ["1", "true", "on", ""]}},
                    {"name": "profiles", "in": "query", "required": False,
                     "description": "comma-separated profiles applied to every event",
                     "schema": {"type": "string"}},
                ],
                "requestBody": _TEXT_BODY,
                "responses": {"200": {"description": "Findings per event",
                                      "content": {"application/json": {"schema": {
                                          "$ref": "#/components/schemas/Validation"}}}},
                              "400": _ERROR, "404": _ERROR, "413": _ERROR},
            }},
            "/api/map": {"post": {
                "summary": "Map vendor script events to Script Activity and Process Activity",
                "parameters": [
                    _VERSION,
                    {"name": "format", "in": "query", "required": False,
                     "description": "format id, or auto", "schema": {"type": "string"}},
                ],
                "requestBody": _TEXT_BODY,
                "responses": {"200": {"description": "Both mappings and the fidelity table",
                                      "content": {"application/json": {"schema": {
                                          "$ref": "#/components/schemas/Mapping"}}}},
                              "400": _ERROR, "404": _ERROR, "413": _ERROR},
            }},
            "/api/classes": _get("Classes grouped by category"),
            "/api/objects": _get("All objects"),
            "/api/categories": _get("Categories"),
            "/api/profiles": _get("Profiles"),
            "/api/profiles/{name}": _get("One profile and the attributes it adds", _NAME),
            "/api/dictionary": _get("Dictionary attributes"),
            "/api/types": _get("Data types with their constraints"),
            "/api/classes/{name}/diff": _get(
                "Differences of a class between two versions", _NAME,
                {"name": "from", "in": "query", "required": False, "schema": {"type": "string"}},
                {"name": "to", "in": "query", "required": False, "schema": {"type": "string"}}),
            "/api/objects/{name}/diff": _get(
                "Differences of an object between two versions", _NAME,
                {"name": "from", "in": "query", "required": False, "schema": {"type": "string"}},
                {"name": "to", "in": "query", "required": False, "schema": {"type": "string"}}),
            "/api/classes/{name}": _get("A class with its attributes", _NAME),
            "/api/objects/{name}": _get("An object with its attributes", _NAME),
            "/api/classes/{name}/history": _get("Changes of a class across versions", _NAME),
            "/api/objects/{name}/history": _get("Changes of an object across versions", _NAME),
            "/api/classes/{name}/sample": _get("A sample event of a class", _NAME),
            "/api/classes/{name}/schema.json": _get("Draft 2020-12 JSON Schema of a class",
                                                    _NAME),
            "/api/search": _get("Search classes, objects, attributes, profiles, enum captions",
                                {"name": "q", "in": "query", "required": False,
                                 "schema": {"type": "string"}}),
            "/api/formats": _get("Supported vendor formats"),
            "/api/formats/{format_id}": _get("How one vendor format is mapped",
                                             {"name": "format_id", "in": "path",
                                              "required": True, "schema": {"type": "string"}}),
            "/api/versions": _get("Available OCSF versions"),
            "/api/health": _get("Liveness"),
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error", "message", "status"],
                      "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                                     "status": {"type": "integer"},
                                     "line": {"type": "integer"}, "column": {"type": "integer"},
                                     "request_id": {"type": ["string", "null"]}}},
            "Validation": {"type": "object",
                           "required": ["schema_version", "error_count", "warning_count",
                                        "events"],
                           "properties": {"schema_version": {"type": "string"},
                                          "error_count": {"type": "integer"},
                                          "warning_count": {"type": "integer"},
                                          "events": {"type": "array", "items": {
                                              "type": "object",
                                              "required": ["index", "line", "class_uid",
                                                           "error_count", "warning_count",
                                                           "errors", "warnings"]}}}},
            "Mapping": {"type": "object", "required": ["format", "schema_version", "events"],
                        "properties": {"format": {"type": "string"},
                                       "schema_version": {"type": "string"},
                                       "events": {"type": "array", "items": {
                                           "type": "object",
                                           "required": ["source", "script_activity",
                                                        "process_activity", "fidelity"]}}}},
        }},
    }


@bp.get("/api/openapi.json")
def document():
    return jsonify(build_document())
