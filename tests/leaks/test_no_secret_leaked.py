"""No configured secret appears in anything a run produces, whether run alone or after the rest.

Alone, the module first makes its own material (`material.produce`: dry and real runs of
the products, orders and stock flows against the emulators, failed and held records, a run
that fails as a whole on refused credentials) and checks the scans saw it. Marked
``scan_last``, it runs after every other test of a session (tests/conftest.py puts it at the
end), so it also scans what they left: every log record of the session (the watch installed
by conftest), every state database under the session's temporary directory, everything the
session's Prefect server holds (its database, and its artifacts, logs, flow-run states and
events as its API gives them out), and the files under PREFECT_HOME.

The last tests plant a secret of their own (a fresh value, not one the scans above look for)
in a ledger message, a log record, an exception and a flow run's log and artifact, and prove
each reader finds it: a scan that cannot fail would prove nothing.
"""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from mkmw_flows.state import LedgerEntry, Outcome, StateStore

from .material import Material, produce
from .scan import (
    SecretWatch,
    exception_text,
    find,
    prefect_api_texts,
    prefect_database_rows,
    prefect_home_files,
    sqlite_rows,
    state_databases,
)

pytestmark = pytest.mark.scan_last


@pytest.fixture(scope="module")
def material(prefect_server: None, tmp_path_factory: pytest.TempPathFactory) -> Material:
    """The scan's own material, made once for the module."""
    return produce(tmp_path_factory.mktemp("leak-material"))


def _server_texts(material: Material) -> list[tuple[str, str]]:
    """The server's texts once every flow run of the material has its logs there (bounded)."""
    deadline = time.monotonic() + 30
    while True:
        texts = prefect_api_texts()
        runs = {
            where.removeprefix("flow run ")
            for where, text in texts
            if where.startswith("flow run ") and material.name in text
        }
        logged = {where.removeprefix("log of flow run ") for where, _ in texts} & runs
        if (runs and logged == runs) or time.monotonic() > deadline:
            return texts
        time.sleep(1)


# ---- the material is there (the scans below are not empty) ----------------------------------


def test_the_material_has_every_kind_of_record(material: Material) -> None:
    products, orders = material.summaries["products"], material.summaries["orders"]
    assert material.summaries["products plan"]["dry_run"] is True
    assert material.summaries["orders plan"]["dry_run"] is True
    assert products["counts"]["created"] > 0
    assert orders["counts"]["created"] > 0 and orders["counts"]["failed"] > 0
    store = StateStore(str(material.state_db))
    try:
        failed = store.ledger(integration=material.name, outcome=Outcome.FAILED)
    finally:
        store.close()
    # MplusKASSA's own refusal text is in the ledger, next to its reason; held orders too
    assert any(
        e.reason_code == "REJECTED_BY_MPLUS" and "BEZORGER-ONBEKEND" in e.message for e in failed
    )
    assert any(e.reason_code == "PAYMENT_UNMAPPED" for e in failed)
    # the run on refused credentials failed as a whole, and its exception text is kept
    assert material.exception_texts and all(t.strip() for t in material.exception_texts)


# ---- the scans ------------------------------------------------------------------------------


def test_no_secret_in_any_log_record(
    material: Material, known_secrets: set[str], log_watch: SecretWatch
) -> None:
    # still on the root logger, and it saw the clients' and the flow runs' records
    assert log_watch in logging.getLogger().handlers
    assert log_watch.secrets == known_secrets
    assert log_watch.seen["mkmw_flows"] > 0 and log_watch.seen["prefect"] > 0, log_watch.seen
    assert log_watch.found == []


