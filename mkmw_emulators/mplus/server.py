"""A faithful local MplusKASSA (MplusQapi) server: SOAP wire layer over :mod:`.models`.

Layers, moto style: the backend holds the state and the business semantics; this module is the
thin wire layer (raw ASGI, SOAP 1.1) that authenticates, reads the request against the schema
compiled from the vendor WSDL (:mod:`.schema`), dispatches on the Body's first child, writes the
answer gSOAP style under the exact WSDL response element with the ``ns:`` prefix (:mod:`.soap`),
and maps backend errors onto SOAP faults; the shared :class:`FaultInjector` wraps it all. The
emulator shares no wire code with the product's client, so a codec fault cannot hide on both
sides at once.

    emulator = create_emulator(seed="demo")
    with serve(emulator.app) as url:
        client = MplusClient(url, emulator.ident, emulator.secret)
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

import httpx
from lxml import etree

from mkmw_emulators.core.contracts import mplus_wsdl_path
from mkmw_emulators.core.faults import FaultConfig, FaultInjector
from mkmw_emulators.mplus import soap
from mkmw_emulators.mplus.backend import BackendFault, MplusBackend
from mkmw_emulators.mplus.schema import schema
from mkmw_emulators.mplus.seeds import seed_backend

_XML = [(b"content-type", b"text/xml; charset=utf-8"), (b"server", b"gSOAP/2.8 (emulator)")]

#: Operations that change state (counted as writes; eligible for commit-then-drop).
WRITE_OPERATIONS = frozenset(
    {
        "createProduct",
        "updateProduct",
        "updateStock",
        "createRelation",
        "updateRelation",
        "createOrder",
        "createOrderV3",
        "updateOrder",
        "updateOrderV2",
        "payOrder",
        "payOrderV2",
        "cancelOrder",
        "cancelOrderV2",
        "deliverOrder",
        "deliverOrderV2",
        "saveInvoice",
        "payInvoice",
        "newArticleGroup",
        "updateArticleGroup",
        "savePurchaseOrder",
        "savePurchaseDelivery",
    }
)
_OP_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Body[^>]*>\s*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z]\w*)")


def fault_body(code: str, message: str) -> bytes:
    """Return a SOAP 1.1 fault envelope (``SOAP-ENV:Client`` / ``SOAP-ENV:Server``)."""
    return soap.fault_document(code, message)


def server_fault() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The transient fault the injector answers with: HTTP 500 + ``SOAP-ENV:Server``."""
    return 500, list(_XML), fault_body("Server", "Service temporarily unavailable")


def operation_of(body: bytes) -> str | None:
    """Cheaply find the operation name (the Body's first child) in a raw request."""
    match = _OP_RE.search(body[:4096])
    return match.group(1).decode() if match else None


def is_write(scope: Any, body: bytes) -> bool:
    """Classify a request as a write, for commit-then-drop."""
    return scope.get("method") == "POST" and operation_of(body) in WRITE_OPERATIONS


_ADDRESS = re.compile(r'(<SOAP:address\s+location=")[^"]*(")')
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


@lru_cache(maxsize=1)
def _wsdl_parts() -> tuple[bytes, bytes]:
    """The vendor WSDL split around its endpoint address (read once)."""
    text = mplus_wsdl_path().read_text(encoding="utf-8-sig")
    match = _ADDRESS.search(text)
    if match is None:
        raise RuntimeError("the vendor WSDL has no SOAP:address")
    return text[: match.end(1)].encode(), text[match.start(2) :].encode()


def served_wsdl(base_url: str) -> bytes:
    """The vendor WSDL with its endpoint address pointing at this emulator (``base_url/``).

    Clients that load ``?wsdl`` (the vendor's older SoapClient client) post to that address.
    """
    before, after = _wsdl_parts()
    return before + base_url.rstrip("/").encode() + b"/" + after


def base_url_of(scope: Any) -> str:
    """The base URL the client used: its Host header when sane, else the bound address."""
    scheme = scope.get("scheme", "http")
    for name, value in scope.get("headers") or ():
        if name == b"host":
            host = value.decode("latin-1")
            if _HOST.fullmatch(host):
                return f"{scheme}://{host}"
            break
    host, port = scope.get("server") or ("127.0.0.1", 80)
    return f"{scheme}://{host}:{port}"


