"""Logging setup: one line per request with a request id, plain or JSON."""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid

from flask import Flask, g, request


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"time": self.formatTime(record), "level": record.levelname,
                "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data)


def configure_logging(app: Flask) -> None:
    """Send the ``webapp`` loggers to stderr at the configured level."""
    handler = logging.StreamHandler(sys.stderr)
    if app.config["LOG_JSON"]:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("webapp")
    root.handlers[:] = [handler]
    root.setLevel(app.config["LOG_LEVEL"])
    root.propagate = False


def install_request_logging(app: Flask) -> None:
    """Log method, path, status, duration and request id of every request; never the body."""
    log = logging.getLogger("webapp.request")

    @app.before_request
    def start_timer():
        g.request_started = time.perf_counter()
        client_id = request.headers.get("X-Request-Id", "")[:64]
        # Only a plain token from the client is kept as the request id.
        g.request_id = (client_id if client_id.replace("-", "").isalnum()
                        else uuid.uuid4().hex[:16])

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started else 0.0
        response.headers["X-Request-Id"] = g.get("request_id", "")
        # Escape control characters so a crafted path cannot forge log lines.
        path = request.path.encode("unicode_escape").decode("ascii")
        log.info("%s %s %s %.1fms id=%s", request.method, path, response.status_code,
                 duration, g.get("request_id", "-"))
        return response
