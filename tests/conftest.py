"""Shared fixtures: one catalog for the whole run (loading releases is the slow part)."""

from __future__ import annotations

from pathlib import Path

import pytest

from webapp import create_app
from webapp.catalog import Catalog

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog()


@pytest.fixture(scope="session")
def release(catalog):
    return catalog.get("1.8.0")


@pytest.fixture(scope="session")
def app(catalog):
    app = create_app({"TESTING": True})
    app.extensions["catalog"] = catalog
    return app


@pytest.fixture()
def client(app):
    return app.test_client()


def sample_text(relative: str) -> str:
    return (SAMPLES / relative).read_text(encoding="utf-8")
