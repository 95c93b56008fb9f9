"""Bindings: which MplusKASSA record is which shop record, with the hashes last written."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, delete, select

from mkmw_flows.state.database import StoreBase, TransactionBase
from mkmw_flows.state.models import Binding, utcnow

_BINDING: Table = Binding.__table__  # type: ignore[attr-defined]
#: One UPDATE of a binding by id, run as executemany over a batch's changed bindings.
_UPDATE_BINDING = (
    update(_BINDING)
    .where(_BINDING.c.id == bindparam("b_id"))
    .values(
        shop_key=bindparam("b_shop_key"),
        variant_key=bindparam("b_variant_key"),
        field_hashes=bindparam("b_field_hashes", type_=_BINDING.c.field_hashes.type),
        extra=bindparam("b_extra", type_=_BINDING.c.extra.type),
        synced_at=bindparam("b_synced_at", type_=_BINDING.c.synced_at.type),
    )
)


class BindingStore(StoreBase):
    """Reading bindings: one from either side, all of an entity, many at once."""

    def find_binding(
        self,
        integration: str,
        entity: str,
        *,
        mplus_key: str | None = None,
        shop_key: str | None = None,
        variant_key: str = "",
    ) -> Binding | None:
        """Find a binding from either side.

        Args:
            integration: Integration name.
            entity: product, variant, category, customer, order, ...
            mplus_key: The MplusKASSA key (article number, relation number, order id).
            shop_key: The shop key (article id, category id, e-mail, order number).
            variant_key: With ``shop_key``: the option combination of a shop variant.

        Returns:
            The binding, or None.
        """
        if (mplus_key is None) == (shop_key is None):
            raise ValueError("give exactly one of mplus_key and shop_key")
        query = select(Binding).where(Binding.integration == integration, Binding.entity == entity)
        if mplus_key is not None:
            query = query.where(Binding.mplus_key == mplus_key)
        else:
            query = query.where(Binding.shop_key == shop_key, Binding.variant_key == variant_key)
        with Session(self.engine, expire_on_commit=False) as session:
            return session.exec(query).first()

    def bindings(
        self, integration: str, entity: str, *, shop_key: str | None = None
    ) -> list[Binding]:
        """All bindings of one entity type, optionally of one shop record (all its variants)."""
        query = select(Binding).where(Binding.integration == integration, Binding.entity == entity)
        if shop_key is not None:
            query = query.where(Binding.shop_key == shop_key)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(query.order_by(col(Binding.id))))

    def bindings_by_mplus_keys(
        self, integration: str, entity: str, mplus_keys: Iterable[str]
    ) -> dict[str, Binding]:
        """Bindings for many MplusKASSA keys in one query, keyed by mplus_key."""
        keys = list(dict.fromkeys(mplus_keys))
        found: dict[str, Binding] = {}
        with Session(self.engine, expire_on_commit=False) as session:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                query = select(Binding).where(
                    Binding.integration == integration,
                    Binding.entity == entity,
                    col(Binding.mplus_key).in_(chunk),
                )
                found.update({b.mplus_key: b for b in session.exec(query)})
        return found

    def bindings_by_shop_keys(
        self, integration: str, entity: str, shop_keys: Iterable[str]
    ) -> dict[str, Binding]:
        """Bindings (variant_key "") for many shop keys in one query, keyed by shop_key."""
        keys = list(dict.fromkeys(shop_keys))
        found: dict[str, Binding] = {}
        with Session(self.engine, expire_on_commit=False) as session:
            for start in range(0, len(keys), 500):
                query = select(Binding).where(
                    Binding.integration == integration,
                    Binding.entity == entity,
                    Binding.variant_key == "",
                    col(Binding.shop_key).in_(keys[start : start + 500]),
                )
                found.update({b.shop_key: b for b in session.exec(query)})
        return found


class BindingTransaction(TransactionBase):
    """Writing bindings inside a transaction."""

    def put_binding(
        self,
        integration: str,
        entity: str,
        *,
        mplus_key: str,
        shop_key: str,
        variant_key: str = "",
        field_hashes: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Binding:
        """Create or update the binding of ``mplus_key`` (matched on the MplusKASSA side).

        Hashes and extra data given are merged into what the binding holds.
        """
        existing = self.session.exec(
            select(Binding).where(
                Binding.integration == integration,
                Binding.entity == entity,
                Binding.mplus_key == mplus_key,
            )
        ).first()
        binding = existing or Binding(
            integration=integration, entity=entity, mplus_key=mplus_key, shop_key=shop_key
        )
        binding.shop_key = shop_key
        binding.variant_key = variant_key
        if field_hashes:
            binding.field_hashes = {**binding.field_hashes, **field_hashes}
        if extra:
            binding.extra = {**binding.extra, **extra}
        binding.synced_at = utcnow()
        self.session.add(binding)
        self.session.flush()
        return binding

    def put_bindings(self, integration: str, entity: str, rows: Sequence[dict[str, Any]]) -> None:
        """Many :meth:`put_binding` calls of one entity in a few statements (batches).

        The existing rows are read in one query per 500 keys (their id, hashes and extra
        only), then every changed binding is written with one executemany UPDATE and every
        new one with one executemany INSERT: no ORM object per row, which made a page of
        bindings cost about 0.7 ms a row. Rows naming the same key merge in order, as
        successive :meth:`put_binding` calls would.

        Args:
            integration: Integration name.
            entity: The entity of every row.
            rows: Keyword arguments of :meth:`put_binding` (``mplus_key``, ``shop_key``, ...).
        """
        if not rows:
            return
        self.session.flush()  # ORM writes of this transaction go first, as they were made
        connection = self.session.connection()
        keys = list(dict.fromkeys(str(row["mplus_key"]) for row in rows))
        stored: dict[str, tuple[int, dict[str, str], dict[str, Any]]] = {}
        for start in range(0, len(keys), 500):
            query = sa_select(
                _BINDING.c.id, _BINDING.c.mplus_key, _BINDING.c.field_hashes, _BINDING.c.extra
            ).where(
                _BINDING.c.integration == integration,
                _BINDING.c.entity == entity,
                _BINDING.c.mplus_key.in_(keys[start : start + 500]),
            )
            for row_id, key, hashes, extra in connection.execute(query):
                stored[key] = (row_id, hashes or {}, extra or {})
        now = utcnow()
        merged: dict[str, dict[str, Any]] = {}
        for row in rows:
            key = str(row["mplus_key"])
            before = merged.get(key)
            if before is None:
                row_id, hashes, extra = stored.get(key, (None, {}, {}))
                before = {"id": row_id, "field_hashes": hashes, "extra": extra}
            merged[key] = {
                "id": before["id"],
                "mplus_key": key,
                "shop_key": row["shop_key"],
                "variant_key": row.get("variant_key", ""),
                "field_hashes": {**before["field_hashes"], **(row.get("field_hashes") or {})},
                "extra": {**before["extra"], **(row.get("extra") or {})},
                "synced_at": now,
            }
        updates = [
            {"b_" + name: value for name, value in values.items() if name != "mplus_key"}
            for values in merged.values()
            if values["id"] is not None
        ]
        inserts = [
            {"integration": integration, "entity": entity}
            | {name: value for name, value in values.items() if name != "id"}
            for values in merged.values()
            if values["id"] is None
        ]
        # updates first, as the ORM's flush did (a shop key may move from an old binding)
        if updates:
            connection.execute(_UPDATE_BINDING, updates)
        if inserts:
            connection.execute(insert(_BINDING), inserts)

    def delete_binding(self, integration: str, entity: str, mplus_key: str) -> None:
        """Remove the binding of ``mplus_key``, if any."""
        self.session.exec(
            delete(Binding).where(  # type: ignore[call-overload]
                col(Binding.integration) == integration,
                col(Binding.entity) == entity,
                col(Binding.mplus_key) == mplus_key,
            )
        )
