"""`mkmw run` (one flow once, here) and `mkmw retry` (take held records again)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from mkmw_flows.cli.common import DatabaseOption, console, open_store

#: Flow name -> "module:function" of the flows `mkmw run` can start.
RUNNABLE_FLOWS = {
    "sync-products": "mkmw_flows.flows.products:sync_products",
    "sync-stock": "mkmw_flows.flows.stock:sync_stock",
    "reconcile-stock": "mkmw_flows.flows.stock:reconcile_stock",
    "sync-orders": "mkmw_flows.flows.orders:sync_orders",
    "purge-ledger": "mkmw_flows.flows.maintenance:purge_ledger",
}


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
    marked = open_store(database).request_retry(
        integration, reason_code=reason, record_key=record, flow=flow
    )
    console.print(f"{marked} held record(s) will be taken again on the next run")
