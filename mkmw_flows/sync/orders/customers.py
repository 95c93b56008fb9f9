"""Customers of shop orders in MplusKASSA: find by e-mail, update when changed, or create.

With a default debtor every order goes to that relation. Otherwise the customer binding (by
e-mail) names the relation, so a returning customer costs no lookup in MplusKASSA; the page's
customer bindings are read in one query right after the page's customers are claimed
(:attr:`Customers.page_bindings`), not one per order. Without a binding the relation
is looked up by exact e-mail (``findRelationV2``), and created when there is none: a company
name gives a company relation with the person as contact, no company gives a person.

A customer exists here only as the relation of an order (it has no feed of its own), so it
lives in the orders wing. Two runs never find-or-create the same customer at once: an order's
customer is claimed first (:meth:`Customers.take`), and the claim is released with the page.
The first order of a page that needs its customer claims the customers of every order of the
page at once (one transaction, not one per order).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from mkmw_flows.mapping import FieldChange, FieldRule, hashes_of, plan_changes
from mkmw_flows.mplus.errors import MplusTransportError
from mkmw_flows.mplus.models import Relation
from mkmw_flows.state.binder import Bind
from mkmw_flows.state.claims import claim_owner
from mkmw_flows.state.models import Binding
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import CUSTOMER, customer_key

CustomerAction = Literal["default", "bound", "updated", "found", "created", "planned"]


@dataclass
class CustomerResult:
    """The relation an order goes to, and what was done to get it.

    Attributes:
        relation_number: The MplusKASSA relation number (0 in a dry run that would create).
        action: default (default debtor), bound (binding, unchanged), updated, found
            (looked up by e-mail), created, planned (dry run: would create).
        email_key: The e-mail key of the customer binding to write (None: default debtor).
        changes: Relation fields written (or planned).
        hashes: Hashes of the relation fields as now written, for the binding.
        binds: The customer binding to commit with the order's page.
    """

    relation_number: int
    action: CustomerAction
    email_key: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)
    binds: list[Bind] = field(default_factory=list)


class Customers:
    """The customers of one run: relations written so far and the claims held.

    Thread-safe: the orders of a page are taken a few at a time (``write_concurrency``), the
    orders of one customer one after the other (the steps group them by customer key), so
    two threads never resolve the same customer; the run cache and the claims are shared.

    Args:
        ctx: The run (dry runs read but never write, and claim nothing).
        flow: The flow the claims are taken under.
        rules: The order map's effective rules (update policies).
    """

    def __init__(self, ctx: SyncContext, flow: str, rules: dict[str, FieldRule]) -> None:
        self.ctx = ctx
        self.flow = flow
        self.rules = rules
        #: E-mail key -> (relation number, field hashes) written this run.
        self.known: dict[str, tuple[int, dict[str, str]]] = {}
        #: Claims on customers the current page holds (released with its orders).
        self.claims: set[str] = set()
        #: Claim keys asked for on the current page (held or refused).
        self._asked: set[str] = set()
        #: E-mail key -> the customer binding (None: unbound) of the customers the current
        #: page claimed, read in one query once the claims are held.
        self.page_bindings: dict[str, Binding | None] = {}
        self._lock = threading.Lock()

    def take(
        self, email: str | None, mapped: dict[str, Any], page: Iterable[str | None] = ()
    ) -> CustomerResult | None:
        """Claim the order's customer, then find, update or create its relation.

        Args:
            email: The customer's e-mail address (checked before, unless a default debtor).
            mapped: The order map's values for the order (``relation.*`` are used).
            page: The e-mail addresses of the other orders of the page, claimed together
                with this one the first time (one transaction a page).

        Returns:
            The relation and what was done, or None when another run holds the customer.

        Raises:
            MplusError: When MplusKASSA fails; the order is held and taken again.
        """
        email = email or None
        if not self._claim(email, page):
            return None
        # The page's bindings were read after its customers were claimed, so no other run
        # can have bound one of them since (a customer claimed on its own later is read on
        # its own). A relation an earlier order of this run wrote is in `known`.
        customer = self._cached(email, mapped) or resolve_customer(
            self.ctx, email, mapped, self.rules, bindings=self.page_bindings
        )
        if customer.email_key is not None and customer.action != "planned":
            with self._lock:
                self.known[customer.email_key] = (customer.relation_number, customer.hashes)
            customer.binds.append(
                Bind(
                    CUSTOMER,
                    str(customer.relation_number),
                    customer.email_key,
                    hashes=customer.hashes,
                )
            )
        elif customer.email_key is not None:
            with self._lock:
                self.known[customer.email_key] = (0, customer.hashes)
        return customer

    def held_claims(self) -> list[str]:
        """The customer claims the current page holds; forget them and the page's bindings.

        The page releases the claims.
        """
        with self._lock:
            held = sorted(self.claims)
            self.claims.clear()
            self._asked.clear()
            self.page_bindings = {}
        return held

    def _claim(self, email: str | None, page: Iterable[str | None]) -> bool:
        """Claim the customer, so two runs never find-or-create the same one at once.

        The claim key is a hash of the e-mail key: the claims table holds no personal data.
        A customer not asked for yet on this page is claimed with the page's others, and the
        bindings of the customers just claimed are read then, in one query: only once a claim
        is held can no other run bind that customer any more.
        """
        ctx = self.ctx
        if ctx.dry_run or not email or ctx.integration.orders.default_debtor is not None:
            return True
        key = _claim_key(email)
        with self._lock:  # the other write threads wait for the page's one claim
            if key not in self._asked:
                by_claim = {_claim_key(e): customer_key(e) for e in (*page, email) if e}
                wanted = set(by_claim) - self._asked
                owner = claim_owner(ctx.report.run_id)
                got = ctx.store.claim_many(ctx.name, self.flow, sorted(wanted), owner)
                self.claims |= got
                self._asked |= wanted
                keys = sorted(by_claim[k] for k in got)
                found = ctx.bindings(CUSTOMER).by_shop_keys(keys) if keys else {}
                self.page_bindings.update({k: found.get(k) for k in keys})
            return key in self.claims

    def _cached(self, email: str | None, mapped: dict[str, Any]) -> CustomerResult | None:
        """The relation written earlier this run, when its fields are unchanged."""
        if self.ctx.integration.orders.default_debtor is not None or not email:
            return None
        with self._lock:
            cached = self.known.get(customer_key(email))
        if cached is None:
            return None
        number, hashes = cached
        relation = {k: v for k, v in mapped.items() if k.startswith("relation.")}
        if hashes_of(relation) != hashes:
            return None
        return CustomerResult(number, "bound", customer_key(email), hashes=hashes)


def _claim_key(email: str) -> str:
    return "customer:" + hashlib.sha256(customer_key(email).encode()).hexdigest()[:40]


def _relation(mapped: dict[str, Any], **extra: Any) -> Relation:
    fields = {k.split(".", 1)[1]: v for k, v in mapped.items() if k.startswith("relation.")}
    fields.update(extra)
    return Relation(**{k: v for k, v in fields.items() if v not in (None, "")})


def _current(relation: Relation, mapped: dict[str, Any]) -> dict[str, Any]:
    return {key: getattr(relation, key.split(".", 1)[1], None) for key in mapped}


def resolve_customer(
    ctx: SyncContext,
    email: str | None,
    mapped: dict[str, Any],
    rules: dict[str, FieldRule],
    *,
    bindings: Mapping[str, Binding | None] | None = None,
) -> CustomerResult:
    """Find, update or create the relation of one order.

    Args:
        ctx: The run (dry runs read but never write).
        email: The customer's e-mail address (checked by the caller unless a default debtor).
        mapped: The order map's ``relation.*`` values for this order.
        rules: The effective rules (update policies).
        bindings: Customer bindings already read, by e-mail key (None: read and unbound);
            a key not in it (or no map) is read from the store on its own.

    Returns:
        The relation and what was done.

    Raises:
        MplusError: When MplusKASSA fails; the order is held and taken again.
    """
    settings = ctx.integration.orders
    if settings.default_debtor is not None:
        return CustomerResult(settings.default_debtor, "default")
    if not email:
        raise ValueError("an order without e-mail needs a default debtor")
    key = customer_key(email)
    relation_fields = {k: v for k, v in mapped.items() if k.startswith("relation.")}
    if bindings is not None and key in bindings:
        binding = bindings[key]
    else:
        binding = ctx.bindings(CUSTOMER).find(shop_key=key)
    if binding is not None:
        number = int(binding.mplus_key)
        changes = plan_changes(
            relation_fields, rules, creating=False, written_hashes=binding.field_hashes
        )
        return _update(ctx, number, relation_fields, changes, key, "bound")
    found = ctx.mplus.find_relation_by_email(email)
    if found is not None and found.relation_number:
        changes = plan_changes(
            relation_fields,
            rules,
            creating=False,
            written_hashes={},
            current=_current(found, relation_fields),
        )
        return _update(ctx, found.relation_number, relation_fields, changes, key, "found")
    return _create(ctx, email, relation_fields, rules, key)


def _update(
    ctx: SyncContext,
    number: int,
    fields: dict[str, Any],
    changes: list[FieldChange],
    key: str,
    action: CustomerAction,
) -> CustomerResult:
    to_set = [c for c in changes if c.action == "set"]
    if to_set and not ctx.dry_run:
        # send every field we own, so the relation ends up as the shop shows it
        ctx.mplus.update_relation(_relation(fields, relation_number=number))
    return CustomerResult(
        number,
        "updated" if to_set else action,
        email_key=key,
        changes=changes,
        hashes=hashes_of(fields),
    )


def _create(
    ctx: SyncContext,
    email: str,
    fields: dict[str, Any],
    rules: dict[str, FieldRule],
    key: str,
) -> CustomerResult:
    settings = ctx.integration.orders
    changes = plan_changes(fields, rules, creating=True, written_hashes={})
    if ctx.dry_run:
        return CustomerResult(0, "planned", email_key=key, changes=changes)
    extra: dict[str, Any] = {}
    if settings.payment_terms_days is not None:
        extra["payment_within_days"] = settings.payment_terms_days
    contact = fields.get("relation.contact")
    if fields.get("relation.company_name") and contact:
        extra["contacts"] = [
            Relation(name=contact, email=email, telephone=fields.get("relation.telephone"))
        ]
    try:
        result = ctx.mplus.create_relation(_relation(fields, **extra))
    except MplusTransportError:
        # ambiguous: the relation may exist now; look before anything else
        found = ctx.mplus.find_relation_by_email(email)
        if found is None or not found.relation_number:
            raise
        return CustomerResult(
            found.relation_number, "created", key, changes, hashes=hashes_of(fields)
        )
    if not result.relation_number:
        raise RuntimeError("MplusKASSA created the relation but returned no relation number")
    return CustomerResult(result.relation_number, "created", key, changes, hashes_of(fields))
