"""Shared test set-up: Prefect settings, the lazy Prefect server, pytest-httpx filter."""

from __future__ import annotations

import os
import tempfile

# Must run before anything imports prefect (conftest is imported first).
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="mkmw-prefect-home-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
os.environ.setdefault("PREFECT_SERVER_UI_ENABLED", "false")

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep pytest-httpx away from loopback: Prefect's own API client and our emulators."""
    marker = pytest.mark.httpx_mock(should_mock=lambda r: r.url.host not in LOCAL_HOSTS)
    for item in items:
        if "httpx_mock" in getattr(item, "fixturenames", ()):
            item.add_marker(marker)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One temporary Prefect API server for the whole session, started only when asked for."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=90),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The vendor contracts in ../shared/reference (WSDL, OpenAPI spec, notes)."""
    return REFERENCE
