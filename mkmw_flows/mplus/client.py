"""The MplusKASSA (MplusQapi) SOAP client.

``POST {url}/?ident=…&secret=…`` with a SOAP 1.1 document/literal body; every call carries an
``X-Request-Id``, is counted and timed in :attr:`MplusClient.stats`, and logs only scrubbed
text. Reads and idempotency-keyed writes (``createOrderV3``, ``payOrderV2``) are retried with
exponential backoff on transport errors and ``Server*`` faults; other writes are never retried
blindly: after an ambiguous failure the caller looks the record up first (``find_order``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import httpx
from pydantic import SecretStr
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from mkmw_flows.clients_common.callstats import CallStats
from mkmw_flows.clients_common.redact import scrub
from mkmw_flows.mplus.envelope import build_request
from mkmw_flows.mplus.errors import (
    MplusBusinessError,
    MplusError,
    MplusProtocolError,
    MplusTransportError,
)
from mkmw_flows.mplus.models import (
    ApiVersion,
    ArticleGroup,
    ArticleGroupChange,
    Branch,
    CreateOrderResult,
    CreateProductResult,
    DeliveryMethod,
    Employee,
    Invoice,
    Order,
    Payment,
    PaymentMethod,
    PayOrderResult,
    Product,
    Relation,
    RelationWriteResult,
    SaveInvoiceResult,
    StockHistory,
    StockLevel,
    StockUpdateResult,
    SyncMarkers,
    TurnoverGroup,
    UpdateProductResult,
    VatGroup,
)
from mkmw_flows.mplus.money import quantity_to_wire
from mkmw_flows.mplus.parse import parse_response

logger = logging.getLogger("mkmw_flows.mplus")

#: Result enum value that marks success, per operation with a business result.
_OK = {
    "createProduct": "CREATE-PRODUCT-RESULT-OK",
    "updateProduct": "UPDATE-PRODUCT-RESULT-OK",
    "updateStock": "UPDATE-STOCK-RESULT-OK",
    "createRelation": "CREATE-RELATION-RESULT-OK",
    "updateRelation": "UPDATE-RELATION-RESULT-OK",
    "createOrderV3": "CREATE-ORDER-RESULT-OK",
    "payOrderV2": "PAY-ORDER-RESULT-OK",
    "cancelOrder": "CANCEL-ORDER-RESULT-OK",
    "saveInvoice": "SAVE-INVOICE-RESULT-OK",
}
REPLAY = "IDEMPOTENCY-RESULT-REPLAY-RESPONSE"
_RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


def _text_list(values: Iterable[str] | None) -> dict[str, Any]:
    return {"text": [{"text": v} for v in values or ()]}


def _lst(values: Iterable[Any] | None) -> list[Any] | None:
    return list(values) if values is not None else None


class MplusClient:
    """A typed client for the MplusKASSA SOAP API.

    Args:
        url: Base URL, e.g. ``https://api.mpluskassa.nl:45166``.
        ident: API user name (``ident``).
        secret: API password (``secret``); kept as a SecretStr and never logged.
        verify_tls: Verify the server certificate.
        timeout: Read timeout in seconds (the official clients allow 600 s for big syncs).
        connect_timeout: Connect timeout in seconds.
        transport: An httpx transport (tests, mocks).
        retry_attempts: Attempts for retryable calls (1 disables retries).
        retry_wait_initial: First backoff in seconds (doubled per attempt, with jitter).
        retry_wait_max: Backoff cap in seconds.
        throttle: Called before every request (retries included) and may block; the flows
            pass a shared API budget across processes here (the client knows no Prefect).
    """

    def __init__(
        self,
        url: str,
        ident: str,
        secret: SecretStr | str,
        *,
        verify_tls: bool = True,
        timeout: float = 600.0,
        connect_timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        retry_attempts: int = 4,
        retry_wait_initial: float = 0.5,
        retry_wait_max: float = 20.0,
        throttle: Callable[[], None] | None = None,
    ) -> None:
        self.url = url.rstrip("/") + "/"
        self.ident = ident
        self._secret = secret if isinstance(secret, SecretStr) else SecretStr(secret)
        self.stats = CallStats()
        self.retry_attempts = max(1, retry_attempts)
        self.retry_wait_initial = retry_wait_initial
        self.retry_wait_max = retry_wait_max
        self.throttle = throttle
        self._http = httpx.Client(
            verify=verify_tls,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            headers={
                "Content-Type": "text/xml; charset=utf-8",
                "User-Agent": "mkmw-flows/0.1 (+httpx)",
            },
        )

    def __repr__(self) -> str:
        return f"MplusClient(url={scrub(self.url, self._secrets())!r})"

    def _secrets(self) -> list[str | SecretStr | None]:
        return [self._secret]

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> MplusClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- transport -----------------------------------------------------------------------

    def call(
        self, operation: str, body: Mapping[str, Any] | None = None, *, retry: bool = True
    ) -> dict[str, Any]:
        """Call one SOAP operation and return its decoded response dict.

        Args:
            operation: Operation name (e.g. ``getProducts``).
            body: The request wrapper's children by WSDL element name.
            retry: Retry transport errors and Server faults with backoff. Pass False for a
                write that is not idempotency-keyed.

        Returns:
            The response element's content by WSDL element name.

        Raises:
            MplusTransportError: The call did not complete.
            MplusClientFault: A Client fault (not retried).
            MplusServerFault: A Server fault (after the retries).
            MplusProtocolError: An unreadable answer.
        """
        payload = build_request(operation, body)
        if not retry or self.retry_attempts == 1:
            return self._once(operation, payload)
        retrying = Retrying(
            stop=stop_after_attempt(self.retry_attempts),
            wait=wait_exponential(multiplier=self.retry_wait_initial, max=self.retry_wait_max)
            + wait_random(0, self.retry_wait_initial),
            retry=retry_if_exception(lambda exc: isinstance(exc, MplusError) and exc.retryable),
            before_sleep=self._log_retry,
            reraise=True,
        )
        return retrying(self._once, operation, payload)

    def _log_retry(self, state: Any) -> None:
        exc = state.outcome.exception() if state.outcome else None
        logger.warning(
            "mplus retry %s after attempt %d: %s",
            getattr(exc, "operation", "?"),
            state.attempt_number,
            scrub(str(exc), self._secrets()),
        )

    def _once(self, operation: str, payload: bytes) -> dict[str, Any]:
        request_id = f"mkmw-{uuid.uuid4().hex}"
        context: dict[str, Any] = {"operation": operation, "request_id": request_id}
        if self.throttle is not None:
            self.throttle()
        with self.stats.measure(operation):
            try:
                response = self._http.post(
                    self.url,
                    params={"ident": self.ident, "secret": self._secret.get_secret_value()},
                    content=payload,
                    headers={"SOAPAction": operation, "X-Request-Id": request_id},
                )
            except httpx.TimeoutException as exc:
                raise MplusTransportError(
                    f"timeout: {scrub(str(exc) or type(exc).__name__, self._secrets())}", **context
                ) from None
            except httpx.HTTPError as exc:
                raise MplusTransportError(
                    f"{type(exc).__name__}: {scrub(str(exc), self._secrets())}", **context
                ) from None
            logger.debug(
                "mplus %s -> HTTP %s (%d bytes) [%s]",
                operation,
                response.status_code,
                len(response.content),
                request_id,
            )
            content = response.content
            is_xml = content.lstrip()[:1] == b"<"
            if response.status_code == 200 or (response.status_code == 500 and is_xml):
                try:
                    return parse_response(content, operation, request_id=request_id)
                except MplusProtocolError:
                    if response.status_code != 200:
                        raise MplusTransportError(
                            f"HTTP {response.status_code} without a SOAP fault",
                            status_code=response.status_code,
                            **context,
                        ) from None
                    raise
            error = MplusTransportError(
                f"HTTP {response.status_code}", status_code=response.status_code, **context
            )
            error.retryable = response.status_code in _RETRYABLE_STATUS
            raise error

    def _checked(
        self, operation: str, raw: dict[str, Any], *, message_key: str = "errorMessage"
    ) -> dict[str, Any]:
        result = raw.get("result", "")
        if result != _OK[operation]:
            raise MplusBusinessError(result, raw.get(message_key) or "", operation=operation)
        return raw

    # ---- general ---------------------------------------------------------------------------

    def get_api_version(self) -> ApiVersion:
        """Return the API and service version (feature-gate on ``service_version``)."""
        return ApiVersion.from_wire(self.call("getApiVersion"))

    def get_current_sync_markers(self) -> SyncMarkers:
        """Return the current head of every change feed (incl. ``stock_id``)."""
        return SyncMarkers.from_wire(self.call("getCurrentSyncMarkers"))

    # ---- products --------------------------------------------------------------------------

    def get_products(
        self,
        *,
        sync_marker: int | None = None,
        sync_marker_limit: int | None = None,
        article_numbers: Sequence[int] | None = None,
        product_numbers: Sequence[int] | None = None,
        group_numbers: Sequence[int] | None = None,
        plu_numbers: Sequence[str] | None = None,
        only_webshop: bool | None = None,
        only_active: bool | None = None,
    ) -> list[Product]:
        """Return products with their articles (``getProducts``).

        With ``sync_marker`` the server returns products holding articles changed at or after
        it, ascending, at most ``sync_marker_limit`` articles (a first bigger product whole).
        Use :func:`mkmw_flows.mplus.paging.iter_product_pages` to page.

        Args:
            sync_marker: Inclusive lower bound (send last seen + 1).
            sync_marker_limit: Articles per page (only honoured with sync_marker).
            article_numbers: Filter on article numbers.
            product_numbers: Filter on product numbers.
            group_numbers: Filter on article groups.
            plu_numbers: Filter on PLU numbers.
            only_webshop: Only webshop articles (avoid in incremental syncs).
            only_active: Only active articles (avoid in incremental syncs).

        Returns:
            The products, in the server's order.
        """
        request = {
            "articleNumbers": _lst(article_numbers),
            "groupNumbers": _lst(group_numbers),
            "pluNumbers": _text_list(plu_numbers),
            "onlyWebshop": only_webshop,
            "onlyActive": only_active,
            "syncMarker": sync_marker,
            "syncMarkerLimit": sync_marker_limit if sync_marker is not None else None,
            "productNumbers": _lst(product_numbers),
        }
        raw = self.call("getProducts", {"request": request})
        return [Product.from_wire(p) for p in raw.get("productList", {}).get("product", [])]

    def create_product(self, product: Product) -> CreateProductResult:
        """Create a product with its articles (not retried: look up by article number first).

        Raises:
            MplusBusinessError: e.g. ``CREATE-PRODUCT-RESULT-FAILED-ARTICLE-NUMBER-ALREADY-TAKEN``.
        """
        raw = self._checked(
            "createProduct", self.call("createProduct", {"product": product.to_wire()}, retry=False)
        )
        return CreateProductResult(
            product_number=raw["productNumber"],
            article_numbers=raw.get("articleNumbers", []),
            sync_marker=raw.get("syncMarker"),
        )

    def update_product(self, product: Product) -> UpdateProductResult:
        """Update a product and its articles (by ``product_number``); new articles are added.

        Raises:
            MplusBusinessError: e.g. ``UPDATE-PRODUCT-RESULT-NOT-FOUND``.
        """
        raw = self._checked(
            "updateProduct", self.call("updateProduct", {"product": product.to_wire()}, retry=False)
        )
        return UpdateProductResult(
            existing_article_numbers=raw.get("existingArticleNumbers", []),
            new_article_numbers=raw.get("newArticleNumbers", []),
            sync_marker=raw.get("syncMarker"),
        )

    def get_article_groups(
        self,
        *,
        sync_marker: int | None = None,
        sync_marker_limit: int | None = None,
        group_numbers: Sequence[int] | None = None,
        retrieve_article_numbers: bool | None = None,
    ) -> list[ArticleGroup]:
        """Return the article-group tree (top-level groups with nested ``sub_groups``)."""
        request = {
            "syncMarker": sync_marker,
            "syncMarkerLimit": sync_marker_limit if sync_marker is not None else None,
            "groupNumbers": _lst(group_numbers),
            "retrieveArticleNumbers": retrieve_article_numbers,
        }
        raw = self.call("getArticleGroups", {"request": request})
        groups = raw.get("articleGroupList", {}).get("articleGroups", [])
        return [ArticleGroup.from_wire(g) for g in groups]

    def get_article_group_changes(
        self,
        *,
        sync_marker: int,
        sync_marker_limit: int | None = None,
        group_numbers: Sequence[int] | None = None,
    ) -> list[ArticleGroupChange]:
        """Return article groups changed at or after ``sync_marker``, flat and ascending."""
        request = {
            "syncMarker": sync_marker,
            "syncMarkerLimit": sync_marker_limit,
            "groupNumbers": _lst(group_numbers),
        }
        raw = self.call("getArticleGroupChanges", {"request": request})
        changes = raw.get("changedArticleGroupList", {}).get("changedArticleGroups", [])
        return [ArticleGroupChange.from_wire(c) for c in changes]

    # ---- stock -------------------------------------------------------------------------------

    def get_stock(
        self,
        branch_number: int,
        *,
        article_numbers: Sequence[int] | None = None,
        stock_id: int | None = None,
    ) -> list[StockLevel]:
        """Return stock per article in a branch; with ``stock_id`` only levels changed since.

        Args:
            branch_number: The branch.
            article_numbers: Only these articles (default all).
            stock_id: Inclusive lower bound on the stock change id (send last seen + 1).
        """
        request = {
            "branchNumber": branch_number,
            "articleNumbers": {"articleNumbers": list(article_numbers or ())},
            "stockId": stock_id,
        }
        raw = self.call("getStock", {"request": request})
        return [StockLevel.from_wire(s) for s in raw.get("articleStocks", [])]

    def get_stock_history(
        self,
        *,
        branch_numbers: Sequence[int] | None = None,
        article_numbers: Sequence[int] | None = None,
        since_stock_id: int | None = None,
        since_stock_id_limit: int | None = None,
    ) -> list[StockHistory]:
        """Return individual stock mutations since ``since_stock_id`` (``getStockHistoryV2``)."""
        request: dict[str, Any] = {
            "branchNumbers": _lst(branch_numbers),
            "sinceStockId": since_stock_id,
            "sinceStockIdLimit": since_stock_id_limit,
        }
        if article_numbers is not None:
            request["articleNumbers"] = {"articleNumbers": list(article_numbers)}
        raw = self.call("getStockHistoryV2", {"request": request})
        return [StockHistory.from_wire(h) for h in raw.get("articleStockHistory", [])]

    def update_stock(
        self,
        branch_number: int,
        article_number: int,
        amount_changed: Decimal,
        *,
        employee_number: int | None = None,
        reference: str | None = None,
    ) -> StockUpdateResult:
        """Change stock by a delta (not idempotent: never retried).

        Raises:
            MplusBusinessError: e.g. ``UPDATE-STOCK-RESULT-ARTICLE-NOT-FOUND``.
        """
        amount, places = quantity_to_wire(amount_changed)
        request = {
            "branchNumber": branch_number,
            "articleNumber": article_number,
            "amountChanged": amount,
            "decimalPlaces": places,
            "employeeNumber": employee_number,
            "reference": reference,
        }
        raw = self._checked(
            "updateStock", self.call("updateStock", {"request": request}, retry=False)
        )
        return StockUpdateResult(stock_id=raw.get("stockId"))

    # ---- relations ---------------------------------------------------------------------------

    def get_relations(
        self,
        *,
        sync_marker: int | None = None,
        sync_marker_limit: int | None = None,
        relation_numbers: Sequence[int] | None = None,
    ) -> list[Relation]:
        """Return relations (at most 1000 a call, server side); page with last seen + 1."""
        request = {
            "relationNumbers": _lst(relation_numbers),
            "syncMarker": sync_marker,
            "syncMarkerLimit": sync_marker_limit if sync_marker is not None else None,
        }
        raw = self.call("getRelations", {"request": request})
        return [Relation.from_wire(r) for r in raw.get("relationList", {}).get("relation", [])]

    def get_relation(self, relation_number: int) -> Relation | None:
        """Return one relation, or None when it does not exist."""
        raw = self.call("getRelation", {"relationNumber": relation_number})
        if raw.get("result") != "GET-RELATION-RESULT-OK":
            return None
        return Relation.from_wire(raw["relation"])

    def find_relation(self, query: Relation, *, exact_match: bool = True) -> Relation | None:
        """Find one relation by example (``findRelationV2``); None when not found."""
        request = {"relation": query.to_wire(), "exactMatch": exact_match}
        raw = self.call("findRelationV2", {"request": request})
        if raw.get("result") != "FIND-RELATION-RESULT-OK" or "relation" not in raw:
            return None
        return Relation.from_wire(raw["relation"])

    def find_relation_by_email(self, email: str) -> Relation | None:
        """Find the relation whose whole e-mail equals `email` (case-insensitive)."""
        return self.find_relation(Relation(email=email), exact_match=True)

    def create_relation(self, relation: Relation) -> RelationWriteResult:
        """Create a relation (not retried: look up by e-mail before retrying).

        Raises:
            MplusBusinessError: e.g. ``CREATE-RELATION-RESULT-FAILED``.
        """
        raw = self._checked(
            "createRelation",
            self.call("createRelation", {"relation": relation.to_wire()}, retry=False),
        )
        return RelationWriteResult(
            relation_number=raw.get("relationNumber"), sync_marker=raw.get("syncMarker")
        )

    def update_relation(self, relation: Relation) -> RelationWriteResult:
        """Update a relation by ``relation_number``.

        Raises:
            MplusBusinessError: e.g. ``UPDATE-RELATION-RESULT-NOT-FOUND``.
        """
        raw = self._checked(
            "updateRelation",
            self.call("updateRelation", {"relation": relation.to_wire()}, retry=False),
        )
        return RelationWriteResult(
            relation_number=relation.relation_number, sync_marker=raw.get("syncMarker")
        )

    # ---- orders ------------------------------------------------------------------------------

    def get_orders(
        self,
        *,
        sync_marker: int | None = None,
        sync_marker_limit: int | None = None,
        include_lines: bool = True,
        order_ids: Sequence[str] | None = None,
        relation_numbers: Sequence[int] | None = None,
        branch_numbers: Sequence[int] | None = None,
    ) -> list[Order]:
        """Return orders changed at or after ``sync_marker``, ascending."""
        request = {
            "syncMarker": sync_marker,
            "syncMarkerLimit": sync_marker_limit if sync_marker is not None else None,
            "branchNumbers": _lst(branch_numbers),
            "relationNumbers": _lst(relation_numbers),
            "articlePluNumbers": _text_list(None),
            "articleBarcodes": _text_list(None),
            "orderIds": _lst(order_ids),
            "includeLineList": include_lines,
        }
        raw = self.call("getOrders", {"request": request})
        return [Order.from_wire(o) for o in raw.get("orderList", {}).get("order", [])]

    def get_order(self, order_id: str) -> Order | None:
        """Return an order by its internal id, or None."""
        raw = self.call("getOrder", {"orderId": order_id})
        if raw.get("result") != "GET-ORDER-RESULT-OK" or "order" not in raw:
            return None
        return Order.from_wire(raw["order"])

    def find_order(self, ext_order_id: str) -> Order | None:
        """Return the order with this external id, or None (look before you retry a create)."""
        raw = self.call("findOrder", {"extOrderId": ext_order_id})
        if raw.get("result") != "GET-ORDER-RESULT-OK" or "order" not in raw:
            return None
        return Order.from_wire(raw["order"])

    def get_orders_by_ext_order_ids(self, ext_order_ids: Sequence[str]) -> list[Order]:
        """Return the orders with these external ids (missing ones are left out)."""
        request = {"extOrderIds": {"id": list(ext_order_ids)}}
        raw = self.call("getOrdersByExtOrderIds", {"request": request})
        return [Order.from_wire(o) for o in raw.get("orderList", {}).get("order", [])]

    def create_order(
        self,
        order: Order,
        *,
        idempotency_key: str,
        prepay: bool | None = None,
        payments: Sequence[Payment] | None = None,
    ) -> CreateOrderResult:
        """Create (and optionally pay) an order with ``createOrderV3``; safe to retry.

        A repeated ``idempotency_key`` returns the original response (``replayed=True``).

        Args:
            order: The order (``order_id`` empty, a unique ``ext_order_id``, relation,
                employee 999999 and lines on existing articles).
            idempotency_key: Stable key for this order (e.g. derived from the shop order).
            prepay: With payments: True = deposit only, False = also deliver and invoice.
            payments: Payments to register in the same call.

        Raises:
            MplusBusinessError: e.g. ``CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS``.
        """
        request: dict[str, Any] = {"idempotencyKey": idempotency_key, "order": order.to_wire()}
        if payments is not None:
            request["prepay"] = prepay if prepay is not None else True
            request["paymentList"] = {"payment": [p.to_wire() for p in payments]}
        raw = self._checked("createOrderV3", self.call("createOrderV3", {"request": request}))
        info = raw.get("info", {})
        return CreateOrderResult(
            order_id=info.get("orderId", ""),
            order_string=info.get("orderString", ""),
            replayed=raw.get("idempotencyResult") == REPLAY,
            order=Order.from_wire(raw["order"]) if "order" in raw else None,
            pay_result=raw.get("payResult"),
            invoice_id=raw.get("invoiceId"),
        )

    def pay_order(
        self,
        order_id: str,
        payments: Sequence[Payment],
        *,
        idempotency_key: str,
        prepay: bool = True,
    ) -> PayOrderResult:
        """Pay an order with ``payOrderV2`` (idempotency-keyed, so retried).

        Raises:
            MplusBusinessError: e.g. ``PAY-ORDER-RESULT-ORDER-ALREADY-INVOICED``.
        """
        request = {
            "idempotencyKey": idempotency_key,
            "orderId": order_id,
            "prepay": prepay,
            "paymentList": {"payment": [p.to_wire() for p in payments]},
        }
        raw = self._checked("payOrderV2", self.call("payOrderV2", {"request": request}))
        return PayOrderResult(
            replayed=raw.get("idempotencyResult") == REPLAY, invoice_id=raw.get("invoiceId")
        )

    def cancel_order(self, order_id: str, *, branch_number: int | None = None) -> None:
        """Cancel an order (releases its reserved stock).

        Raises:
            MplusBusinessError: e.g. ``CANCEL-ORDER-RESULT-ALREADY-CANCELLED``.
        """
        body: dict[str, Any] = {"orderId": order_id}
        if branch_number is not None:
            body["request"] = {"branchNumber": branch_number}
        self._checked(
            "cancelOrder", self.call("cancelOrder", body, retry=False), message_key="message"
        )

    # ---- invoices ----------------------------------------------------------------------------

    def get_invoices(
        self,
        *,
        sync_marker: int | None = None,
        sync_marker_limit: int | None = None,
        include_lines: bool = True,
        invoice_ids: Sequence[str] | None = None,
    ) -> list[Invoice]:
        """Return invoices added or changed at or after ``sync_marker``, ascending."""
        request = {
            "syncMarker": sync_marker,
            "syncMarkerLimit": sync_marker_limit if sync_marker is not None else None,
            "articlePluNumbers": _text_list(None),
            "articleBarcodes": _text_list(None),
            "invoiceIds": _lst(invoice_ids),
            "includeLineList": include_lines,
        }
        raw = self.call("getInvoices", {"request": request})
        return [Invoice.from_wire(i) for i in raw.get("invoiceList", {}).get("invoice", [])]

    def save_invoice(self, invoice: Invoice) -> SaveInvoiceResult:
        """Create or update an invoice (not retried: look up by ``ext_invoice_id`` first).

        Raises:
            MplusBusinessError: e.g. ``SAVE-INVOICE-RESULT-EXT-INVOICE-ID-ALREADY-EXISTS``.
        """
        raw = self._checked(
            "saveInvoice", self.call("saveInvoice", {"invoice": invoice.to_wire()}, retry=False)
        )
        info = raw.get("info", {})
        return SaveInvoiceResult(
            invoice_id=info.get("invoiceId", ""), invoice_string=info.get("invoiceString")
        )

    # ---- master data -------------------------------------------------------------------------

    def get_vat_groups(self) -> list[VatGroup]:
        """Return the VAT groups (``getVatGroupList``)."""
        return [VatGroup.from_wire(v) for v in self.call("getVatGroupList").get("vatGroup", [])]

    def get_turnover_groups(self, *, only_active: bool | None = None) -> list[TurnoverGroup]:
        """Return the turnover groups."""
        raw = self.call("getTurnoverGroups", {"request": {"onlyActive": only_active}})
        groups = raw.get("turnoverGroupList", {}).get("turnoverGroup", [])
        return [TurnoverGroup.from_wire(g) for g in groups]

    def get_payment_methods(self) -> list[PaymentMethod]:
        """Return the payment methods (codes for ``Payment.method``)."""
        raw = self.call("getPaymentMethods")
        methods = raw.get("paymentMethodList", {}).get("paymentMethod", [])
        return [PaymentMethod.from_wire(m) for m in methods]

    def get_delivery_methods(self) -> list[DeliveryMethod]:
        """Return the delivery methods (codes for ``Order.delivery_method``)."""
        raw = self.call("getDeliveryMethods")
        methods = raw.get("deliveryMethodList", {}).get("deliveryMethod", [])
        return [DeliveryMethod.from_wire(m) for m in methods]

    def get_branches(self) -> list[Branch]:
        """Return the branches (shops)."""
        raw = self.call("getBranches")
        return [Branch.from_wire(b) for b in raw.get("branches", {}).get("branch", [])]

    def get_employees(
        self,
        *,
        employee_numbers: Sequence[int] | None = None,
        sync_marker: int | None = None,
        sync_marker_limit: int | None = None,
    ) -> list[Employee]:
        """Return employees (999999 is the super user to put on API orders)."""
        request = {
            "employeeNumbers": _lst(employee_numbers),
            "syncMarker": sync_marker,
            "syncMarkerLimit": sync_marker_limit if sync_marker is not None else None,
        }
        raw = self.call("getEmployees", {"request": request})
        return [Employee.from_wire(e) for e in raw.get("employeeList", {}).get("employee", [])]
