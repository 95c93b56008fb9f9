"""Scale-out fixtures: a state store on each configured database, PostgreSQL when available."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from mkmw_flows.state import StateStore

PG_URL = os.environ.get("MKMW_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def fresh_store(backend: str, tmp_path: Path) -> StateStore:
    """An empty state store on `backend` (sqlite in `tmp_path`, or MKMW_TEST_DATABASE_URL)."""
    if backend == "sqlite":
        return StateStore(str(tmp_path / "state.db"))
    assert PG_URL
    store = StateStore(PG_URL)
    SQLModel.metadata.drop_all(store.engine)
    SQLModel.metadata.create_all(store.engine)
    return store


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    """A fresh, empty state store on each configured database."""
    s = fresh_store(request.param, tmp_path)
    yield s
    s.close()
