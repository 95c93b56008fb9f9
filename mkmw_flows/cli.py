"""`mkmw`: the command line of mkmw-flows."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mkmw_flows import __version__

if TYPE_CHECKING:
    from mkmw_emulators.core.faults import FaultConfig
    from mkmw_flows.blocks import Integration
    from mkmw_flows.state import LedgerEntry, StateStore

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# The embedded (ephemeral) server gets 20 s to boot by default; a busy two-core machine can
# need more, and a `mkmw` command should not fail for that.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

app = typer.Typer(
    name="mkmw",
    help="MplusKASSA <-> MijnWebwinkel synchronisation on Prefect 3.",
    no_args_is_help=True,
    add_completion=False,
)
blocks_app = typer.Typer(help="Block documents as code.", no_args_is_help=True)
emulate_app = typer.Typer(help="Run a local emulator of one of the two APIs.", no_args_is_help=True)
cursor_app = typer.Typer(help="Show and move change-feed cursors.", no_args_is_help=True)
ledger_app = typer.Typer(help="The per-record activity log.", no_args_is_help=True)
app.add_typer(blocks_app, name="blocks")
app.add_typer(emulate_app, name="emulate")
app.add_typer(cursor_app, name="cursor")
app.add_typer(ledger_app, name="ledger")

console = Console()

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="State database URL or SQLite path (default: $MKMW_DATABASE_URL or ~/.mkmw/state.db).",
    ),
]


def _store(database: str | None) -> StateStore:
    from mkmw_flows.state import StateStore

    return StateStore(database)


@app.command()
def version() -> None:
    """Print the mkmw-flows version."""
    console.print(f"mkmw-flows {__version__}")


# -- blocks ---------------------------------------------------------------------------


@blocks_app.command("apply")
def blocks_apply(
    file: Annotated[Path, typer.Argument(help="A blocks YAML file, such as blocks/example.yaml.")],
    check: Annotated[bool, typer.Option("--check", help="Validate only; save nothing.")] = False,
) -> None:
    """Create or update the block documents described in FILE (secrets from ${ENV} variables)."""
    from mkmw_flows.blockfile import BlockFileError, apply_file, plan_file

    try:
        names = [p.name for p in plan_file(file)] if check else apply_file(file)
    except BlockFileError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from None
    verb = "valid" if check else "saved"
    for name in names:
        console.print(f"integration [bold]{name}[/bold] {verb}")


@blocks_app.command("register")
def blocks_register() -> None:
    """Register the mkmw block types with the Prefect server so they show in the UI."""
    from mkmw_flows.blocks import ALL_BLOCKS

    for block in ALL_BLOCKS:
        block.register_type_and_schema()
        console.print(f"registered {block.get_block_type_slug()}")


# -- settings -------------------------------------------------------------------------

settings_app = typer.Typer(help="Read-only views of the settings and rules.", no_args_is_help=True)
app.add_typer(settings_app, name="settings")


@settings_app.command("show")
def settings_show(
    integration: Annotated[str, typer.Option(help="The Integration block to list.")] = "default",
    defaults: Annotated[
        bool, typer.Option("--defaults", help="The default rules only (no Prefect server).")
    ] = False,
) -> None:
    """List an integration's mappings and field rules (defaults and yours); never secrets."""
    from mkmw_flows.settings.show import default_sections, integration_sections

    if defaults:
        sections = default_sections()
    else:
        from mkmw_flows.flows.common import load_integration

        try:
            sections = integration_sections(load_integration(integration))
        except ValueError as exc:
            console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None
    for section in sections:
        if not section.rows:
            console.print(f"[bold]{escape(section.title)}[/bold]: {escape(section.empty)}\n")
            continue
        table = Table(*section.columns, title=escape(section.title), title_justify="left")
        for row in section.rows:
            table.add_row(*(escape(cell) for cell in row))
        console.print(table)


# -- emulators ------------------------------------------------------------------------


