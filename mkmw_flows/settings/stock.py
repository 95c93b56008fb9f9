"""Settings block of the stock flow."""

from __future__ import annotations

from typing import Annotated, Literal

from prefect.blocks.core import Block
from pydantic import Field


class StockSyncSettings(Block):
    """Settings of the stock flow (MplusKASSA -> MijnWebwinkel) and its reconciliation."""

    _block_type_name = "mkmw Stock Sync Settings"
    _block_type_slug = "mkmw-stock-sync-settings"
    _description = "Stock calculation, branches and buffer of the stock flow."

    enabled: bool = Field(default=True, description="Run this flow for the integration.")
    calculation: Literal["free", "free_plus_incoming", "on_hand"] = Field(
        default="free",
        description=(
            "free: available minus sales reservations; free_plus_incoming: plus ordered from "
            "suppliers; on_hand: free plus reserved."
        ),
    )
    branches: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=list, description="Branch numbers whose stock counts (empty: all)."
    )
    safety_buffer: int = Field(
        default=0, ge=0, description="Units held back from the shop; the result never goes below 0."
    )
    manage_stock: bool = Field(
        default=True, description="Off: the shop does not manage stock; it is set unmanaged once."
    )
    unmanaged_skus: list[str] = Field(
        default_factory=list, description="SKUs whose stock the shop does not manage."
    )
    unmanaged_field: str | None = Field(
        default=None,
        description=(
            "Name of a shop article field (extra field, hidden or visible) that switches stock "
            "management off for that article when it holds ja/yes/true/1/x. Read whenever the "
            "flow reads the shop (full runs, reconciliation, SKU look-ups)."
        ),
    )
    backorders: Literal["keep", "allow", "deny"] = Field(
        default="keep",
        description=(
            "keep: leave the shop's 'sell when sold out' setting alone; allow or deny: set it "
            "with the stock of every article the flow writes."
        ),
    )
    batch_size: int = Field(
        default=250,
        ge=1,
        le=1000,
        description="Articles per MplusKASSA stock read and per committed batch.",
    )
    write_concurrency: int = Field(
        default=4,
        ge=1,
        le=16,
        description=(
            "Shop writes in flight at once (each one PATCH of one article); the shop's rate "
            "limit (requests_per_second on the shop credentials) still applies."
        ),
    )
