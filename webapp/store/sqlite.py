"""Saved results in one SQLite file, in WAL mode so that reads go on while a save commits."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path

from .base import ResultStore, SavedResult, StoreError

BUSY_TIMEOUT_MS = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_results (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    input TEXT NOT NULL,
    options TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS saved_results_immutable BEFORE UPDATE ON saved_results
BEGIN
    SELECT RAISE(ABORT, 'saved results are immutable');
END;
"""

COLUMNS = "id, digest, kind, input, options, schema_version, result, created_at"


class SqliteStore(ResultStore):
    """One connection per operation, so threads and forked workers share nothing."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    def describe(self) -> str:
        return f"SQLite at {self.path}"

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: no implicit transactions, every statement commits by itself.
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                                     isolation_level=None)
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # FULL syncs the WAL on every commit, so a saved link survives a power loss too.
        connection.execute("PRAGMA synchronous = FULL")
        return connection

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._create_schema()
            except (OSError, sqlite3.Error) as error:
                raise StoreError(f"cannot open SQLite at {self.path}: {error}") from error
            self._schema_ready = True

    def _create_schema(self) -> None:
        # Switching to WAL needs an exclusive lock, and SQLite may return "database is
        # locked" at once instead of waiting for it when several workers start together.
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                with closing(self._connect()) as connection:
                    mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                    if mode != "wal":
                        raise StoreError(f"SQLite at {self.path} failed to switch to WAL "
                                         f"mode (journal mode is {mode})")
                    connection.executescript(SCHEMA)
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _query_one(self, where: str, value: str) -> SavedResult | None:
        self._ensure_schema()
        try:
            with closing(self._connect()) as connection:
                row = connection.execute(
                    f"SELECT {COLUMNS} FROM saved_results WHERE {where} = ?", (value,)
                ).fetchone()
        except sqlite3.Error as error:
            raise StoreError(f"SQLite at {self.path} failed: {error}") from error
        return _record(row) if row else None

    def get(self, result_id: str) -> SavedResult | None:
        return self._query_one("id", result_id)

    def find(self, digest: str) -> SavedResult | None:
        return self._query_one("digest", digest)

    def _insert_or_get(self, record: SavedResult) -> tuple[SavedResult | None, bool]:
        self._ensure_schema()
        try:
            with closing(self._connect()) as connection:
                cursor = connection.execute(
                    f"INSERT OR IGNORE INTO saved_results ({COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (record.id, record.digest, record.kind, record.input,
                     record.options_json(), record.schema_version, record.result_json,
                     record.created_at.isoformat()))
                inserted = cursor.rowcount == 1
                row = connection.execute(
                    f"SELECT {COLUMNS} FROM saved_results WHERE id = ?", (record.id,)
                ).fetchone()
        except sqlite3.Error as error:
            raise StoreError(f"SQLite at {self.path} failed: {error}") from error
        return (_record(row) if row else None), inserted


def _record(row: tuple) -> SavedResult:
    result_id, digest, kind, text, options, schema_version, result, created_at = row
    return SavedResult(id=result_id, digest=digest, kind=kind, input=text,
                       options=json.loads(options), schema_version=schema_version,
                       result_json=result, created_at=datetime.fromisoformat(created_at))
