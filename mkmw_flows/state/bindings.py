"""Bindings: which MplusKASSA record is which shop record, with the hashes last written."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import Session, col, delete, select

from mkmw_flows.state.database import StoreBase, TransactionBase
from mkmw_flows.state.models import Binding, utcnow


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
        """Many :meth:`put_binding` calls of one entity in one query and one flush (batches).

        Args:
            integration: Integration name.
            entity: The entity of every row.
            rows: Keyword arguments of :meth:`put_binding` (``mplus_key``, ``shop_key``, ...).
        """
        keys = list(dict.fromkeys(str(row["mplus_key"]) for row in rows))
        existing: dict[str, Binding] = {}
        for start in range(0, len(keys), 500):
            query = select(Binding).where(
                Binding.integration == integration,
                Binding.entity == entity,
                col(Binding.mplus_key).in_(keys[start : start + 500]),
            )
            existing.update({b.mplus_key: b for b in self.session.exec(query)})
        now = utcnow()
        for row in rows:
            key = str(row["mplus_key"])
            binding = existing.get(key) or Binding(
                integration=integration, entity=entity, mplus_key=key, shop_key=row["shop_key"]
            )
            binding.shop_key = row["shop_key"]
            binding.variant_key = row.get("variant_key", "")
            if row.get("field_hashes"):
                binding.field_hashes = {**binding.field_hashes, **row["field_hashes"]}
            if row.get("extra"):
                binding.extra = {**binding.extra, **row["extra"]}
            binding.synced_at = now
            existing[key] = binding
            self.session.add(binding)
        self.session.flush()

    def delete_binding(self, integration: str, entity: str, mplus_key: str) -> None:
        """Remove the binding of ``mplus_key``, if any."""
        self.session.exec(
            delete(Binding).where(  # type: ignore[call-overload]
                col(Binding.integration) == integration,
                col(Binding.entity) == entity,
                col(Binding.mplus_key) == mplus_key,
            )
        )
