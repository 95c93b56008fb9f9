"""Maintenance flows: ``purge-ledger`` applies the retention period to the activity log."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event

from mkmw_flows.flows.common import artifact_key, load_integration
from mkmw_flows.state import StateStore


@task(name="purge-ledger-entries")
def purge_entries(
    database_url: str | None, integration: str, retention_days: int
) -> tuple[int, int]:
    """Delete one integration's ledger entries older than its retention period.

    The personal data of those entries is erased first. Only the entries of ``integration``
    are touched: other integrations sharing the state database keep their own period.

    Args:
        database_url: The integration's state database (None: the default).
        integration: The integration whose ledger is purged.
        retention_days: The retention period in days.

    Returns:
        (entries deleted, entries whose personal data was erased).
    """
    store = StateStore(database_url)
    try:
        return store.purge(integration, retention_days)
    finally:
        store.close()


def purge_summary(
    integration: str, retention_days: int, deleted: int, erased: int
) -> dict[str, Any]:
    """The figures one purge publishes (artifact rows and event payload)."""
    return {
        "integration": integration,
        "retention_days": retention_days,
        "entries_deleted": deleted,
        "personal_data_erased": erased,
    }


@flow(name="purge-ledger", log_prints=False)
def purge_ledger(integration: str = "default") -> dict[str, Any]:
    """Apply the retention period (``ledger_retention_days``) to the integration's ledger.

    Entries of this integration older than the period are deleted and the personal data
    (what was read and sent) of those entries is erased first, so none outlives the period.
    Other integrations sharing the state database are not touched. Publishes a
    table and a markdown artifact under ``mkmw-<integration>-purge-ledger`` and the event
    ``mkmw.ledger.purged``.

    Args:
        integration: Name of the Integration block.

    Returns:
        What was purged.
    """
    block = load_integration(integration)
    days = block.ledger_retention_days
    deleted, erased = purge_entries(block.state_database_url, integration, days)
    summary = purge_summary(integration, days, deleted, erased)
    get_run_logger().info(
        "purged the ledger of %s: %d entries older than %d days deleted", integration, deleted, days
    )
    create_table_artifact(
        key=artifact_key(integration, "purge-ledger"),
        table=[{"what": k, "value": v} for k, v in summary.items()],
        description="purge-ledger: what the retention period removed",
    )
    create_markdown_artifact(
        key=artifact_key(integration, "purge-ledger", "summary"),
        markdown=(
            f"# purge-ledger for {integration}\n\n"
            f"Retention period: {days} days.\n\n"
            f"- ledger entries deleted: {deleted}\n"
            f"- entries whose personal data (what was read and sent) was erased: {erased}\n"
        ),
        description="purge-ledger: summary",
    )
    emit_event(
        event="mkmw.ledger.purged",
        resource={
            "prefect.resource.id": f"mkmw.integration.{integration}",
            "prefect.resource.name": integration,
            "mkmw.flow": "purge-ledger",
        },
        payload=summary,
    )
    return summary
