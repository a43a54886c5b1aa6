"""Saved results: "Save and share" stores a result under a short permalink, /r/<id>.

The permalink page renders the stored input and result JSON with the validate and compare
partials; /r/<id>.json returns the stored record and /r/<id>.md a Markdown comment.
"""

from __future__ import annotations

import json
import logging
import math
import os
from datetime import datetime, timezone
from typing import Any

from flask import (Blueprint, Flask, current_app, jsonify, make_response, redirect, request,
                   url_for)
from werkzeug.exceptions import ServiceUnavailable

from webapp import csrf
from webapp.conformance import CheckOptions
from webapp.store import (ID_PATTERN, KINDS, ResultStore, SavedResult, StoreError, open_store,
                          result_digest)

from ..errors import BadInput, error_response
from ..security import RateLimiter
from . import api
from .compare import run_mapping
from .rendering import catalog, read_text_input, render_page
from .share_markdown import render_markdown
from .share_rebuild import partial_context
from .validate import options_from_request, run_validation

bp = Blueprint("share", __name__)
log = logging.getLogger(__name__)


@bp.record_once
def _configure(state) -> None:
    configure_sharing(state.app)


def configure_sharing(app: Flask) -> None:
    """Set up CSRF, the result store, the save rate limit and the /health alias."""
    csrf.install(app)
    database_url = app.config.get("DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    store = open_store(database_url, app.instance_path)
    app.extensions["result_store"] = store
    app.extensions["save_rate_limiter"] = RateLimiter(app.config["SAVES_PER_MINUTE"], 60.0)
    app.jinja_env.filters["utf8_size"] = lambda text: len(text.encode("utf-8"))
    # Load balancers probe /health; it is the same view as /api/health.
    app.add_url_rule("/health", endpoint="health", view_func=api.health)
    log.info("saved results: %s; at most %d saves per minute per client address and worker",
             store.describe(), app.config["SAVES_PER_MINUTE"])


def result_store() -> ResultStore:
    return current_app.extensions["result_store"]


def _reject(status: int, title: str, message: str, headers: dict | None = None):
    response = make_response(error_response(status, title, message))
    response.headers.update(headers or {})
    return response


def _saved_options(kind: str) -> dict[str, Any]:
    """Return the request's options for ``kind`` in a canonical form (part of the id)."""
    if kind == "validate":
        options = options_from_request()
        return {"version": options.schema_version or "",
                "missing_recommended": options.missing_recommended,
                "profiles": sorted(options.extra_profiles)}
    return {"format": request.form.get("format") or "auto",
            "version": request.form.get("version") or ""}


def _run(kind: str, text: str, options: dict[str, Any]) -> tuple[str, dict]:
    """Run the validation or mapping again; return (schema version, result JSON)."""
    if kind == "validate":
        check = CheckOptions(schema_version=options["version"] or None,
                             missing_recommended=options["missing_recommended"],
                             extra_profiles=tuple(options["profiles"]))
        result = run_validation(text, check)
        return result.schema_version, result.to_json()
    result = run_mapping(text, options["format"], options["version"] or None)
    return result.schema_version, result.to_json()


def _check_input(text: str) -> None:
    limit = current_app.config["SAVE_MAX_INPUT_BYTES"]
    size = len(text.encode("utf-8"))
    if size > limit:
        raise BadInput(f"the input is {size:,} bytes, but a saved result may hold at most "
                       f"{limit:,} bytes (setting OCSF_WORKBENCH_SAVE_MAX_INPUT_BYTES); "
                       "save a smaller input", status=413)
    if "\x00" in text:
        before = text[:text.index("\x00")]
        raise BadInput(f"the input contains a NUL character (U+0000) at line "
                       f"{before.count(chr(10)) + 1}, which saved results cannot store; "
                       "remove it and save again")


def _check_result_size(result_json: str) -> None:
    """Reject a result whose JSON would take more room than a saved result may have."""
    limit = current_app.config["SAVE_MAX_RESULT_BYTES"]
    size = len(result_json.encode("utf-8"))
    if size > limit:
        raise BadInput(f"the result of this input is {size:,} bytes of JSON, but a saved result "
                       f"may hold at most {limit:,} bytes (setting "
                       "OCSF_WORKBENCH_SAVE_MAX_RESULT_BYTES); save fewer events", status=413)


def _store_failed(error: StoreError, action: str) -> ServiceUnavailable:
    log.error("saved results: %s failed: %s", action, error)
    return ServiceUnavailable(f"saved results are unavailable: {action} failed in the "
                              "database; try again later")


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


@bp.post("/r")
def save():
    problem = csrf.rejection_reason()
    if problem:
        log.warning("save rejected by the CSRF check from %s: %s", request.remote_addr, problem)
        return _reject(403, "forbidden", problem)
    wait = current_app.extensions["save_rate_limiter"].acquire(request.remote_addr or "")
    if wait:
        limit = current_app.config["SAVES_PER_MINUTE"]
        seconds = math.ceil(wait)
        log.warning("save rejected by the rate limit of %d per minute for %s", limit,
                    request.remote_addr)
        return _reject(429, "too many requests",
                       f"too many saves from {request.remote_addr}: at most {limit} per "
                       f"minute are accepted; try again in {seconds} seconds",
                       {"Retry-After": str(seconds)})

    kind = request.form.get("kind", "")
    if kind not in KINDS:
        raise BadInput(f"unknown result kind {kind!r}; expected one of: {', '.join(KINDS)}")
    text, _ = read_text_input()
    _check_input(text)
    options = _saved_options(kind)
    digest = result_digest(kind, text, options)

    try:
        stored = result_store().find(digest)
        created = False
        if stored is None:
            schema_version, result = _run(kind, text, options)
            result_json = json.dumps(result, ensure_ascii=False)
            _check_result_size(result_json)
            record = SavedResult(digest=digest, kind=kind, input=text, options=options,
                                 schema_version=schema_version, result_json=result_json,
                                 created_at=datetime.now(timezone.utc))
            stored, created = result_store().save(record)
    except StoreError as error:
        raise _store_failed(error, "saving") from None
    log.info("%s %s result %s (%d characters of input)", "saved" if created else "found saved",
             kind, stored.id, len(text))

    if _wants_json():
        body = {"id": stored.id, "created": created,
                "url": url_for("share.page", result_id=stored.id, _external=True)}
        return jsonify(body), 201 if created else 200
    return redirect(url_for("share.page", result_id=stored.id), code=303)


def _load(result_id: str) -> SavedResult:
    record = None
    if ID_PATTERN.fullmatch(result_id):
        try:
            record = result_store().get(result_id)
        except StoreError as error:
            raise _store_failed(error, f"reading {result_id}") from None
    if record is None:
        raise BadInput(f"no saved result has the id {result_id!r}; check the link", status=404)
    return record


def _permalink(record: SavedResult) -> str:
    return f"{request.url_root}r/{record.id}"


@bp.get("/r/<result_id>")
def page(result_id: str):
    record = _load(result_id)
    permalink = _permalink(record)
    context = partial_context(record.kind, record.input, record.result,
                              current_app.config["EVENTS_SHOWN"], catalog())
    return render_page("share/page.html", saved=record, permalink=permalink,
                       markdown=render_markdown(record, permalink), **context)


@bp.get("/r/<result_id>.json")
def record_json(result_id: str):
    record = _load(result_id)
    return jsonify({
        "id": record.id,
        "url": _permalink(record),
        "kind": record.kind,
        "created_at": record.created_at.isoformat(),
        "schema_version": record.schema_version,
        "options": record.options,
        "input": record.input,
        "result": record.result,
    })


@bp.get("/r/<result_id>.md")
def record_markdown(result_id: str):
    record = _load(result_id)
    response = make_response(render_markdown(record, _permalink(record)))
    response.mimetype = "text/markdown"
    return response
