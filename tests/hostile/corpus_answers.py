"""The corpus's hostile answers: what either system may answer to the orders flow's calls."""

from __future__ import annotations

from .corpus_kit import (
    Case,
    create_order_rule,
    feed_rule,
    flow_failed_cleanly,
    no_mplus_order,
    one_mplus_order,
    patch_order_rule,
    run_recovered,
    wired_order,
)
from .wire import (
    HTML_PAGE,
    MALFORMED_JSON,
    Rule,
    entity_bomb,
    problem,
    xxe_answer,
)

#: Hostile answers to the writes of one order; the batch goes on.
WRITE_ANSWERS: list[Case] = [
    Case(
        "mplus-500-html-write",
        "orders",
        "HTTP 500 HTML page from MplusKASSA on createOrderV3",
        wired_order(
            "m500@example.nl",
            create_order_rule(status=500, body=HTML_PAGE, content_type="text/html", times=None),
        ),
        "API_UNAVAILABLE",
        no_mplus_order,
    ),
    Case(
        "mplus-422-write",
        "orders",
        "HTTP 422 from MplusKASSA on createOrderV3",
        wired_order(
            "m422@example.nl",
            create_order_rule(
                status=422, body=b"Unprocessable Entity", content_type="text/plain", times=None
            ),
        ),
        "API_UNAVAILABLE",
        no_mplus_order,
    ),
    Case(
        "mplus-429-write",
        "orders",
        "HTTP 429 from MplusKASSA on createOrderV3 (once)",
        wired_order(
            "m429@example.nl",
            create_order_rule(
                status=429,
                body=b"Too Many Requests",
                content_type="text/plain",
                headers=[(b"retry-after", b"0")],
            ),
        ),
        "created",
        lambda r, n: None if one_mplus_order(r, n) else None,
    ),
    Case(
        "mplus-xxe-write",
        "orders",
        "XXE in the SOAP answer to a write that went through",
        wired_order(
            "mxxe@example.nl",
            create_order_rule(commit=True, body=xxe_answer("createOrderV3Response", "result")),
        ),
        "created",
        lambda r, n: None if one_mplus_order(r, n) else None,
    ),
    Case(
        "mplus-cut-write",
        "orders",
        "MplusKASSA answer cut off mid-body after the write",
        wired_order("mcut@example.nl", create_order_rule(truncate=True)),
        "created",
        lambda r, n: None if one_mplus_order(r, n) else None,
    ),
    Case(
        "shop-404-status",
        "orders",
        "HTTP 404 from the shop on the status write-back",
        wired_order(
            "s404@example.nl",
            patch_order_rule(status=404, body=problem(404, "Not Found"), times=None),
        ),
        "API_UNAVAILABLE",
        lambda r, n: None if one_mplus_order(r, n) else None,
    ),
    Case(
        "shop-500-status",
        "orders",
        "HTTP 500 from the shop on the status write-back",
        wired_order(
            "s500@example.nl",
            patch_order_rule(status=500, body=problem(500, "Internal Server Error"), times=None),
        ),
        "API_UNAVAILABLE",
        lambda r, n: None if one_mplus_order(r, n) else None,
    ),
    Case(
        "shop-422-status",
        "orders",
        "HTTP 422 from the shop on the status write-back",
        wired_order(
            "s422@example.nl",
            patch_order_rule(
                status=422, body=problem(422, "Unprocessable", "status: unknown"), times=None
            ),
        ),
        "API_UNAVAILABLE",
        lambda r, n: None if one_mplus_order(r, n) else None,
    ),
]