def _handlers(backend: MplusBackend) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
    b = backend
    return {
        "getApiVersion": lambda body: dict(b.api_version),
        "getCurrentSyncMarkers": lambda body: b.current_sync_markers(),
        "getProducts": lambda body: b.get_products(body["request"]),
        "createProduct": b.create_product,
        "updateProduct": b.update_product,
        "getArticleGroups": lambda body: b.get_article_groups(body["request"]),
        "getArticleGroupChanges": lambda body: b.get_article_group_changes(body["request"]),
        "getStock": lambda body: b.get_stock(body["request"]),
        "getStockHistoryV2": lambda body: b.get_stock_history(body["request"]),
        "getStockHistory": lambda body: b.get_stock_history_v1(body["request"]),
        "newArticleGroup": lambda body: b.new_article_group(body["request"]),
        "updateArticleGroup": lambda body: b.update_article_group(body["request"]),
        "savePurchaseOrder": b.save_purchase_order,
        "getPurchaseOrders": lambda body: b.get_purchase_orders(body["request"]),
        "savePurchaseDelivery": b.save_purchase_delivery,
        "getPurchaseDeliveries": lambda body: b.get_purchase_deliveries(body["request"]),
        "getImages": lambda body: b.get_images(body.get("request")),
        "getCurrentSyncMarkersV2": lambda body: b.current_sync_markers_v2(body["request"]),
        "getBranchInformation": lambda body: b.get_branch_information(body["request"]),
        "updateStock": lambda body: b.update_stock(body["request"]),
        "getRelations": lambda body: b.get_relations(body["request"]),
        "getRelation": b.get_relation,
        "findRelation": b.find_relation_v1,
        "findRelationV2": lambda body: b.find_relation(body["request"]),
        "createRelation": b.create_relation,
        "updateRelation": b.update_relation,
        "getOrders": lambda body: b.get_orders(body["request"]),
        "getOrder": lambda body: b.get_order(body["orderId"]),
        "findOrder": lambda body: b.find_order(body["extOrderId"]),
        "getOrdersByExtOrderIds": lambda body: b.get_orders_by_ext_order_ids(body["request"]),
        "getOrderChanges": lambda body: b.get_order_changes(body["request"]),
        "createOrder": b.create_order_v1,
        "createOrderV3": lambda body: b.create_order(body["request"]),
        "updateOrder": b.update_order,
        "updateOrderV2": lambda body: b.update_order(body, v2=True),
        "payOrder": b.pay_order_v1,
        "payOrderV2": lambda body: b.pay_order(body["request"]),
        "cancelOrder": b.cancel_order,
        "cancelOrderV2": b.cancel_order_v2,
        "deliverOrder": b.deliver_order_v1,
        "deliverOrderV2": b.deliver_order_v2,
        "getInvoices": lambda body: b.get_invoices(body["request"]),
        "saveInvoice": b.save_invoice,
        "getInvoice": lambda body: b.get_invoice(body["invoiceId"]),
        "findInvoice": lambda body: b.find_invoice(body["extInvoiceId"]),
        "payInvoice": lambda body: b.pay_invoice(body["request"]),
        "getVatGroupList": lambda body: b.vat_group_list(),
        "getTurnoverGroups": lambda body: b.turnover_group_list(body["request"]),
        "getPaymentMethods": lambda body: b.payment_method_list(),
        "getPaymentMethodsV2": lambda body: b.payment_methods_v2(body["request"]),
        "getDeliveryMethods": lambda body: b.delivery_method_list(),
        "getDeliveryMethodsV2": b.delivery_method_list_v2,
        "getBranches": lambda body: b.branch_list(),
        "getEmployees": b.get_employees,
        "findEmployee": b.find_employee,
    }


@dataclass
class Counters:
    """Calls and writes per operation, plus rejected requests, readable by tests."""

    calls: Counter[str] = field(default_factory=Counter)
    writes: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, operation: str, write: bool) -> None:
        with self._lock:
            self.calls[operation] += 1
            if write:
                self.writes[operation] += 1

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.writes.clear()
            self.faults.clear()


