"""CSRF protection for the forms that write: a per-session token and an Origin check.

The token lives in Flask's signed session cookie, so SECRET_KEY must be the same in every
worker. Without OCSF_WORKBENCH_SECRET_KEY each process generates its own key at start.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import urlsplit

from flask import Flask, request, session

FIELD_NAME = "csrf_token"
SESSION_KEY = "csrf_token"

log = logging.getLogger(__name__)


def install(app: Flask) -> None:
    """Make sure the app has a secret key and give templates ``csrf_token()``."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secrets.token_hex(32)
        log.warning("OCSF_WORKBENCH_SECRET_KEY is not set; using a random key generated at "
                    "start, so save forms stop working after a restart, and with several "
                    "gunicorn workers a form posted to another worker is rejected")
    app.jinja_env.globals["csrf_token"] = csrf_token


def csrf_token() -> str:
    """Return this session's token, creating it (and the session cookie) on first use."""
    token = session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def rejection_reason() -> str | None:
    """Return why the current POST fails the CSRF checks, or None when it passes."""
    origin_problem = _origin_problem()
    if origin_problem:
        return origin_problem
    expected = session.get(SESSION_KEY)
    submitted = request.form.get(FIELD_NAME, "")
    if not submitted:
        return "the form has no csrf_token field; reload the result page and save again"
    if not expected:
        return ("the session has no CSRF token (cookies may be blocked or the session "
                "expired); reload the result page and save again")
    if not hmac.compare_digest(expected.encode(), submitted.encode()):
        return ("the csrf_token field does not match this session; reload the result page "
                "and save again")
    return None


def _origin_problem() -> str | None:
    """Compare Origin, or else Referer, with the Host header; either may be absent.

    Only host and port are compared: behind a TLS proxy the app receives plain http while
    the browser sends an https origin for the same host.
    """
    origin = request.headers.get("Origin")
    header = "Origin"
    if origin is None:
        origin = request.headers.get("Referer")
        header = "Referer"
    if origin is None:
        return None
    host = urlsplit(origin).netloc if origin != "null" else ""
    if host.lower() != request.host.lower():
        return (f"the {header} header {origin[:200]!r} is not this site ({request.host}); "
                "save from a page of this site")
    return None