#: Hostile answers to the reads every run makes: a clear error, nothing written.
READ_ANSWERS: list[Case] = [
    Case(
        "shop-malformed-json",
        "orders-stop",
        "malformed JSON from the shop (GET /orders)",
        feed_rule(
            Rule(
                "shop",
                "GET /v1/orders",
                body=MALFORMED_JSON,
                content_type="application/json",
                times=None,
            )
        ),
        "error:TransportError",
        flow_failed_cleanly,
    ),
    Case(
        "shop-html-200",
        "orders-stop",
        "HTML error page with status 200 from the shop",
        feed_rule(
            Rule("shop", "GET /v1/orders", body=HTML_PAGE, content_type="text/html", times=None)
        ),
        "error:TransportError",
        flow_failed_cleanly,
    ),
    Case(
        "shop-401",
        "orders-stop",
        "HTTP 401 from the shop (GET /orders)",
        feed_rule(
            Rule(
                "shop",
                "GET /v1/orders",
                status=401,
                body=problem(401, "Unauthorized"),
                content_type="application/problem+json",
                times=None,
            )
        ),
        "error:CredentialsError",
        flow_failed_cleanly,
    ),
    Case(
        "shop-403",
        "orders-stop",
        "HTTP 403 from the shop (GET /orders)",
        feed_rule(
            Rule(
                "shop",
                "GET /v1/orders",
                status=403,
                body=problem(403, "Forbidden"),
                content_type="application/problem+json",
                times=None,
            )
        ),
        "error:CredentialsError",
        flow_failed_cleanly,
    ),
    Case(
        "shop-500-read",
        "orders-stop",
        "HTTP 500 from the shop on every GET /orders",
        feed_rule(
            Rule(
                "shop",
                "GET /v1/orders",
                status=500,
                body=problem(500, "Oops"),
                content_type="application/problem+json",
                times=None,
            )
        ),
        "error:ServerError",
        flow_failed_cleanly,
    ),
    Case(
        "shop-cut-read",
        "orders-stop",
        "shop answer cut off mid-body (once)",
        feed_rule(Rule("shop", "GET /v1/orders", truncate=True)),
        "completed",
        run_recovered,
    ),
    Case(
        "shop-429-read",
        "orders-stop",
        "HTTP 429 from the shop (once, Retry-After 0)",
        feed_rule(
            Rule(
                "shop",
                "GET /v1/orders",
                status=429,
                body=problem(429, "Slow down"),
                content_type="application/problem+json",
                headers=[(b"retry-after", b"0")],
            )
        ),
        "completed",
        run_recovered,
    ),
    Case(
        "mplus-xxe-read",
        "orders-stop",
        "XXE payload in a MplusKASSA SOAP response",
        feed_rule(
            Rule(
                "mplus",
                "getOrdersByExtOrderIds",
                times=None,
                body=xxe_answer("getOrdersByExtOrderIdsResponse", "result"),
            )
        ),
        "error:MplusProtocolError",
        flow_failed_cleanly,
    ),
    Case(
        "mplus-entity-bomb",
        "orders-stop",
        "entity-expansion payload in a SOAP response",
        feed_rule(
            Rule(
                "mplus",
                "getOrdersByExtOrderIds",
                times=None,
                body=entity_bomb("getOrdersByExtOrderIdsResponse", "result"),
            )
        ),
        "error:MplusProtocolError",
        flow_failed_cleanly,
    ),
    Case(
        "mplus-html-200",
        "orders-stop",
        "HTML error page with status 200 from MplusKASSA",
        feed_rule(
            Rule(
                "mplus",
                "getOrdersByExtOrderIds",
                body=HTML_PAGE,
                content_type="text/html",
                times=None,
            )
        ),
        "error:MplusProtocolError",
        flow_failed_cleanly,
    ),
    Case(
        "mplus-401",
        "orders-stop",
        "HTTP 401 from MplusKASSA",
        feed_rule(
            Rule(
                "mplus",
                "getOrdersByExtOrderIds",
                status=401,
                body=b"Unauthorized",
                content_type="text/plain",
                times=None,
            )
        ),
        "error:MplusTransportError",
        flow_failed_cleanly,
    ),
    Case(
        "mplus-403",
        "orders-stop",
        "HTTP 403 from MplusKASSA",
        feed_rule(
            Rule(
                "mplus",
                "getOrdersByExtOrderIds",
                status=403,
                body=b"Forbidden",
                content_type="text/plain",
                times=None,
            )
        ),
        "error:MplusTransportError",
        flow_failed_cleanly,
    ),
    Case(
        "mplus-404",
        "orders-stop",
        "HTTP 404 from MplusKASSA",
        feed_rule(
            Rule(
                "mplus",
                "getOrdersByExtOrderIds",
                status=404,
                body=HTML_PAGE,
                content_type="text/html",
                times=None,
            )
        ),
        "error:MplusTransportError",
        flow_failed_cleanly,
    ),
    Case(
        "mplus-cut-read",
        "orders-stop",
        "MplusKASSA answer cut off mid-body (once)",
        feed_rule(Rule("mplus", "getOrdersByExtOrderIds", truncate=True)),
        "completed",
        run_recovered,
    ),
]
