"""A binder per entity, scoped to one integration, and a transaction scoped the same way.

The sync code never repeats the integration name or the entity on each store call: a run asks
its context for ``ctx.bindings(ORDER)`` and reads through that, and commits a page through
:class:`ScopedTransaction` (bindings, outcomes and cursors land together or not at all).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from mkmw_flows.state.models import Binding
from mkmw_flows.state.store import StateStore, StoreTransaction


@dataclass(frozen=True)
class Binder:
    """The bindings of one entity of one integration.

    Attributes:
        store: The state store.
        integration: The integration every lookup is scoped to.
        entity: ``article``, ``product``, ``category``, ``customer`` or ``order``.
    """

    store: StateStore
    integration: str
    entity: str

    def find(
        self, *, mplus_key: str | None = None, shop_key: str | None = None, variant_key: str = ""
    ) -> Binding | None:
        """The binding of one record, found from either side (give exactly one key)."""
        return self.store.find_binding(
            self.integration,
            self.entity,
            mplus_key=mplus_key,
            shop_key=shop_key,
            variant_key=variant_key,
        )

    def all(self, *, shop_key: str | None = None) -> list[Binding]:
        """Every binding of the entity, or every one of one shop record (all its variants)."""
        return self.store.bindings(self.integration, self.entity, shop_key=shop_key)

    def by_mplus_keys(self, keys: Iterable[str]) -> dict[str, Binding]:
        """Bindings of many MplusKASSA keys in one query, keyed by MplusKASSA key."""
        return self.store.bindings_by_mplus_keys(self.integration, self.entity, keys)

    def by_shop_keys(self, keys: Iterable[str]) -> dict[str, Binding]:
        """Bindings (no variant) of many shop keys in one query, keyed by shop key."""
        return self.store.bindings_by_shop_keys(self.integration, self.entity, keys)

    def shop_key_of(self) -> dict[str, str]:
        """MplusKASSA key -> shop key of every binding, two columns only (no rows loaded)."""
        query = select(Binding.mplus_key, Binding.shop_key).where(
            Binding.integration == self.integration, Binding.entity == self.entity
        )
        with Session(self.store.engine) as session:
            return {mplus_key: shop_key for mplus_key, shop_key in session.exec(query)}


@dataclass
class Bind:
    """One binding to write (or, with ``delete``, to remove) when a page commits.

    Attributes:
        entity: The binding's entity.
        mplus_key: The MplusKASSA key the binding is matched on.
        shop_key: The shop key.
        variant_key: The option combination of a shop variant ("" for none).
        hashes: Field hashes to merge into what the binding holds.
        extra: Extra data to merge into what the binding holds.
        delete: Remove the binding of ``mplus_key`` instead.
    """

    entity: str
    mplus_key: str
    shop_key: str = ""
    variant_key: str = ""
    hashes: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    delete: bool = False


class ScopedTransaction:
    """A store transaction that knows its integration (see :meth:`StateStore.transaction`)."""

    def __init__(self, tx: StoreTransaction, integration: str) -> None:
        self.tx = tx
        self.integration = integration

    def bind(self, binds: Sequence[Bind]) -> None:
        """Write (or remove) bindings; rows of one entity go in one query."""
        by_entity: dict[str, list[dict[str, Any]]] = {}
        for b in binds:
            if b.delete:
                self.tx.delete_binding(self.integration, b.entity, b.mplus_key)
                continue
            by_entity.setdefault(b.entity, []).append(
                {
                    "mplus_key": b.mplus_key,
                    "shop_key": b.shop_key,
                    "variant_key": b.variant_key,
                    "field_hashes": b.hashes or None,
                    "extra": b.extra or None,
                }
            )
        for entity, rows in by_entity.items():
            self.tx.put_bindings(self.integration, entity, rows)

    def advance(self, cursors: dict[str, str]) -> None:
        """Move cursors with the rest of the transaction."""
        for name, value in cursors.items():
            self.tx.set_cursor(self.integration, name, value)


@contextmanager
def scoped_transaction(store: StateStore, integration: str) -> Iterator[ScopedTransaction]:
    """A :class:`ScopedTransaction`: everything inside lands together, or nothing does."""
    with store.transaction() as tx:
        yield ScopedTransaction(tx, integration)
