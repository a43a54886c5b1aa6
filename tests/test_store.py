"""Saved-result stores: every test runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL
names a server (./.ci/run starts a throw-away one)."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest

from webapp.store import (ID_PATTERN, SavedResult, StoreError, candidate_ids, open_store,
                          result_digest)
from webapp.store.sqlite import SqliteStore

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.skipif(
        not TEST_DATABASE_URL,
        reason="TEST_DATABASE_URL is not set; ./.ci/run starts a PostgreSQL for these tests")),
]


def _postgres_schema_url(schema: str) -> str:
    """Return TEST_DATABASE_URL with search_path set to ``schema``."""
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    return f"{TEST_DATABASE_URL}{separator}options={quote(f'-c search_path={schema}')}"


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A DATABASE_URL with no saved results yet: a new SQLite file or PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'saved.sqlite3'}"
        return
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _postgres_schema_url(schema)
    finally:
        with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture()
def store(database_url, tmp_path):
    return open_store(database_url, tmp_path)


def make_record(text: str = '{"class_uid": 1009}', kind: str = "validate",
                options: dict | None = None, digest: str | None = None) -> SavedResult:
    options = options if options is not None else {"version": "", "missing_recommended": False,
                                                   "profiles": []}
    return SavedResult(
        digest=digest or result_digest(kind, text, options),
        kind=kind,
        input=text,
        options=options,
        schema_version="1.8.0",
        result_json='{"schema_version": "1.8.0", "events": []}',
        created_at=datetime(2024, 9, 2, 15, 41, 7, 512000, tzinfo=timezone.utc),
    )


def run_sql(database_url: str, statement: str) -> None:
    """Run one statement on the store's database, outside the store."""
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            connection.execute(statement)
        return
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(statement)


def test_digest_is_stable():
    options = {"format": "auto", "version": "1.8.0"}
    reordered = {"version": "1.8.0", "format": "auto"}
    digest = result_digest("compare", "text", options)

    assert digest == result_digest("compare", "text", reordered)
    assert re.fullmatch(r"[a-z2-7]{52}", digest)
    assert digest != result_digest("validate", "text", options)
    assert digest != result_digest("compare", "text ", options)
    assert digest != result_digest("compare", "text", {**options, "version": "1.4.0"})


def test_candidate_ids_grow_to_digest():
    digest = result_digest("validate", "x", {})
    ids = candidate_ids(digest)

    assert ids[0] == digest[:10]
    assert ids[-1] == digest
    assert [len(i) for i in ids] == sorted({len(i) for i in ids})
    assert all(ID_PATTERN.fullmatch(i) for i in ids)


def test_save_then_get(store):
    record = make_record()
    stored, created = store.save(record)

    assert created
    assert stored.id == record.digest[:10]
    loaded = store.get(stored.id)
    assert loaded == stored
    assert loaded.input == record.input
    assert loaded.options == record.options
    assert loaded.result == {"schema_version": "1.8.0", "events": []}
    assert loaded.created_at == record.created_at
    assert store.find(record.digest) == stored


def test_unknown_id_is_none(store):
    assert store.get("aaaaaaaaaa") is None
    assert store.find("a" * 52) is None


def test_second_save_keeps_first_row(store):
    first, _ = store.save(make_record())
    changed = replace(make_record(), result_json='{"changed": true}',
                      created_at=datetime.now(timezone.utc) + timedelta(days=1),
                      schema_version="1.4.0")
    second, created = store.save(changed)

    assert not created
    assert second == first
    assert store.get(first.id) == first
    assert store.get(first.id).result_json == first.result_json


def test_update_rejected_by_database(store, database_url):
    stored, _ = store.save(make_record())

    with pytest.raises(Exception, match="immutable"):
        run_sql(database_url, f"UPDATE saved_results SET result = '{{}}' "
                              f"WHERE id = '{stored.id}'")
    assert store.get(stored.id) == stored


def test_prefix_collision_gets_longer_id(store):
    first_digest = "a" * 52
    second_digest = "a" * 10 + "b" * 42
    first, _ = store.save(make_record(text="one", digest=first_digest))
    second, created = store.save(make_record(text="two", digest=second_digest))

    assert first.id == "a" * 10
    assert created
    assert second.id == second_digest[:14]
    assert store.get(first.id).input == "one"
    assert store.get(second.id).input == "two"
    again, created_again = store.save(make_record(text="two", digest=second_digest))
    assert again.id == second.id
    assert not created_again


def test_concurrent_saves_make_one_row(store):
    record = make_record(text='{"concurrent": true}')
    results: list[tuple[SavedResult, bool]] = []
    errors: list[BaseException] = []

    def save():
        try:
            results.append(store.save(record))
        except BaseException as error:  # reported by the asserts below
            errors.append(error)

    threads = [threading.Thread(target=save) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(results) == 8
    assert {stored.id for stored, _ in results} == {record.digest[:10]}
    assert sum(1 for _, created in results if created) == 1


def test_text_round_trips_exactly(store):
    text = "\ufeff{\"é\": \"日本語 😀\", \"tab\": \"\\t\"}\r\n" + "x" * 300_000
    stored, _ = store.save(make_record(text=text))

    assert store.get(stored.id).input == text


def test_sqlite_uses_wal(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'wal.sqlite3'}", tmp_path)
    store.save(make_record())

    with sqlite3.connect(tmp_path / "wal.sqlite3") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_default_store_is_sqlite_in_instance_folder(tmp_path):
    store = open_store("", tmp_path / "instance")

    assert isinstance(store, SqliteStore)
    assert store.path == tmp_path / "instance" / "saved_results.sqlite3"
    assert not store.path.exists()  # nothing is created before first use
    store.get("aaaaaaaaaa")
    assert store.path.exists()


def test_unknown_scheme_rejected(tmp_path):
    with pytest.raises(ValueError, match="unsupported DATABASE_URL scheme 'mysql'"):
        open_store("mysql://localhost/db", tmp_path)


def test_unreachable_postgres_raises_store_error(tmp_path):
    # A socket directory that does not exist: libpq fails at once, with no network use.
    store = open_store(f"postgresql://nobody@/none?host={tmp_path / 'no-such-dir'}", tmp_path)

    with pytest.raises(StoreError, match="cannot create the saved_results table"):
        store.get("aaaaaaaaaa")
    assert "nobody" not in store.describe()


def test_unwritable_sqlite_raises_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = open_store(f"sqlite:///{blocker / 'saved.sqlite3'}", tmp_path)

    with pytest.raises(StoreError, match="cannot open SQLite"):
        store.save(make_record())
