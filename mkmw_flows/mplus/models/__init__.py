"""Typed MplusKASSA records (pydantic v2), converted from and to the wire at the boundary.

One module per entity: :mod:`.catalog` (products, articles, groups), :mod:`.stock`,
:mod:`.relations`, :mod:`.orders` (orders and invoices), :mod:`.master_data` (the POS set-up);
:mod:`.wire` holds the mapping they share. Every record is importable from here.
"""

from mkmw_flows.mplus.models.catalog import (
    Article,
    ArticleGroup,
    ArticleGroupChange,
    CreateProductResult,
    CustomField,
    Image,
    Product,
    SalesPrice,
    UpdateProductResult,
)
from mkmw_flows.mplus.models.master_data import (
    ApiVersion,
    Branch,
    DeliveryMethod,
    Employee,
    PaymentMethod,
    SyncMarkers,
    TurnoverGroup,
    VatGroup,
)
from mkmw_flows.mplus.models.orders import (
    Address,
    CreateOrderResult,
    Invoice,
    Order,
    OrderLine,
    Payment,
    PayOrderResult,
    SaveInvoiceResult,
)
from mkmw_flows.mplus.models.relations import Relation, RelationWriteResult
from mkmw_flows.mplus.models.stock import StockHistory, StockLevel, StockUpdateResult
from mkmw_flows.mplus.models.wire import Cents, MDate, MDateTime, W, WireModel, YearNumber

__all__ = [
    "Address",
    "ApiVersion",
    "Article",
    "ArticleGroup",
    "ArticleGroupChange",
    "Branch",
    "Cents",
    "CreateOrderResult",
    "CreateProductResult",
    "CustomField",
    "DeliveryMethod",
    "Employee",
    "Image",
    "Invoice",
    "MDate",
    "MDateTime",
    "Order",
    "OrderLine",
    "PayOrderResult",
    "Payment",
    "PaymentMethod",
    "Product",
    "Relation",
    "RelationWriteResult",
    "SalesPrice",
    "SaveInvoiceResult",
    "StockHistory",
    "StockLevel",
    "StockUpdateResult",
    "SyncMarkers",
    "TurnoverGroup",
    "UpdateProductResult",
    "VatGroup",
    "W",
    "WireModel",
    "YearNumber",
]
