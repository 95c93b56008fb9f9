"""Everything one sync run needs, passed to the plain sync functions by the flows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mkmw_flows.state import StateStore
from mkmw_flows.state.binder import Binder
from mkmw_flows.sync.report import RunReport

if TYPE_CHECKING:
    from mkmw_flows.blocks import Integration
    from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
    from mkmw_flows.mplus.client import MplusClient


@dataclass
class SyncContext:
    """One run of one flow for one integration.

    Attributes:
        name: The integration's name (the block document name).
        integration: The Integration block (credentials and settings).
        store: The state store of the integration.
        mplus: The MplusKASSA client.
        shop: The MijnWebwinkel client.
        report: Collects every record's result.
        dry_run: Plan only; write nothing in either system or the store.
    """

    name: str
    integration: Integration
    store: StateStore
    mplus: MplusClient
    shop: MijnWebwinkelClient
    report: RunReport
    dry_run: bool = False
    calls_before: dict[str, int] = field(default_factory=dict)

    def bindings(self, entity: str) -> Binder:
        """The bindings of one entity, scoped to this run's integration."""
        return Binder(self.store, self.name, entity)

    def cursor(self, name: str) -> str | None:
        """The stored value of one of this integration's cursors (None: never read)."""
        return self.store.get_cursor(self.name, name)

    def close(self) -> None:
        """Close both clients and the store's connections."""
        self.mplus.close()
        self.shop.close()
        self.store.close()

    def call_counts(self) -> dict[str, int]:
        """Calls made so far to each system."""
        return {"mplus": self.mplus.stats.total_calls, "mijnwebwinkel": self.shop.stats.total_calls}
