"""Security headers sent with every response, and the in-process rate limiter."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from flask import Flask

# No inline script or style anywhere, so htmx is configured not to inject its indicator styles.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

# same-origin, not no-referrer: with no-referrer, browsers send "Origin: null" on form
# posts, and the save form's Origin check needs the real origin. Other sites still get
# no Referer.
REFERRER_POLICY = "same-origin"


def install_security_headers(app: Flask) -> None:
    @app.after_request
    def add_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


class RateLimiter:
    """A sliding-window limit of ``limit`` events per key per ``window`` seconds.

    The counts live in this process only: under gunicorn each worker counts on its own,
    so a client may reach ``limit`` times the number of workers.
    """

    # Keys idle for a whole window are dropped every this many calls, to bound memory.
    SWEEP_EVERY = 1000

    def __init__(self, limit: int, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def acquire(self, key: str) -> float:
        """Count one event for ``key``; return 0 when allowed, else seconds to wait.

        A rejected event is not counted. A limit of 0 or less allows everything.
        """
        if self.limit <= 0:
            return 0.0
        now = self._clock()
        with self._lock:
            self._calls += 1
            if self._calls % self.SWEEP_EVERY == 0:
                self._sweep(now)
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return events[0] + self.window - now
            events.append(now)
            return 0.0

    def _sweep(self, now: float) -> None:
        idle = [key for key, events in self._events.items()
                if not events or events[-1] <= now - self.window]
        for key in idle:
            del self._events[key]
