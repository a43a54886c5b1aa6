"""Helpers shared by the views: request input, htmx partials, template globals."""

from __future__ import annotations

import gzip

from flask import Flask, current_app, make_response, render_template, request

from webapp.catalog import Catalog, Release, UnknownVersion

from ..errors import BadInput
from ..gzipdata import GzipTooLarge, gunzip_limited
from .highlight import highlight_json


def catalog() -> Catalog:
    return current_app.extensions["catalog"]


def requested_release() -> Release:
    """Return the release named by ``?version=`` (or the default); 404 for an unknown one."""
    version = request.values.get("version") or None
    try:
        return catalog().get(version)
    except UnknownVersion as error:
        raise BadInput(f"unknown OCSF version {error.version!r}; available: "
                       f"{', '.join(error.available)}", status=404) from None


def render_page(template: str, partial: str | None = None, status: int = 200, **context):
    """Render the full page, or only ``partial`` for an htmx request (with ``Vary``)."""
    is_htmx = request.headers.get("HX-Request") == "true"
    name = partial if partial and is_htmx else template
    response = make_response(render_template(name, **context), status)
    response.headers["Vary"] = "HX-Request"
    return response


def read_text_input(field: str = "text") -> tuple[str, str]:
    """Return (text, origin) from an uploaded file, a form field or the raw body.

    Gzip uploads are decompressed. Text must be UTF-8; invalid bytes raise
    :class:`BadInput` naming the line and column of the first one.
    """
    upload = request.files.get("file")
    if upload and upload.filename:
        data = upload.read()
        origin = upload.filename
    elif request.form.get(field) is not None:
        return request.form[field].replace("\r\n", "\n"), "pasted text"
    else:
        # A body posted as form data without a text field (curl --data-binary @file sends
        # that Content-Type) is the text itself; install_template_helpers keeps it cached.
        data = request.get_data(cache=True)
        origin = "request body"
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data)
    return decode_utf8(data, origin), origin


def _gunzip(data: bytes) -> bytes:
    try:
        return gunzip_limited(data, current_app.config["MAX_CONTENT_LENGTH"])
    except GzipTooLarge as error:
        raise BadInput(str(error), status=413) from None
    except ValueError as error:
        raise BadInput(str(error)) from None


def decode_utf8(data: bytes, origin: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        before = data[:error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise BadInput(f"the {origin} is not valid UTF-8: byte 0x{data[error.start]:02x} at "
                       f"line {line}, column {column} (byte offset {error.start})") from None


def install_template_helpers(app: Flask) -> None:
    @app.before_request
    def keep_form_body():
        # Read the raw body before form parsing consumes it, so read_text_input can use it.
        if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
            request.get_data(cache=True, parse_form_data=False)

    @app.context_processor
    def globals_for_templates():
        return {"versions": catalog().versions, "default_version": catalog().default_version,
                "current_version": request.args.get("version") or ""}

    app.jinja_env.globals["gzip_available"] = gzip is not None
    app.jinja_env.filters["highlight_json"] = highlight_json
