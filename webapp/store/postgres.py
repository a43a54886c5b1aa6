"""Saved results in PostgreSQL, through psycopg 3."""

from __future__ import annotations

import json
import threading
from datetime import timezone

import psycopg
from psycopg.conninfo import conninfo_to_dict

from .base import ResultStore, SavedResult, StoreError

CONNECT_TIMEOUT_SECONDS = 10
# Any constant works: it only serializes concurrent schema creation by several workers.
SCHEMA_LOCK_KEY = 0x0C5F_5A7E

SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_results (
    id text PRIMARY KEY,
    digest text NOT NULL UNIQUE,
    kind text NOT NULL,
    input text NOT NULL,
    options text NOT NULL,
    schema_version text NOT NULL,
    result text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE OR REPLACE FUNCTION saved_results_reject_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'saved results are immutable';
END
$$;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger
                   WHERE tgname = 'saved_results_immutable'
                     AND tgrelid = 'saved_results'::regclass) THEN
        CREATE TRIGGER saved_results_immutable BEFORE UPDATE ON saved_results
            FOR EACH ROW EXECUTE FUNCTION saved_results_reject_update();
    END IF;
END
$$;
"""

COLUMNS = "id, digest, kind, input, options, schema_version, result, created_at"


class PostgresStore(ResultStore):
    """One connection per operation: saves are rate-limited and rare, so no pool is kept."""

    def __init__(self, url: str):
        self.url = url
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    def describe(self) -> str:
        try:
            params = conninfo_to_dict(self.url)
        except psycopg.ProgrammingError:
            return "PostgreSQL (unparsable DATABASE_URL)"
        host = params.get("host") or "local socket"
        port = params.get("port") or "5432"
        return f"PostgreSQL database {params.get('dbname', '')!r} at {host}:{port}"

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS)

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            try:
                with self._connect() as connection, connection.transaction():
                    connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
                    connection.execute(SCHEMA)
            except psycopg.Error as error:
                raise StoreError(f"cannot create the saved_results table in "
                                 f"{self.describe()}: {error}") from error
            self._schema_ready = True

    def _query_one(self, where: str, value: str) -> SavedResult | None:
        self._ensure_schema()
        try:
            with self._connect() as connection:
                row = connection.execute(
                    f"SELECT {COLUMNS} FROM saved_results WHERE {where} = %s", (value,)
                ).fetchone()
        except psycopg.Error as error:
            raise StoreError(f"{self.describe()} failed: {error}") from error
        return _record(row) if row else None

    def get(self, result_id: str) -> SavedResult | None:
        return self._query_one("id", result_id)

    def find(self, digest: str) -> SavedResult | None:
        return self._query_one("digest", digest)

    def _insert_or_get(self, record: SavedResult) -> tuple[SavedResult | None, bool]:
        self._ensure_schema()
        try:
            with self._connect() as connection:
                # No conflict target: a clash on the id or on the digest both skip the row.
                cursor = connection.execute(
                    f"INSERT INTO saved_results ({COLUMNS}) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (record.id, record.digest, record.kind, record.input,
                     record.options_json(), record.schema_version, record.result_json,
                     record.created_at))
                inserted = cursor.rowcount == 1
                row = connection.execute(
                    f"SELECT {COLUMNS} FROM saved_results WHERE id = %s", (record.id,)
                ).fetchone()
        except psycopg.Error as error:
            raise StoreError(f"{self.describe()} failed: {error}") from error
        return (_record(row) if row else None), inserted


def _record(row: tuple) -> SavedResult:
    result_id, digest, kind, text, options, schema_version, result, created_at = row
    return SavedResult(id=result_id, digest=digest, kind=kind, input=text,
                       options=json.loads(options), schema_version=schema_version,
                       result_json=result, created_at=created_at.astimezone(timezone.utc))
