"""Where a secret could end up, read back as text, and a finder of secrets in that text.

Each reader returns ``(where, text)`` pairs so a finding says where it was: a state database
row, a row of the Prefect server's database, an artifact, log, flow-run state or event read
over the Prefect API, a file under PREFECT_HOME, an exception's text. `find` takes the
secrets to look for as an argument, so a test can plant a secret of its own and prove a
reader finds it without touching what the suite's own scan looks for.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

Found = tuple[str, str]


def find(texts: Iterable[Found], secrets: Iterable[str]) -> list[Found]:
    """The (where, first 300 characters) of every text that carries one of the secrets."""
    wanted = [s for s in secrets if s]
    return [(where, text[:300]) for where, text in texts if any(s in text for s in wanted)]


class SecretWatch(logging.Handler):
    """Sees log records and notes any whose message or exception carries a secret.

    Args:
        secrets: The values to look for.
        found: Where the records that carry one are noted (``logger: message``).
    """

    def __init__(self, secrets: Iterable[str], found: list[str]) -> None:
        super().__init__(level=logging.DEBUG)
        # Prefect's setup_logging (run when prefect is imported) replaces the root logger's
        # handlers unless one of them has a formatter: with one, the watch stays on.
        self.setFormatter(logging.Formatter())
        self.secrets = set(secrets)
        self.found = found
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen[record.name.split(".")[0]] += 1
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is not our concern here
            return
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + exception_text(record.exc_info[1])
        if any(secret in text for secret in self.secrets):
            self.found.append(f"{record.name}: {text[:300]}")


def exception_text(exc: BaseException) -> str:
    """An exception as a user sees it: message, repr and the traceback with its causes."""
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])


def sqlite_rows(path: Path) -> Iterator[Found]:
    """Every row of every table of a SQLite database, as JSON text."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        for table in tables:
            for row in conn.execute(f'select * from "{table}"'):  # noqa: S608 - names from sqlite
                yield f"{path.name}:{table}", json.dumps(row, default=_text)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def is_state_database(path: Path) -> bool:
    """True when the file is a SQLite database with the state store's ledger in it."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            names = {r[0] for r in conn.execute("select name from sqlite_master")}
    except sqlite3.DatabaseError:
        return False
    return "mkmw_ledger" in names


def state_databases(base: Path) -> list[Path]:
    """Every state database (bindings, cursors, ledger, held records) under `base`."""
    return sorted(p for p in base.rglob("*.db") if is_state_database(p))


def prefect_database() -> Path:
    """The SQLite file of the Prefect server the session runs against."""
    from prefect.settings import PREFECT_SERVER_DATABASE_CONNECTION_URL

    url = str(PREFECT_SERVER_DATABASE_CONNECTION_URL.value())
    return Path(url.split(":///", 1)[1])


def prefect_database_rows() -> Iterator[Found]:
    """Every row of every table of the Prefect server's database.

    Block documents included: Prefect stores their data encrypted (Fernet), so the saved
    Integration blocks' secrets must not show there in plain text either.
    """
    return sqlite_rows(prefect_database())


def prefect_home_files() -> Iterator[Found]:
    """Every file under PREFECT_HOME (profiles, local result storage), as text."""
    home = Path(os.environ["PREFECT_HOME"])
    for path in sorted(home.rglob("*")):
        if path.is_file():
            yield (
                f"PREFECT_HOME/{path.relative_to(home)}",
                path.read_bytes().decode("utf-8", "replace"),
            )


def _paged(read: Callable[..., list[Any]], **kw: Any) -> Iterator[Any]:
    offset = 0
    while True:
        page = read(limit=200, offset=offset, **kw)
        yield from page
        if len(page) < 200:
            return
        offset += 200


def prefect_api_texts() -> list[Found]:
    """Every artifact, log, flow-run state and event the Prefect server gives out."""
    from prefect.client.orchestration import get_client

    texts: list[Found] = []
    with get_client(sync_client=True) as client:
        for a in _paged(client.read_artifacts):
            texts.append((f"artifact {a.key or a.id}", json.dumps(a.model_dump(mode="json"))))
        for log in _paged(client.read_logs):
            texts.append((f"log of flow run {log.flow_run_id}", log.message))
        for run in _paged(client.read_flow_runs):
            texts.append((f"flow run {run.id}", json.dumps(run.model_dump(mode="json"))))
            for s in client.read_flow_run_states(run.id):
                dumped = json.dumps(s.model_dump(mode="json", exclude={"data"}))
                texts.append((f"state of flow run {run.id}", dumped))
        page = client.read_events(limit=50)
        while page is not None:
            texts += [
                (f"event {e.event}", json.dumps(e.model_dump(mode="json"))) for e in page.events
            ]
            page = client.read_events_page(page.next_page) if page.next_page else None
    return texts
