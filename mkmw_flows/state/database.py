"""Where the state lives: the database URL, the engine, and the base of the store's parts.

SQLite by default (a file the user can choose), PostgreSQL by URL. Tables are created on
first use.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, create_engine

if TYPE_CHECKING:
    from mkmw_flows.state.store import StoreTransaction

DEFAULT_HOME_ENV = "MKMW_HOME"
DATABASE_URL_ENV = "MKMW_DATABASE_URL"


def default_database_url() -> str:
    """The default state database.

    ``$MKMW_DATABASE_URL`` when set, else SQLite in ``$MKMW_HOME/state.db`` (default ``~/.mkmw``).
    """
    if os.environ.get(DATABASE_URL_ENV):
        return os.environ[DATABASE_URL_ENV]
    home = Path(os.environ.get(DEFAULT_HOME_ENV, Path.home() / ".mkmw"))
    return f"sqlite:///{home / 'state.db'}"


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and file paths; pick the drivers we ship.

    Args:
        url: A SQLAlchemy URL, a ``postgresql://`` URL, or a path to a SQLite file.

    Returns:
        A SQLAlchemy URL using psycopg for PostgreSQL.
    """
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def open_engine(url: str) -> Engine:
    """The engine of a normalised URL, with its tables created (and SQLite's folder and pragmas).

    Args:
        url: A SQLAlchemy URL (see :func:`normalise_url`).

    Returns:
        The engine, its connection pool checked before use.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine: Engine = create_engine(url, pool_pre_ping=True)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    SQLModel.metadata.create_all(engine)
    return engine


class StoreBase:
    """What every part of :class:`~mkmw_flows.state.store.StateStore` stands on."""

    engine: Engine

    def transaction(self) -> AbstractContextManager[StoreTransaction]:
        """Group writes (implemented by :class:`~mkmw_flows.state.store.StateStore`)."""
        raise NotImplementedError


class TransactionBase:
    """What every part of :class:`~mkmw_flows.state.store.StoreTransaction` stands on."""

    session: Session


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
