"""What every `mkmw` command shares: the console, the --database option, the emulator check."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from mkmw_flows.state import StateStore

#: The one console every command prints to (tests swap it per command module for a width).
console = Console()

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="State database URL or SQLite path (default: $MKMW_DATABASE_URL or ~/.mkmw/state.db).",
    ),
]


def open_store(database: str | None) -> StateStore:
    """The state store at `database` (the default location when None)."""
    from mkmw_flows.state import StateStore

    return StateStore(database)


EMULATORS_MISSING = (
    "The emulators are not installed. They ship apart from the product: "
    "pip install 'mkmw-flows[emulators]' (from a checkout: "
    "pip install -e ./mkmw_emulators -e '.[emulators]', which `make install` does)."
)


def require_emulators() -> None:
    """Exit with the install command when the optional emulators are missing."""
    import importlib.util

    if importlib.util.find_spec("mkmw_emulators") is None:
        console.print(f"[red]{EMULATORS_MISSING}[/red]")
        raise typer.Exit(code=2)
