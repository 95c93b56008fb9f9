"""Scale-out fixtures: a state store on each configured database, PostgreSQL when available."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from ops.localprefect import LocalPrefect
from sqlmodel import SQLModel

from mkmw_flows.state import StateStore
from mkmw_flows.state.database import normalise_url

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


@pytest.fixture(scope="session")
def pg_prefect(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPrefect]:
    """`prefect server start` on its own PostgreSQL database (GCLs need PostgreSQL).

    The database is made next to MKMW_TEST_DATABASE_URL's and dropped afterwards; the
    server is stopped by its PID. Skipped only when MKMW_TEST_DATABASE_URL is not set.
    """
    if not PG_URL:
        pytest.skip("MKMW_TEST_DATABASE_URL is not set: the scale-out tests need PostgreSQL")
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(normalise_url(PG_URL))
    database = f"mkmw_prefect_{uuid.uuid4().hex[:8]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    server = LocalPrefect(Path(tmp_path_factory.mktemp("pg-prefect")))
    server.env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = base.set(
        drivername="postgresql+asyncpg", database=database
    ).render_as_string(hide_password=False)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
