"""One real `prefect server start` shared by the operations tests that need one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .localprefect import LocalPrefect


@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPrefect]:
    """A local Prefect server (SQLite, scheduler off) on a free 127.0.0.1 port.

    Tests point this process's client at it with ``with local_server.as_api():``.
    """
    server = LocalPrefect(Path(tmp_path_factory.mktemp("local-prefect")))
    try:
        server.start()
        yield server
    finally:
        server.stop()
