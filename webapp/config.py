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
    # Events shown in detail on a result page; the rest are summarized.
    EVENTS_SHOWN = 50
    LOG_LEVEL = "INFO"
    LOG_JSON = False

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
            else:
                settings[name] = raw
        return settings
