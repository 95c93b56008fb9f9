"""The MplusKASSA (MplusQapi) SOAP client: the session with every operation the flows use.

The session (:mod:`mkmw_flows.mplus.session`) sends one call with its retries and faults; the
operations per entity live in :mod:`mkmw_flows.mplus.operations`.
"""

from __future__ import annotations

from mkmw_flows.mplus.operations.catalog import CatalogOperations
from mkmw_flows.mplus.operations.master_data import MasterDataOperations
from mkmw_flows.mplus.operations.orders import OrderOperations
from mkmw_flows.mplus.operations.relations import RelationOperations
from mkmw_flows.mplus.operations.stock import StockOperations


class MplusClient(
    CatalogOperations,
    StockOperations,
    RelationOperations,
    OrderOperations,
    MasterDataOperations,
):
    """A typed client for the MplusKASSA SOAP API.

    Takes the arguments of :class:`~mkmw_flows.mplus.session.MplusSession` (``url``,
    ``ident``, ``secret``, timeouts, retries, ``throttle``).
    """