EMULATORS_MISSING = (
    "The emulators are not installed. They ship apart from the product: "
    "pip install 'mkmw-flows[emulators]' (from a checkout: "
    "pip install -e ./mkmw_emulators -e '.[emulators]', which `make install` does)."
)


def _require_emulators() -> None:
    """Exit with the install command when the optional emulators are missing."""
    import importlib.util

    if importlib.util.find_spec("mkmw_emulators") is None:
        console.print(f"[red]{EMULATORS_MISSING}[/red]")
        raise typer.Exit(code=2)


def _fault_config(latency_ms: float, fault_rate: float, seed: int) -> FaultConfig:
    _require_emulators()
    from mkmw_emulators.core.faults import FaultConfig

    return FaultConfig(latency_ms=latency_ms, fault_rate=fault_rate, seed=seed)


@emulate_app.command("mplus")
def emulate_mplus(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8081,
    seed: Annotated[str, typer.Option(help="demo, empty, or a number of articles.")] = "demo",
    ident: Annotated[str, typer.Option(help="The ident the emulator accepts.")] = "demo",
    secret: Annotated[str, typer.Option(help="The secret the emulator accepts.")] = "demo",
    latency_ms: Annotated[float, typer.Option(help="Latency added to every call.")] = 0.0,
    fault_rate: Annotated[float, typer.Option(help="Share of calls that fail (0..1).")] = 0.0,
    fault_seed: Annotated[int, typer.Option(help="Seed of the fault injection.")] = 0,
) -> None:
    """Serve the MplusKASSA emulator until interrupted."""
    import uvicorn

    _require_emulators()  # before the import: an installed wheel has no emulators
    from mkmw_emulators.mplus.server import create_emulator

    emulator = create_emulator(
        seed=seed,
        ident=ident,
        secret=secret,
        faults=_fault_config(latency_ms, fault_rate, fault_seed),
    )
    console.print(f"MplusKASSA emulator on http://127.0.0.1:{port} (seed {seed})")
    uvicorn.run(emulator.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


@emulate_app.command("mijnwebwinkel")
def emulate_mijnwebwinkel(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8082,
    seed: Annotated[str, typer.Option(help="demo, empty, or a number of articles.")] = "demo",
    token: Annotated[
        str, typer.Option(help="The store token the emulator accepts.")
    ] = "demo-token",
    partner_token: Annotated[
        str, typer.Option(help="The partner token the emulator accepts.")
    ] = "demo-partner",
    latency_ms: Annotated[float, typer.Option(help="Latency added to every call.")] = 0.0,
    fault_rate: Annotated[float, typer.Option(help="Share of calls that fail (0..1).")] = 0.0,
    fault_seed: Annotated[int, typer.Option(help="Seed of the fault injection.")] = 0,
    rate_limit: Annotated[
        float | None, typer.Option(help="Calls per second per store before 429.")
    ] = None,
    live_quirks: Annotated[
        bool, typer.Option(help="Answer with the live API's deviations from the spec.")
    ] = False,
    order_statuses: Annotated[
        str | None,
        typer.Option(
            help="The shop's order statuses, e.g. "
            "'1=In behandeling,7=Geannuleerd:cancelled,10=Creditorder:credit' "
            "(default: 1, 2, 3, 6, 7 cancelled, 10 credit)."
        ),
    ] = None,
) -> None:
    """Serve the MijnWebwinkel emulator until interrupted."""
    import uvicorn

    _require_emulators()  # before the import: an installed wheel has no emulators
    from mkmw_emulators.mijnwebwinkel.server import create_emulator
    from mkmw_emulators.mijnwebwinkel.statuses import parse_order_statuses

    try:
        statuses = parse_order_statuses(order_statuses) if order_statuses else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--order-statuses") from None
    emulator = create_emulator(
        seed=seed,
        token=token,
        partner_token=partner_token,
        faults=_fault_config(latency_ms, fault_rate, fault_seed),
        rate_limit=rate_limit,
        live_quirks=live_quirks,
        order_statuses=statuses,
    )
    console.print(f"MijnWebwinkel emulator on http://127.0.0.1:{port} (seed {seed})")
    uvicorn.run(emulator.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


# -- cursors --------------------------------------------------------------------------


@cursor_app.command("show")
def cursor_show(
    integration: Annotated[str | None, typer.Option(help="Only this integration.")] = None,
    database: DatabaseOption = None,
) -> None:
    """List the stored cursors."""
    table = Table("integration", "cursor", "value", "updated (UTC)")
    for row in _store(database).cursors(integration):
        table.add_row(row.integration, row.name, row.value, f"{row.updated_at:%Y-%m-%d %H:%M:%S}")
    console.print(table)


@cursor_app.command("rewind")
def cursor_rewind(
    integration: Annotated[str, typer.Option(help="The integration.")],
    name: Annotated[str, typer.Option(help="The cursor, as `mkmw cursor show` lists it.")],
    to: Annotated[
        str | None, typer.Option(help="The new value; without it the feed is read from the start.")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Move a cursor back so the next run reads the feed again from there."""
    store = _store(database)
    if to is None:
        existed = store.delete_cursor(integration, name)
        console.print(f"cursor {name} {'reset' if existed else 'was not set'}")
    else:
        store.set_cursor(integration, name, to)
        console.print(f"cursor {name} set to {to}")


# -- ledger ---------------------------------------------------------------------------


@ledger_app.command("show")
def ledger_show(
    integration: Annotated[str | None, typer.Option(help="Only this integration.")] = None,
    run: Annotated[str | None, typer.Option(help="Only this flow run id.")] = None,
    reason: Annotated[str | None, typer.Option(help="Only this reason code.")] = None,
    record: Annotated[str | None, typer.Option(help="Only this record key.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many entries.")] = 50,
    details: Annotated[
        bool, typer.Option("--details", help="Also print what was read and what was sent.")
    ] = False,
    wide: Annotated[
        bool, typer.Option("--wide", help="One table row per entry (for a wide terminal).")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Print ledger entries, newest first: each entry's message on its own line under it."""
    entries = _store(database).ledger(
        integration=integration, run_id=run, reason_code=reason, record_key=record, limit=limit
    )
    if wide:
        _ledger_table(entries, details)
    else:
        _ledger_stacked(entries, details)


_LEDGER_COLUMNS = ("time (UTC)", "integration", "flow", "record", "outcome", "reason")


def _ledger_fields(entry: LedgerEntry) -> list[str]:
    return [
        f"{entry.created_at:%Y-%m-%d %H:%M:%S}",
        entry.integration,
        entry.flow,
        entry.record_key,
        entry.outcome.value,
        entry.reason_code or "",
    ]


def _ledger_data(entry: LedgerEntry) -> tuple[str, str]:
    import json

    return (
        json.dumps(entry.source_data or {}, ensure_ascii=False),
        json.dumps(entry.sent_data or {}, ensure_ascii=False),
    )


def _ledger_table(entries: list[LedgerEntry], details: bool) -> None:
    table = Table(*_LEDGER_COLUMNS, "message", *(["read", "sent"] if details else []))
    for entry in entries:
        row = [*_ledger_fields(entry), entry.message]
        if details:
            row += list(_ledger_data(entry))
        table.add_row(*row)
    console.print(table)


def _ledger_stacked(entries: list[LedgerEntry], details: bool) -> None:
    """The short fields in aligned columns, the message (and data) wrapped under each entry.

    When every entry is of one integration, its name is printed once above the rows.
    """
    from rich.padding import Padding
    from rich.text import Text

    integrations = {e.integration for e in entries}
    drop = 1 if len(integrations) == 1 else None  # the integration column
    columns = [c for i, c in enumerate(_LEDGER_COLUMNS) if i != drop]
    rows = [[c for i, c in enumerate(_ledger_fields(e)) if i != drop] for e in entries]
    widths = [max(len(c) for c in column) for column in zip(columns, *rows, strict=False)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    if drop is not None:
        console.print(f"integration: {next(iter(integrations))}", highlight=False, markup=False)
    console.print(line(columns), style="bold", highlight=False, markup=False)
    for entry, row in zip(entries, rows, strict=True):
        console.print(line(row), highlight=False, markup=False)
        under = [entry.message] if entry.message else []
        if details:
            read, sent = _ledger_data(entry)
            under += [f"read: {read}", f"sent: {sent}"]
        for text in under:
            console.print(Padding(Text(text), (0, 0, 0, 4)), highlight=False)
    console.print(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}", style="dim")


#: Flow name -> "module:function" of the flows `mkmw run` can start.
RUNNABLE_FLOWS = {
    "sync-products": "mkmw_flows.flows.products:sync_products",
    "sync-stock": "mkmw_flows.flows.stock:sync_stock",
    "reconcile-stock": "mkmw_flows.flows.stock:reconcile_stock",
    "sync-orders": "mkmw_flows.flows.orders:sync_orders",
    "purge-ledger": "mkmw_flows.flows.maintenance:purge_ledger",
}


@app.command()
def run(
    flow: Annotated[str, typer.Argument(help=f"One of: {', '.join(RUNNABLE_FLOWS)}.")],
    integration: Annotated[str, typer.Option(help="The Integration block.")] = "default",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan only; write nothing.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Read everything and compare.")] = False,
    heal: Annotated[bool, typer.Option("--heal", help="reconcile-stock: write fixes.")] = False,
) -> None:
    """Run one flow once, here, and print what it did."""
    import importlib
    import inspect
    import time

    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    if flow not in RUNNABLE_FLOWS:
        choices = ", ".join(RUNNABLE_FLOWS)
        console.print(f"[red]error:[/red] unknown flow {flow!r}; choose from {choices}")
        raise typer.Exit(code=2)
    module, _, name = RUNNABLE_FLOWS[flow].partition(":")
    flow_fn = getattr(importlib.import_module(module), name)
    accepted = inspect.signature(flow_fn.fn).parameters
    wanted = {"dry_run": dry_run, "full": full, "heal": heal}
    for option, value in wanted.items():
        if value and option not in accepted:
            console.print(f"[red]error:[/red] {flow} has no --{option.replace('_', '-')} option")
            raise typer.Exit(code=2)
    kwargs = {k: v for k, v in wanted.items() if k in accepted and v}
    started = time.perf_counter()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        progress.add_task(f"{flow} for {integration}", total=None)
        try:
            state = flow_fn(integration=integration, return_state=True, **kwargs)
            summary = state.result()
        except Exception as exc:  # noqa: BLE001 - report the flow's failure in one line
            console.print(f"[red]{flow} failed:[/red] {exc}")
            raise typer.Exit(code=1) from None
    table = Table(title=f"{flow} for {integration}" + (" (dry run)" if dry_run else ""))
    table.add_column("outcome")
    table.add_column("records", justify="right")
    for outcome, number in (summary.get("counts") or {}).items():
        table.add_row(outcome, str(number))
    console.print(table)
    for key, value in summary.items():
        shown = key not in ("counts", "flow", "integration", "dry_run")
        if shown and value not in ({}, None, []):
            console.print(f"{key}: {value}")
    if dry_run:
        _print_plan(state.state_details.flow_run_id)
    console.print(f"done in {time.perf_counter() - started:.1f} s")


def _print_plan(flow_run_id: object) -> None:
    """Print the plan a dry run published (record, field, old -> new): its own artifact."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from rich.markdown import Markdown

    if flow_run_id is None:
        return
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    plans = [a for a in artifacts if (a.key or "").endswith("-plan") and isinstance(a.data, str)]
    if not plans:
        console.print("this flow publishes no field-by-field plan")
        return
    for artifact in plans:
        console.print(Markdown(str(artifact.data)))


@app.command()
def demo(
    name: Annotated[str, typer.Option(help="Name of the Integration block to save.")] = "demo",
) -> None:
    """Run the demo against both emulators and check that the systems agree."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # the demo prints its own summary
    _require_emulators()
    from mkmw_flows.demo import run_demo

    result = run_demo(console, name=name)
    raise typer.Exit(code=0 if result.ok else 1)


@app.command()
def retry(
    integration: Annotated[str, typer.Option(help="The integration.")] = "default",
    reason: Annotated[
        str | None, typer.Option(help="Retry every held record with this reason.")
    ] = None,
    record: Annotated[str | None, typer.Option(help="Retry this one record.")] = None,
    flow: Annotated[str | None, typer.Option(help="Only records of this flow.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Make the next run take held records again."""
    if reason is None and record is None:
        console.print("[red]error:[/red] give --reason CODE or --record KEY")
        raise typer.Exit(code=2)
    marked = _store(database).request_retry(
        integration, reason_code=reason, record_key=record, flow=flow
    )
    console.print(f"{marked} held record(s) will be taken again on the next run")


# -- operations: automations, setup, check ----------------------------------------------

automations_app = typer.Typer(help="Alerts as code (Prefect automations).", no_args_is_help=True)
app.add_typer(automations_app, name="automations")


@automations_app.command("apply")
def automations_apply(
    file: Annotated[Path, typer.Argument(help="An automations YAML file.")] = Path(
        "deployments/automations.yaml"
    ),
    notification_block: Annotated[
        str | None,
        typer.Option(help="Name of the notification block (overrides the file's)."),
    ] = None,
) -> None:
    """Create or update the automations in FILE; applying again changes nothing."""
    from mkmw_flows.automations import AutomationFileError, apply_file

    try:
        results = apply_file(file, notification_block)
    except AutomationFileError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from None
    for result in results:
        console.print(f"automation [bold]{result.name}[/bold] {result.action}")


budget_app = typer.Typer(
    help="One API budget per system, shared by all runs (docs/scaling.md).", no_args_is_help=True
)
app.add_typer(budget_app, name="budget")


@budget_app.command("apply")
def budget_apply(
    integration: Annotated[str, typer.Option(help="The Integration block's name.")],
    shop_rate: Annotated[
        float | None, typer.Option(help="MijnWebwinkel calls per second, all runs together.")
    ] = None,
    mplus_rate: Annotated[
        float | None, typer.Option(help="MplusKASSA calls per second, all runs together.")
    ] = None,
) -> None:
    """Create or update the integration's rate limits on the Prefect server; idempotent.

    Then set `api_budget: true` on the Integration block so every flow run takes its calls
    from these limits.
    """
    from mkmw_flows.budget import apply_budget

    try:
        results = apply_budget(integration, shop_rate=shop_rate, mplus_rate=mplus_rate)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from None
    for result in results:
        limit = result.limit
        console.print(
            f"limit [bold]{limit.name}[/bold] {result.action}: "
            f"{limit.slot_decay_per_second:g} calls/s, burst {limit.limit}"
        )


class _TyperSetupIO:
    """Prompts of `mkmw setup` (hidden for secrets); none with --no-input."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive

    def ask(self, text: str, default: str | None = None, *, secret: bool = False) -> str:
        return str(typer.prompt(text, default=default, hide_input=secret, show_default=not secret))

    def confirm(self, text: str, default: bool = True) -> bool:
        return bool(typer.confirm(text, default=default))

    def say(self, text: str) -> None:
        console.print(text, highlight=False, markup=False)


@app.command()
def setup(
    name: Annotated[str | None, typer.Option(help="Integration name.")] = None,
    mplus_url: Annotated[str | None, typer.Option(help="MplusKASSA API URL with port.")] = None,
    mplus_ident: Annotated[str | None, typer.Option(help="MplusKASSA ident.")] = None,
    mplus_secret: Annotated[
        str | None, typer.Option(help="MplusKASSA secret (or $MKMW_MPLUS_SECRET).")
    ] = None,
    mplus_verify_tls: Annotated[
        bool | None, typer.Option(help="Verify MplusKASSA's TLS certificate.")
    ] = None,
    shop_url: Annotated[str | None, typer.Option(help="MijnWebwinkel API URL.")] = None,
    shop_token: Annotated[
        str | None, typer.Option(help="MijnWebwinkel shop token (or $MKMW_SHOP_TOKEN).")
    ] = None,
    partner_token: Annotated[
        str | None, typer.Option(help="MijnWebwinkel partner token (or $MKMW_PARTNER_TOKEN).")
    ] = None,
    flows: Annotated[
        str | None, typer.Option(help="Flows to run, comma-separated: products,stock,orders.")
    ] = None,
    product_direction: Annotated[
        str | None, typer.Option(help="mplus_to_shop or shop_to_mplus.")
    ] = None,
    order_direction: Annotated[
        str | None, typer.Option(help="shop_to_mplus or mplus_to_shop.")
    ] = None,
    employee_number: Annotated[
        int | None, typer.Option("--employee", help="MplusKASSA employee for web orders.")
    ] = None,
    branch_number: Annotated[
        int | None, typer.Option("--branch", help="MplusKASSA branch for web orders.")
    ] = None,
    workplace_number: Annotated[
        int | None, typer.Option("--workplace", help="MplusKASSA workplace in that branch.")
    ] = None,
    stock_calculation: Annotated[
        str | None, typer.Option(help="free, free_plus_incoming or on_hand.")
    ] = None,
    stock_branches: Annotated[
        str | None, typer.Option(help="Branches whose stock counts, comma-separated.")
    ] = None,
    statuses_to_import: Annotated[
        str | None, typer.Option("--statuses", help="Shop order status ids to import.")
    ] = None,
    state_database_url: Annotated[
        str | None, typer.Option("--database", help="State database URL or SQLite path.")
    ] = None,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Never prompt; take flags and defaults.")
    ] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace an Integration of that name.")] = False,
    deploy: Annotated[
        bool, typer.Option(help="Also create the scheduled deployments on the work pool.")
    ] = False,
) -> None:
    """Set up an integration: test both connections, pick flows and settings, save it.

    Ends with the pre-flight check (`mkmw check`): exit 0 when nothing blocks the first
    sync, 3 when the integration was saved but the check found blocking problems, 1 when
    nothing was saved.
    """
    from mkmw_flows.setup import SetupError, deployed_flows, run_setup

    flags = {
        "name": name,
        "mplus_url": mplus_url,
        "mplus_ident": mplus_ident,
        "mplus_secret": mplus_secret or os.environ.get("MKMW_MPLUS_SECRET"),
        "mplus_verify_tls": mplus_verify_tls,
        "shop_url": shop_url,
        "shop_token": shop_token or os.environ.get("MKMW_SHOP_TOKEN"),
        "partner_token": partner_token or os.environ.get("MKMW_PARTNER_TOKEN"),
        "flows": flows,
        "product_direction": product_direction,
        "order_direction": order_direction,
        "employee_number": employee_number,
        "branch_number": branch_number,
        "workplace_number": workplace_number,
        "stock_calculation": stock_calculation,
        "stock_branches": stock_branches,
        "statuses_to_import": statuses_to_import,
        "state_database_url": state_database_url,
    }
    try:
        answers, integration = run_setup(
            _TyperSetupIO(interactive=not no_input), flags, overwrite=overwrite
        )
    except SetupError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(code=1) from None
    if deploy:
        from mkmw_flows.schedules import WORK_POOL, deploy_to_pool

        for deployed in deploy_to_pool(answers.name, deployed_flows(answers.flows)):
            console.print(f"deployed {deployed}")
        console.print(
            f"start a worker where mkmw-flows is installed: prefect worker start --pool {WORK_POOL}"
        )
    blockers = _setup_preflight(answers.name, integration)
    if blockers:
        raise typer.Exit(code=SETUP_SAVED_WITH_BLOCKERS)


#: `mkmw setup` exit code: the Integration was saved, but the pre-flight check found blockers.
SETUP_SAVED_WITH_BLOCKERS = 3


def _setup_preflight(name: str, integration: Integration) -> int:
    """Run the pre-flight check on a just-saved integration and print what blocks the sync.

    Returns:
        The number of blocking problems (0 when the check could not run: it says so).
    """
    from mkmw_flows.check import run_check

    again = f"mkmw check --integration {name}"
    console.print("pre-flight check (both systems are read, nothing is written) ...")
    try:
        report = run_check(integration)
    except Exception as exc:  # noqa: BLE001 - setup saved; the check is advice, say why it failed
        console.print(
            f"[yellow]saved, but the pre-flight check could not run:[/yellow] {exc}\n"
            f"run it again with: {again}",
            highlight=False,
        )
        return 0
    blockers = report.blockers
    for finding in blockers:
        console.print(
            f"[red]BLOCKS[/red] {finding.system} {finding.code} {finding.subject}: "
            f"{finding.message}",
            highlight=False,
        )
    others = len(report.findings) - len(blockers)
    if blockers:
        console.print(
            f"[bold]saved Integration {name!r}, but {len(blockers)} problem(s) block the "
            f"sync[/bold] ({others} other finding(s)); fix them, then see what is left "
            f"with: {again}",
            highlight=False,
        )
    else:
        console.print(
            f"saved Integration {name!r}; nothing blocks the first sync "
            f"({others} other finding(s): {again})",
            highlight=False,
        )
    return len(blockers)


@app.command()
def check(
    integration: Annotated[str, typer.Option(help="The Integration block to check.")] = "default",
) -> None:
    """Pre-flight report over both systems; exits 1 when anything would block the first sync."""
    from mkmw_flows.check import BLOCKER, run_check
    from mkmw_flows.flows.common import load_integration

    try:
        block = load_integration(integration)
    except ValueError as exc:  # no such block, or stored settings that do not validate
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    report = run_check(block)
    table = Table("", "system", "code", "what", "message", title=f"mkmw check: {integration}")
    marks = {BLOCKER: "[red]BLOCKS[/red]", "warning": "[yellow]warn[/yellow]", "info": "ok"}
    for f in sorted(report.findings, key=lambda f: (f.severity != BLOCKER, f.system, f.code)):
        table.add_row(marks.get(f.severity, f.severity), f.system, f.code, f.subject, f.message)
    console.print(table)
    blockers = len(report.blockers)
    others = len(report.findings) - blockers
    console.print(f"{blockers} blocking problem(s), {others} other finding(s)")
    if blockers:
        raise typer.Exit(code=1)


@app.command()
def bench(
    quick: Annotated[bool, typer.Option(help="Small sizes, for a smoke check.")] = False,
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="Just this scenario (calibration, products, stock, orders, prefect-overhead)."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Markdown page to write.")] = None,
) -> None:
    """Run the bench/ scenarios and write docs/benchmarks.md (a source checkout only)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    if not (root / "bench" / "__main__.py").exists():
        console.print("[red]error:[/red] the benchmarks ship with a source checkout (bench/)")
        raise typer.Exit(code=2)
    args = [sys.executable, "-m", "bench"] + (["--quick"] if quick else [])
    args += ["--only", *only] if only else []
    args += ["--out", str(out.resolve())] if out else []
    raise typer.Exit(code=subprocess.call(args, cwd=root))  # noqa: S603 - our own interpreter


if __name__ == "__main__":  # pragma: no cover
    app()
