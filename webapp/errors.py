"""Error responses: a page, an htmx fragment or JSON, with a clear message and status."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

log = logging.getLogger(__name__)


class BadInput(Exception):
    """Input the app cannot process, returned to the client with ``status`` and ``message``."""

    def __init__(self, message: str, status: int = 400, line: int | None = None,
                 column: int | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.line = line
        self.column = column
        self.details = details or {}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith(".json")


def error_response(status: int, title: str, message: str, **extra):
    if _wants_json():
        body = {"error": title, "message": message, "status": status,
                "request_id": g.get("request_id")}
        body.update({k: v for k, v in extra.items() if v is not None})
        return jsonify(body), status
    template = "errors/_error.html" if request.headers.get("HX-Request") == "true" \
        else "errors/error.html"
    return render_template(template, status=status, title=title, message=message,
                           extra=extra), status


def install_error_handlers(app: Flask) -> None:
    @app.errorhandler(BadInput)
    def bad_input(error: BadInput):
        title = {404: "not found", 413: "input too large"}.get(error.status, "invalid input")
        return error_response(error.status, title, error.message, line=error.line,
                              column=error.column, **error.details)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error):
        limit = app.config["MAX_CONTENT_LENGTH"]
        return error_response(413, "input too large",
                              f"the request body is larger than the limit of {limit:,} bytes")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(error.code or 500, error.name.lower(), error.description)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s id=%s", request.method,
                      request.path.encode("unicode_escape").decode("ascii"),
                      g.get("request_id"))
        return error_response(500, "internal error",
                              f"the server failed; quote request id {g.get('request_id')}")