class MplusWire:
    """The SOAP wire layer: an ASGI app over a backend.

    Args:
        backend: The state.
        ident: Accepted ``ident``.
        secret: Accepted ``secret``.
        counters: Where calls and writes are counted.
    """

    def __init__(self, backend: MplusBackend, ident: str, secret: str, counters: Counters) -> None:
        self.backend = backend
        self.ident = ident
        self.secret = secret
        self.counters = counters
        self.handlers = _handlers(backend)
        self.schema = schema()
        unknown = set(self.handlers) - set(self.schema.operations)
        if unknown:
            raise RuntimeError(f"handlers for operations the WSDL lacks: {sorted(unknown)}")

    def handle(
        self, method: str, query: str, body: bytes, base_url: str
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Answer one HTTP request: (status, headers, body)."""
        params = parse_qs(query, keep_blank_values=True)
        if method == "GET":
            if "wsdl" in params:
                return 200, list(_XML), served_wsdl(base_url)
            return (
                405,
                [(b"allow", b"POST"), (b"content-type", b"text/plain")],
                b"Method Not Allowed",
            )
        if method != "POST":
            return (
                405,
                [(b"allow", b"POST"), (b"content-type", b"text/plain")],
                b"Method Not Allowed",
            )
        if (
            params.get("ident", [""])[0] != self.ident
            or params.get("secret", [""])[0] != self.secret
        ):
            self.counters.faults["authentication"] += 1
            return (
                500,
                list(_XML),
                fault_body("Client", "Authentication failed: wrong ident or secret"),
            )
        try:
            child = soap.body_element(body)
        except soap.MalformedRequest as exc:
            self.counters.faults["malformed"] += 1
            return 500, list(_XML), fault_body("Client", str(exc))
        operation = soap.operation_name(child)
        if operation is None or operation not in self.handlers:
            self.counters.faults["unknown-operation"] += 1
            name = etree.QName(child).localname
            return 500, list(_XML), fault_body("Client", f"Method '{name}' not implemented")
        self.counters.count(operation, operation in WRITE_OPERATIONS)
        try:
            request = soap.read_request(self.schema, operation, child)
            response = self.handlers[operation](request)
            payload = soap.response_document(self.schema, operation, response)
        except (soap.ValidationError, KeyError, TypeError) as exc:
            self.counters.faults["validation"] += 1
            return 500, list(_XML), fault_body("Client", f"Validation constraint violation: {exc}")
        except BackendFault as exc:
            self.counters.faults[exc.code] += 1
            return 500, list(_XML), fault_body(exc.code, exc.message)
        return 200, list(_XML), payload

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        status, headers, payload = self.handle(
            scope["method"],
            scope.get("query_string", b"").decode("latin-1"),
            b"".join(chunks),
            base_url_of(scope),
        )
        headers = [*headers, (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


class WireTransport(httpx.BaseTransport):
    """Synchronous httpx transport that hands requests straight to a :class:`MplusWire`."""

    def __init__(self, wire: MplusWire, base_url: str) -> None:
        self.wire = wire
        self.base_url = base_url.rstrip("/")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        status, headers, payload = self.wire.handle(
            request.method, request.url.query.decode("latin-1"), request.read(), self.base_url
        )
        return httpx.Response(
            status,
            headers=[(k.decode(), v.decode()) for k, v in headers],
            content=payload,
            request=request,
        )


class MplusEmulator:
    """A seeded MplusKASSA emulator.

    Attributes:
        app: The ASGI app (fault injection around the SOAP wire layer).
        backend: The state; tests mutate it (``sell``, ``set_price``, ``add_article``, ...).
        faults: The fault injector (``reconfigure``, ``stats``).
        counters: Calls and writes per operation.
        ident: Accepted ident.
        secret: Accepted secret.
    """

    def __init__(
        self, backend: MplusBackend, ident: str, secret: str, faults: FaultConfig | None
    ) -> None:
        self.backend = backend
        self.ident = ident
        self.secret = secret
        self.counters = Counters()
        self.wire = MplusWire(backend, ident, secret, self.counters)
        self.faults = FaultInjector(self.wire, faults, server_fault=server_fault, is_write=is_write)
        self.app = self.faults

    def transport(self, base_url: str = "http://mplus.emulator") -> httpx.BaseTransport:
        """An in-process httpx transport onto the wire layer (real XML, no socket, no faults).

        Handy for fast tests: ``MplusClient(base_url, ident, secret, transport=emu.transport())``.
        """
        return WireTransport(self.wire, base_url)

    def __repr__(self) -> str:
        return f"MplusEmulator(articles={len(self.backend.articles)}, ident={self.ident!r})"


def create_emulator(
    seed: str = "demo",
    ident: str = "demo",
    secret: str = "demo",
    faults: FaultConfig | None = None,
) -> MplusEmulator:
    """Build a seeded MplusKASSA emulator.

    Args:
        seed: ``demo`` (the demo catalogue, customers, stock in two branches), ``empty``
            (master data only) or a number N (N articles, for benchmarks).
        ident: Accepted API ident.
        secret: Accepted API secret.
        faults: Fault injection settings (none by default).

    Returns:
        The emulator; serve ``emulator.app`` with uvicorn.
    """
    backend = MplusBackend()
    seed_backend(backend, seed)
    return MplusEmulator(backend, ident, secret, faults)
