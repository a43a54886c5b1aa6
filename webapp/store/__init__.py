"""Saved results: one interface, stored in SQLite by default or in PostgreSQL.

Rows are insert-only. The id of a row is a prefix of the SHA-256 of its kind, input and
options, so saving the same thing twice returns the first row.
"""

from __future__ import annotations

from pathlib import Path

from .base import (ID_PATTERN, KINDS, ResultStore, SavedResult, StoreError, candidate_ids,
                   result_digest)

__all__ = [
    "ID_PATTERN", "KINDS", "ResultStore", "SavedResult", "StoreError", "candidate_ids",
    "open_store", "result_digest",
]

SQLITE_FILE_NAME = "saved_results.sqlite3"


def open_store(database_url: str, instance_path: str | Path) -> ResultStore:
    """Return the store named by ``database_url``; nothing is opened until first use.

    Empty means SQLite in ``instance_path``, ``sqlite:///PATH`` another SQLite file, and
    ``postgresql://`` or ``postgres://`` PostgreSQL. Raise ValueError for other schemes and
    when psycopg is missing for a PostgreSQL URL.
    """
    if not database_url:
        from .sqlite import SqliteStore

        return SqliteStore(Path(instance_path) / SQLITE_FILE_NAME)
    if database_url.startswith("sqlite:///"):
        from .sqlite import SqliteStore

        return SqliteStore(database_url.removeprefix("sqlite:///"))
    if database_url.startswith(("postgresql://", "postgres://")):
        try:
            from .postgres import PostgresStore
        except ImportError as error:
            raise ValueError("DATABASE_URL names PostgreSQL, but psycopg is not installed; "
                             "install it with: pip install 'psycopg[binary]'") from error
        return PostgresStore(database_url)
    scheme = database_url.split(":", 1)[0]
    raise ValueError(f"unsupported DATABASE_URL scheme {scheme!r}; use sqlite:///PATH, "
                     "postgresql://... or leave it empty for SQLite in the instance folder")
