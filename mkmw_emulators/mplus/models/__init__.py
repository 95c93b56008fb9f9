"""State and business semantics of the emulated MplusKASSA, split by entity (moto style).

Records are plain dicts keyed by WSDL element names (cents as int, quantities as Decimal), so the
wire layer can encode them without a mapping step. Every handler takes the decoded request dict
and returns the response dict; request errors a real server would reject with a SOAP fault raise
:class:`BackendFault`. Knows nothing of XML or HTTP.

One module per entity, each a mixin over the shared :class:`BackendState`:

* :mod:`.reference` - branches, VAT/turnover groups, payment/delivery methods, sync markers;
* :mod:`.stock` - levels, reservations and the stock history;
* :mod:`.articles` - products and articles as state, and their test helpers;
* :mod:`.images` - article images and ``getImages``;
* :mod:`.article_extras` - article custom fields and sales prices;
* :mod:`.catalog` - ``getProducts``, ``createProduct`` / ``updateProduct`` over the three above;
* :mod:`.groups` - article groups;
* :mod:`.purchasing` - purchase orders (incoming stock) and purchase deliveries;
* :mod:`.relations` - relations and employees;
* :mod:`.invoices` - invoices and line pricing;
* :mod:`.orders` - orders, payments, delivery, cancellation, idempotency replay;
* :mod:`.order_changes` - the ``getOrderChanges`` feed (old / new per change);
* :mod:`.order_delivery` - ``deliverOrder`` / ``deliverOrderV2``;
* :mod:`.order_updates` - ``updateOrder`` / ``updateOrderV2``.
"""

from __future__ import annotations

from mkmw_emulators.mplus.models.exceptions import BackendFault
from mkmw_emulators.mplus.models.groups import GroupsMixin
from mkmw_emulators.mplus.models.order_delivery import OrderDeliveryMixin
from mkmw_emulators.mplus.models.order_updates import OrderUpdatesMixin
from mkmw_emulators.mplus.models.purchasing import PurchasingMixin
from mkmw_emulators.mplus.models.state import (
    DEFAULT_LIMIT,
    ORIGINAL,
    RELATIONS_CAP,
    REPLAY,
    SUPERUSER,
    MarkerIndex,
)


class MplusBackend(OrderUpdatesMixin, OrderDeliveryMixin, GroupsMixin, PurchasingMixin):
    """The emulated MplusKASSA state: every entity mixin composed.

    Args:
        clock: Returns "now" (aware); a fixed clock makes runs reproducible.
    """


__all__ = [
    "DEFAULT_LIMIT",
    "ORIGINAL",
    "RELATIONS_CAP",
    "REPLAY",
    "SUPERUSER",
    "BackendFault",
    "MarkerIndex",
    "MplusBackend",
]
