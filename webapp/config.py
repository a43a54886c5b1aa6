"""Settings, read from the environment with the ``OCSF_WORKBENCH_`` prefix."""

from __future__ import annotations

import os

PREFIX = "OCSF_WORKBENCH_"


class Config:
    # The OCSF release used when a request names none; empty means the newest packaged.
    SCHEMA_VERSION = ""
    # Largest request body accepted, in bytes (pastes and uploads).
    MAX_CONTENT_LENGTH = 50 * 1024 * 1024
    # Largest number of events checked or mapped in one request.
    MAX_EVENTS = 100_000
    # Seconds one validation or mapping may take before it stops with a 413; 0 turns
    # the limit off. Keep it below the gunicorn worker timeout (30 s by default).
    REQUEST_TIME_LIMIT = 20.0
    # Events shown in detail on a result page; the rest are summarized.
    EVENTS_SHOWN = 50
    # Local schema source trees to compile and serve next to the packaged releases:
    # os.pathsep-separated PATH or PATH=LABEL entries (or a list), shown as local:LABEL.
    SCHEMA_SOURCES = ""
    LOG_LEVEL = "INFO"
    LOG_JSON = False
    # Key that signs the session cookie holding the CSRF token of the save forms. Empty means
    # a random key generated at start, which differs per gunicorn worker and per restart.
    SECRET_KEY = ""
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # Where saved results live: empty for SQLite in the instance folder, "sqlite:///PATH"
    # for another SQLite file, "postgresql://..." for PostgreSQL. The unprefixed
    # DATABASE_URL variable is read when this one is not set.
    DATABASE_URL = ""
    # Largest input, in bytes of UTF-8, that one saved result may store.
    SAVE_MAX_INPUT_BYTES = 5 * 1024 * 1024
    # Largest result JSON of one saved result, in bytes; findings can outgrow the input.
    SAVE_MAX_RESULT_BYTES = 20 * 1024 * 1024
    # Saves accepted per client address per minute, counted in each worker process; 0 is
    # no limit.
    SAVES_PER_MINUTE = 30

    @classmethod
    def from_environment(cls) -> dict:
        """Return the defaults overridden by ``OCSF_WORKBENCH_<NAME>`` variables."""
        settings = {}
        for name in dir(cls):
            if not name.isupper():
                continue
            default = getattr(cls, name)
            raw = os.environ.get(PREFIX + name)
            if raw is None:
                settings[name] = default
            elif isinstance(default, bool):
                settings[name] = raw.lower() in ("1", "true", "yes", "on")
            elif isinstance(default, int):
                settings[name] = int(raw)
            elif isinstance(default, float):
                settings[name] = float(raw)
            else:
                settings[name] = raw
        return settings
