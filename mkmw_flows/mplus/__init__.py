"""MplusKASSA (MplusQapi) SOAP client: envelopes, safe parsing, typed models, errors, paging."""

from mkmw_flows.mplus.client import MplusClient
from mkmw_flows.mplus.errors import (
    MplusBusinessError,
    MplusClientFault,
    MplusError,
    MplusFault,
    MplusProtocolError,
    MplusServerFault,
    MplusTransportError,
)
from mkmw_flows.mplus.paging import (
    Page,
    iter_article_group_change_pages,
    iter_employee_pages,
    iter_invoice_pages,
    iter_order_pages,
    iter_product_pages,
    iter_relation_pages,
    iter_stock_history_pages,
)

__all__ = [
    "MplusBusinessError",
    "MplusClient",
    "MplusClientFault",
    "MplusError",
    "MplusFault",
    "MplusProtocolError",
    "MplusServerFault",
    "MplusTransportError",
    "Page",
    "iter_article_group_change_pages",
    "iter_employee_pages",
    "iter_invoice_pages",
    "iter_order_pages",
    "iter_product_pages",
    "iter_relation_pages",
    "iter_stock_history_pages",
]
