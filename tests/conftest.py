"""Shared test set-up: Prefect settings, the lazy Prefect server, pytest-httpx filter."""

from __future__ import annotations

import os
import tempfile

# Must run before anything imports prefect (conftest is imported first).
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="mkmw-prefect-home-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
os.environ.setdefault("PREFECT_SERVER_UI_ENABLED", "false")

import logging  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

import pytest  # noqa: E402
from leaks.scan import SecretWatch  # noqa: E402

if TYPE_CHECKING:
    from mkmw_emulators.pair import EmulatorPair
    from mkmw_flows.blocks import Integration

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
REFERENCE = Path(__file__).resolve().parents[1] / "contracts"


#: Secret values the suite configures; none may appear in any log line, ledger, artifact,
#: event or exception text (checked by tests/leaks, which runs last: marker ``scan_last``).
KNOWN_SECRETS: set[str] = {
    "mplus-secret-Q7x2Lk9v",
    "shop-token-Wr4n8Zp1",
    "shop-partner-Hc6t3Jm5",
    "s3cr3t-mplus-value",
    "tok-abcdef123",
    "ptok-zyx987",
}
#: Sees every log record of the session and notes any that carries a known secret.
WATCH = SecretWatch(KNOWN_SECRETS, [])


def pytest_configure(config: pytest.Config) -> None:
    """Watch every log record of the session (INFO and up, our own loggers at DEBUG)."""
    root = logging.getLogger()
    root.addHandler(WATCH)
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)
    logging.getLogger("mkmw_flows").setLevel(logging.DEBUG)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep pytest-httpx away from loopback (Prefect API, emulators); the leak scan goes last."""
    marker = pytest.mark.httpx_mock(should_mock=lambda r: r.url.host not in LOCAL_HOSTS)
    for item in items:
        if "httpx_mock" in getattr(item, "fixturenames", ()):
            item.add_marker(marker)
    # the leak scan also scans what every other test left, so it goes last (a stable sort)
    items.sort(key=lambda item: item.get_closest_marker("scan_last") is not None)


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
    """The vendor contracts in the repository's contracts/ folder (WSDL, OpenAPI spec, notes)."""
    return REFERENCE


@pytest.fixture
def emulators() -> Iterator[EmulatorPair]:
    """Both emulators with their demo seeds, served on loopback ports for one test."""
    from mkmw_emulators.pair import EmulatorPair

    with EmulatorPair() as pair:
        yield pair


@pytest.fixture
def make_integration(tmp_path: Path) -> Callable[..., tuple[str, Integration]]:
    """Build (and, with save=True, save under a unique name) an Integration for emulators.

    Usage: ``name, block = make_integration(pair, stock={"safety_buffer": 2}, save=True)``.
    Saving needs the ``prefect_server`` fixture.
    """
    from mkmw_flows.blocks import Integration

    def make(
        pair: EmulatorPair, *, save: bool = False, name: str | None = None, **overrides: Any
    ) -> tuple[str, Integration]:
        fields: dict[str, Any] = pair.credentials()
        fields["state_database_url"] = str(tmp_path / "state.db")
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(fields.get(key), dict):
                fields[key] = {**fields[key], **value}
            else:
                fields[key] = value
        block = Integration(**fields)
        block_name = name or f"test-{uuid.uuid4().hex[:10]}"
        if save:
            block.save(block_name, overwrite=True)
        return block_name, block

    return make


@pytest.fixture(scope="session")
def known_secrets() -> set[str]:
    """The secret values the suite configures (for the leak scan)."""
    return KNOWN_SECRETS


@pytest.fixture(scope="session")
def log_watch() -> SecretWatch:
    """The session's log watch: the records it saw, and those that carried a known secret."""
    return WATCH
