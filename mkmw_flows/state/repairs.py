"""Repairs owed: writes a shop record still needs (e.g. its SKU) after a partial failure."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, delete, select

from mkmw_flows.state.database import StoreBase, TransactionBase
from mkmw_flows.state.models import RepairOwed


class RepairStore(StoreBase):
    """Reading the repairs owed."""

    def repairs_owed(self, integration: str, kind: str) -> list[RepairOwed]:
        """The repair writes still owed to shop records of one kind, oldest first."""
        query = select(RepairOwed).where(
            RepairOwed.integration == integration, RepairOwed.kind == kind
        )
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(query.order_by(col(RepairOwed.created_at))))


class RepairTransaction(TransactionBase):
    """Owing and clearing repairs inside a transaction."""

    def owe_repairs(
        self, integration: str, kind: str, owed: dict[str, str], detail: str = ""
    ) -> None:
        """Record repair writes owed to shop records (``{shop_key: mplus_key}``).

        A record that already owes one keeps its first date (the detail is updated).
        """
        keys = list(owed)
        existing: dict[str, RepairOwed] = {}
        for start in range(0, len(keys), 500):
            query = select(RepairOwed).where(
                RepairOwed.integration == integration,
                RepairOwed.kind == kind,
                col(RepairOwed.shop_key).in_(keys[start : start + 500]),
            )
            existing.update({r.shop_key: r for r in self.session.exec(query)})
        for shop_key, mplus_key in owed.items():
            row = existing.get(shop_key) or RepairOwed(
                integration=integration, kind=kind, shop_key=shop_key, mplus_key=mplus_key
            )
            row.mplus_key = mplus_key
            row.detail = detail[:2000]
            self.session.add(row)
        self.session.flush()

    def clear_repairs(self, integration: str, kind: str, shop_keys: Iterable[str]) -> None:
        """Forget repairs once their write went through (one statement per 500 keys)."""
        keys = list(dict.fromkeys(shop_keys))
        for start in range(0, len(keys), 500):
            self.session.exec(
                delete(RepairOwed).where(  # type: ignore[call-overload]
                    col(RepairOwed.integration) == integration,
                    col(RepairOwed.kind) == kind,
                    col(RepairOwed.shop_key).in_(keys[start : start + 500]),
                )
            )