def test_no_secret_in_any_state_database(
    material: Material, known_secrets: set[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    databases = state_databases(tmp_path_factory.getbasetemp())
    assert material.state_db in databases
    rows = [row for db in databases for row in sqlite_rows(db)]
    ours = [text for where, text in rows if where.startswith(f"{material.state_db.name}:")]
    assert any("REJECTED_BY_MPLUS" in text for text in ours)
    assert find(rows, known_secrets) == []


def test_no_secret_on_the_prefect_server(material: Material, known_secrets: set[str]) -> None:
    texts = _server_texts(material)
    wheres = {where for where, _ in texts}
    # the material's six flow runs, each with its logs, are among what is scanned
    runs = {w for w, t in texts if w.startswith("flow run ") and material.name in t}
    assert len(runs) == 6
    assert {w.replace("flow run", "log of flow run") for w in runs} <= wheres
    assert any(w.startswith("artifact") for w in wheres)
    assert any(w.startswith("log of flow run") for w in wheres)
    assert any(w.startswith("event") for w in wheres)
    failed = [t for w, t in texts if w.startswith("state of flow run") and '"FAILED"' in t]
    assert failed, "the run on refused credentials left no failed state"
    rows = list(prefect_database_rows())
    assert any(material.name in text for _, text in rows)
    assert find(texts, known_secrets) == []
    assert find(rows, known_secrets) == []
    assert find(prefect_home_files(), known_secrets) == []


def test_no_secret_in_exception_texts(material: Material, known_secrets: set[str]) -> None:
    texts = [("exception", t) for t in material.exception_texts]
    assert texts
    assert find(texts, known_secrets) == []


# ---- the scans can fail: a planted secret is found ------------------------------------------


@pytest.fixture
def planted() -> str:
    """A secret of this test only (the scans above never look for it)."""
    return f"planted-{uuid.uuid4().hex}"


def test_a_secret_planted_in_a_ledger_message_is_found(planted: str) -> None:
    with tempfile.TemporaryDirectory(prefix="mkmw-leak-plant-") as tmp:
        db = Path(tmp) / "state.db"
        store = StateStore(str(db))
        entry = LedgerEntry(
            integration="plant",
            run_id="plant",
            flow="orders",
            entity="order",
            record_key="1",
            outcome=Outcome.FAILED,
            reason_code="REJECTED_BY_MPLUS",
            message=f"refused: Authorization token {planted}",
        )
        clean = LedgerEntry(
            integration="plant",
            run_id="plant",
            flow="orders",
            entity="order",
            record_key="2",
            outcome=Outcome.CREATED,
            source_data={"nested": {"list": ["nothing here"]}},
        )
        store.append_ledger([entry, clean])
        store.close()
        assert state_databases(Path(tmp)) == [db]
        found = find(sqlite_rows(db), {planted})
    assert [where for where, _ in found] == ["state.db:mkmw_ledger"]
    assert planted in found[0][1] and "nothing here" not in found[0][1]


def test_a_secret_planted_in_a_log_record_or_exception_is_found(planted: str) -> None:
    found: list[str] = []
    watch = SecretWatch({planted}, found)
    logger = logging.getLogger(f"leak-plant-{planted}")
    logger.propagate = False
    logger.addHandler(watch)
    logger.setLevel(logging.DEBUG)
    logger.info("nothing to see")
    logger.debug("calling with token %s", planted)
    try:
        try:
            raise RuntimeError(f"inner {planted}")
        except RuntimeError as inner:
            raise ValueError("outer, plain") from inner
    except ValueError as exc:
        logger.exception("a call failed")
        # the secret is only in the cause: the exception text still shows it
        assert find([("exception", exception_text(exc))], {planted})
    logger.removeHandler(watch)
    assert len(found) == 2
    assert watch.seen["leak-plant-" + planted] == 3


@pytest.mark.usefixtures("prefect_server")
def test_a_secret_planted_in_a_flow_runs_log_and_artifact_is_found(planted: str) -> None:
    from prefect import flow, get_run_logger
    from prefect.artifacts import create_markdown_artifact
    from prefect.logging.handlers import APILogWorker

    @flow(name="leak-plant")
    def plant() -> None:
        get_run_logger().warning("a run logged token %s", planted)
        create_markdown_artifact(f"| token | {planted} |", key=f"leak-plant-{planted[-12:]}")

    plant()
    APILogWorker.drain_all(timeout=10)
    deadline = time.monotonic() + 30
    while True:
        wheres = {where.split(" ")[0] for where, _ in find(prefect_api_texts(), {planted})}
        if "log" in wheres or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert {"log", "artifact"} <= wheres
    tables = {where.split(":")[1] for where, _ in find(prefect_database_rows(), {planted})}
    assert {"log", "artifact"} <= tables
