"""Runs last: no configured secret appears in anything the whole suite produced.

Scans every log record of the session (collected by the watch in conftest), every ledger in
the session's temporary state databases, and, on the session's Prefect server, every
artifact, log, event and flow-run state message.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

SECRETS: set[str] = set()


@pytest.fixture(autouse=True)
def _secrets(known_secrets: set[str]) -> None:
    SECRETS.update(known_secrets)


def _hits(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_no_secret_in_any_log_record(leaked_log_records: list[str]) -> None:
    assert leaked_log_records == []


def test_no_secret_in_any_ledger(tmp_path_factory: pytest.TempPathFactory) -> None:
    base = tmp_path_factory.getbasetemp()
    for db in Path(base).rglob("*.db"):
        try:
            with sqlite3.connect(db) as conn:
                tables = {
                    r[0] for r in conn.execute("select name from sqlite_master where type='table'")
                }
                if "mkmw_ledger" not in tables:
                    continue
                for row in conn.execute("select * from mkmw_ledger"):
                    assert not _hits(json.dumps(row, default=str)), f"secret in ledger of {db}"
        except sqlite3.DatabaseError:
            continue


def _paged(read, **kw):  # type: ignore[no-untyped-def]
    offset = 0
    while True:
        page = read(limit=200, offset=offset, **kw)
        yield from page
        if len(page) < 200:
            return
        offset += 200


@pytest.mark.usefixtures("prefect_server")
def test_no_secret_in_artifacts_logs_events_or_states() -> None:
    from prefect.client.orchestration import get_client

    texts: list[str] = []
    with get_client(sync_client=True) as client:
        texts += [json.dumps(a.model_dump(mode="json")) for a in _paged(client.read_artifacts)]
        texts += [log.message for log in _paged(client.read_logs)]
        for run in _paged(client.read_flow_runs):
            states = client.read_flow_run_states(run.id)
            texts += [json.dumps(s.model_dump(mode="json", exclude={"data"})) for s in states]
        page = client.read_events(limit=50)
        while page is not None:
            texts += [json.dumps(e.model_dump(mode="json")) for e in page.events]
            page = client.read_events_page(page.next_page) if page.next_page else None
    leaks = [t[:200] for t in texts if _hits(t)]
    assert leaks == []
