"""State store fixtures: every store test runs on SQLite, and on PostgreSQL when configured."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from mkmw_flows.state import StateStore

PG_URL = os.environ.get("MKMW_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    """A fresh, empty state store on each configured database."""
    if request.param == "sqlite":
        s = StateStore(str(tmp_path / "state.db"))
    else:
        assert PG_URL
        s = StateStore(PG_URL)
        SQLModel.metadata.drop_all(s.engine)
        SQLModel.metadata.create_all(s.engine)
    yield s
    s.close()
