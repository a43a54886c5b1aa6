"""A time budget for the work of one request, checked in the long loops.

The views set a deadline; parsing, checking and mapping call :func:`check`
between events and every few thousand JSON values, and raise
:class:`TimeBudgetExceeded` once it has passed. Without a deadline (the CLI),
:func:`check` does nothing.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("deadline", default=None)


class TimeBudgetExceeded(RuntimeError):
    """Raised when the work of a request runs past its time limit."""

    def __init__(self, seconds: float):
        super().__init__(f"the input took longer than the limit of {seconds:g} s to process")
        self.seconds = seconds


_limits: ContextVar[float] = ContextVar("limit", default=0.0)


@contextmanager
def time_budget(seconds: float | None):
    """Run the body with a deadline ``seconds`` from now; None or 0 means no limit."""
    if not seconds:
        yield
        return
    token = _deadline.set(time.monotonic() + seconds)
    limit_token = _limits.set(seconds)
    try:
        yield
    finally:
        _deadline.reset(token)
        _limits.reset(limit_token)


def check() -> None:
    """Raise :class:`TimeBudgetExceeded` when the current deadline has passed."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise TimeBudgetExceeded(_limits.get())
