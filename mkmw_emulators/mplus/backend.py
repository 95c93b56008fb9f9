"""State and business semantics of the emulated MplusKASSA; knows nothing of XML or HTTP.

Records are plain dicts keyed by WSDL element names (cents as int, quantities as Decimal),
so the wire layer can encode them without a mapping step. Every handler takes the decoded
request dict and returns the response dict; request errors a real server would reject with a
SOAP fault raise :class:`BackendFault`.

Semantics (API-NOTES.md §2-§6):

* one syncMarker counter per entity type, bumped on every change; filters are ``>=`` and
  results ascending;
* ``getProducts``: the limit counts articles; products come whole and never split; a first
  product bigger than the limit comes whole; a product's feed position is its highest
  article marker, so paging with last seen + 1 never loses or repeats an article;
* relations: at most 1000 a call;
* stock: every change of a level bumps the shared ``stockId``; physical mutations are logged in
  the stock history (``getStockHistoryV2``);
* orders: ``extOrderId`` unique forever; ``idempotencyKey`` replays the original response;
  relation, employee and articles must exist; undelivered orders reserve stock.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mkmw_emulators.mplus import order_ops
from mkmw_flows.mplus.money import (
    AMSTERDAM,
    date_to_mplus_date,
    datetime_to_mplus_datetime,
    quantity_to_wire,
)

RELATIONS_CAP = 1000
DEFAULT_LIMIT = 1000
SUPERUSER = 999999
REPLAY = "IDEMPOTENCY-RESULT-REPLAY-RESPONSE"
ORIGINAL = "IDEMPOTENCY-RESULT-ORIGINAL-RESPONSE"

_RELATION_SEARCH = (
    "extRelationId",
    "name",
    "address",
    "zipcode",
    "city",
    "country",
    "deliveryAddress",
    "deliveryZipcode",
    "deliveryCity",
    "deliveryCountry",
    "contact",
    "telephone",
    "mobile",
    "email",
    "website",
    "relationCode",
    "cardNumber",
    "bankAccountNumber",
    "companyName",
    "vatNumber",
)
_ARTICLE_WRITABLE = (
    "extArticleId",
    "pluNumber",
    "active",
    "description",
    "colour",
    "colourSequenceNumber",
    "size",
    "sizeSequenceNumber",
    "invoiceText",
    "receiptText",
    "displayText",
    "barcode",
    "contentUnit",
    "brandName",
    "extraText",
    "turnoverGroup",
    "vatCode",
    "purchasePrice",
    "priceIncl",
    "priceExcl",
    "supplierRelationNumber",
    "supplierArticleNumber",
    "webshop",
    "categoryIds",
    "stockArticle",
    "discontinued",
)


class BackendFault(Exception):
    """A request the server rejects with a SOAP fault (``Client`` by default)."""

    def __init__(self, message: str, code: str = "Client") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class MarkerIndex:
    """Keys ordered by their current syncMarker: ``since(n)`` iterates keys with marker >= n."""

    def __init__(self) -> None:
        self._markers: list[int] = []
        self._keys: list[Any] = []
        self._of: dict[Any, int] = {}

    def set(self, key: Any, marker: int) -> None:
        old = self._of.get(key)
        if old is not None:
            i = bisect_left(self._markers, old)
            del self._markers[i]
            del self._keys[i]
        if self._markers and marker <= self._markers[-1]:
            i = bisect_left(self._markers, marker)
            self._markers.insert(i, marker)
            self._keys.insert(i, key)
        else:
            self._markers.append(marker)
            self._keys.append(key)
        self._of[key] = marker

    def marker(self, key: Any) -> int | None:
        return self._of.get(key)

    def since(self, marker: int) -> Iterator[Any]:
        start = bisect_left(self._markers, marker)
        keys = self._keys
        for i in range(start, len(keys)):
            yield keys[i]

    def __len__(self) -> int:
        return len(self._keys)


def _now_struct(now: datetime) -> dict[str, Any]:
    return datetime_to_mplus_datetime(now)


def _excl(incl: int, vat: int) -> int:
    return int((Decimal(incl) * 100 / (100 + vat)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _incl(excl: int, vat: int) -> int:
    return int((Decimal(excl) * (100 + vat) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _qty(value: int, places: int | None) -> Decimal:
    return Decimal(value).scaleb(-(places or 0))


class MplusBackend:
    """The emulated MplusKASSA state.

    Args:
        clock: Returns "now" (aware); a fixed clock makes runs reproducible.
    """

    def __init__(self, clock: Any = None) -> None:
        self.lock = threading.RLock()
        self.clock = clock or (lambda: datetime.now(AMSTERDAM))
        self.counters: dict[str, int] = {
            "article": 0,
            "articleGroup": 0,
            "relation": 0,
            "employee": 0,
            "order": 0,
            "invoice": 0,
            "receipt": 0,
            "stock": 0,
        }
        self.products: dict[int, dict[str, Any]] = {}  # productNumber -> product (no articles)
        self.product_articles: dict[int, list[int]] = {}
        self.articles: dict[int, dict[str, Any]] = {}  # articleNumber -> Article dict
        self.article_product: dict[int, int] = {}
        self.product_index = MarkerIndex()
        self.groups: dict[int, dict[str, Any]] = {}  # groupNumber -> group (+ "_parent")
        self.group_index = MarkerIndex()
        self.relations: dict[int, dict[str, Any]] = {}
        self.relation_index = MarkerIndex()
        self.employees: dict[int, dict[str, Any]] = {}
        self.employee_index = MarkerIndex()
        self.orders: dict[str, dict[str, Any]] = {}
        self.order_index = MarkerIndex()
        self.ext_order_ids: dict[str, str] = {}  # unique forever
        self.order_changes: list[dict[str, Any]] = []  # getOrderChanges, by syncMarker
        self.order_change_markers: list[int] = []
        self.invoices: dict[str, dict[str, Any]] = {}
        self.invoice_index = MarkerIndex()
        self.ext_invoice_ids: dict[str, str] = {}
        self.idempotency: dict[tuple[str, str], dict[str, Any]] = {}
        self.stock: dict[tuple[int, int], dict[str, Any]] = {}  # (branch, article) -> levels
        self.stock_index = MarkerIndex()
        self.stock_history: list[dict[str, Any]] = []
        self._history_ids: list[int] = []
        self.branches: dict[int, dict[str, Any]] = {}
        self.vat_groups: dict[int, int] = {}  # vatCode -> percentage
        self.turnover_groups: list[dict[str, Any]] = []
        self.payment_methods: list[dict[str, Any]] = []
        self.delivery_methods: list[dict[str, Any]] = []
        self.api_version = {
            "majorNumber": 1,
            "minorNumber": 0,
            "revisionNumber": 0,
            "serviceMajorNumber": 67,
            "serviceMinorNumber": 1,
            "serviceRevisionNumber": 3,
            "serviceBuildNumber": 0,
            "inDebugMode": False,
            "serviceVersionDisplayString": "67.1.3 (emulator)",
        }
        self._seq = 0
        self._last_now: datetime | None = None
        self._last_ts: dict[str, Any] = {}
        self._order_number = 0
        self._invoice_number = 0
        self._image_seq = 5000
        self._image_versions: dict[int, int] = {}

    # ---- helpers --------------------------------------------------------------------------

    def bump(self, kind: str) -> int:
        """Advance and return the syncMarker counter of an entity type (or ``stock``)."""
        self.counters[kind] += 1
        return self.counters[kind]

    def _id(self, kind: str) -> str:
        self._seq += 1
        return hashlib.md5(f"{kind}:{self._seq}".encode(), usedforsecurity=False).hexdigest()

    def _ts(self) -> dict[str, Any]:
        now = self.clock()
        if now != self._last_now:
            self._last_now = now
            self._last_ts = _now_struct(now)
        return self._last_ts

    def vat_percentage(self, vat_code: int | None) -> int:
        return self.vat_groups.get(vat_code or 0, 21)

    # ---- master data set-up (used by seeds and tests) -----------------------------------------

    def add_branch(self, number: int, name: str, abbreviation: str) -> None:
        self.branches[number] = {
            "branchNumber": number,
            "branchName": name,
            "abbreviation": abbreviation,
            "countryCode": 528,
            "countryIso3": "NLD",
            "countryName": "Nederland",
        }

    def add_employee(self, number: int, name: str, email: str | None = None) -> dict[str, Any]:
        with self.lock:
            marker = self.bump("employee")
            emp = {
                "employeeNumber": number,
                "syncMarker": marker,
                "createTimestamp": self._ts(),
                "changeTimestamp": self._ts(),
                "name": name,
                "active": True,
            }
            if email:
                emp["email"] = email
            self.employees[number] = emp
            self.employee_index.set(number, marker)
            return emp

    def add_group(
        self, number: int, name: str, parent: int | None = None, sort_order: int = 0
    ) -> None:
        with self.lock:
            marker = self.bump("articleGroup")
            self.groups[number] = {
                "groupNumber": number,
                "syncMarker": marker,
                "name": name,
                "text": name,
                "sortOrder": sort_order or number,
                "isDeleted": False,
                "_parent": parent,
            }
            self.group_index.set(number, marker)

    def rename_group(self, number: int, name: str) -> None:
        """Test helper: rename a group (bumps its articleGroup syncMarker)."""
        with self.lock:
            group = self.groups[number]
            group["name"] = name
            group["syncMarker"] = self.bump("articleGroup")
            self.group_index.set(number, group["syncMarker"])

    # ---- products ----------------------------------------------------------------------------

    def _store_article(self, product_number: int, article: dict[str, Any]) -> None:
        number = article["articleNumber"]
        vat = self.vat_percentage(article.get("vatCode"))
        article["vatPercentage"] = vat
        if "priceIncl" in article and "priceExcl" not in article:
            article["priceExcl"] = _excl(article["priceIncl"], vat)
        elif "priceExcl" in article and "priceIncl" not in article:
            article["priceIncl"] = _incl(article["priceExcl"], vat)
        article.setdefault("active", True)
        article.setdefault("stockArticle", True)
        article.setdefault("pluNumber", str(number))
        self.articles[number] = article
        self.article_product[number] = product_number

    def _touch_article(self, article: dict[str, Any]) -> int:
        marker = self.bump("article")
        article["syncMarker"] = marker
        article["changeTimestamp"] = self._ts()
        product_number = self.article_product[article["articleNumber"]]
        self.products[product_number]["syncMarker"] = marker
        self.product_index.set(product_number, marker)
        return marker

    def add_product(
        self,
        product_number: int,
        description: str,
        articles: Iterable[dict[str, Any]],
        group_numbers: Iterable[int] = (),
        extra_text: str | None = None,
    ) -> int:
        """Create a product with its articles (each gets its own syncMarker); return last marker."""
        with self.lock:
            product: dict[str, Any] = {"productNumber": product_number, "description": description}
            if extra_text is not None:
                product["extraText"] = extra_text
            product["groupNumbers"] = list(group_numbers)
            self.products[product_number] = product
            numbers: list[int] = []
            self.product_articles[product_number] = numbers
            marker = 0
            for article in articles:
                article = dict(article)
                self._store_article(product_number, article)
                numbers.append(article["articleNumber"])
                marker = self._touch_article(article)
                if article.get("stockArticle", True):
                    for branch in self.branches:
                        self._ensure_stock(branch, article["articleNumber"])
            return marker

    def add_article(self, product_number: int, article: dict[str, Any]) -> int:
        """Test helper: add an article to an existing product; returns its syncMarker."""
        with self.lock:
            article = dict(article)
            if "articleNumber" not in article:
                article["articleNumber"] = max(self.articles, default=0) + 1
            article["createTimestamp"] = self._ts()
            self._store_article(product_number, article)
            self.product_articles[product_number].append(article["articleNumber"])
            marker = self._touch_article(article)
            if article.get("stockArticle", True):
                for branch in self.branches:
                    self._ensure_stock(branch, article["articleNumber"])
            return marker

    def update_article(self, article_number: int, **fields: Any) -> int:
        """Test helper: change article fields (WSDL names) and bump its syncMarker."""
        with self.lock:
            article = self.articles[article_number]
            article.update(fields)
            if "priceIncl" in fields and "priceExcl" not in fields:
                article["priceExcl"] = _excl(article["priceIncl"], article["vatPercentage"])
            return self._touch_article(article)

    def touch_article(self, article_number: int) -> int:
        """Test helper: bump an article's syncMarker without changing it."""
        with self.lock:
            return self._touch_article(self.articles[article_number])

    def set_price(self, article_number: int, price_incl: Decimal) -> int:
        """Test helper: set an article's price incl. VAT (euros); returns the new syncMarker."""
        cents = int((Decimal(price_incl) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return self.update_article(article_number, priceIncl=cents)

    def image_record(self, image_id: int, name: str, version: int = 1) -> dict[str, Any]:
        """An ``Image`` dict (every element the WSDL requires); the hash follows the content."""
        digest = hashlib.sha1(f"{image_id}:{name}:{version}".encode(), usedforsecurity=False)
        content = digest.hexdigest()
        ts = self._ts()
        return {
            "imageId": image_id,
            "imageName": name,
            "imageHash": content,
            "imagePath": f"images/{image_id}/{name}",
            "imageUrl": f"https://images.mpluskassa.example/{image_id}/{content[:12]}/{name}",
            "imageData": "",
            "imageDataResult": "LOAD-FILE-NOT-REQUESTED",
            "thumbHash": content[::-1],
            "thumbPath": f"images/{image_id}/thumb-{name}",
            "thumbUrl": f"https://images.mpluskassa.example/{image_id}/thumb-{name}",
            "thumbData": "",
            "thumbDataResult": "LOAD-FILE-NOT-REQUESTED",
            "imageWidth": 800,
            "imageHeight": 800,
            "thumbWidth": 100,
            "thumbHeight": 100,
            "createdTimestamp": ts,
            "changedTimestamp": ts,
        }

    def set_image(
        self, article_number: int, name: str, position: int = 1, *, image_id: int | None = None
    ) -> int:
        """Test helper: put (or replace the content of) an article's image at a position (1-).

        Replacing keeps the image id and changes its hash, as editing a picture does.
        Returns the new syncMarker.
        """
        with self.lock:
            article = self.articles[article_number]
            images = list(article.get("imageList", {}).get("image", []))
            if position <= len(images):
                old = images[position - 1]
                number = image_id or old["imageId"]
                version = self._image_versions.get(number, 1) + 1
                self._image_versions[number] = version
                images[position - 1] = self.image_record(number, name, version)
            else:
                self._image_seq += 1
                images.append(self.image_record(image_id or self._image_seq, name))
            article["imageList"] = {"image": images}
            return self._touch_article(article)

    def remove_images(self, article_number: int) -> int:
        """Test helper: take every image off an article; returns the new syncMarker."""
        with self.lock:
            article = self.articles[article_number]
            article.pop("imageList", None)
            return self._touch_article(article)

    def set_custom_field(self, article_number: int, name: str, value: str | None) -> int:
        """Test helper: set a text custom field of an article (None removes it)."""
        with self.lock:
            article = self.articles[article_number]
            fields = [
                f
                for f in article.get("customFieldList", {}).get("customField", [])
                if f["fieldName"] != name
            ]
            if value is not None:
                fields.append(
                    {"fieldName": name, "dataType": "DATA-TYPE-STRING", "strValue": value}
                )
            article["customFieldList"] = {"customField": fields}
            return self._touch_article(article)

    def set_sales_price(
        self,
        article_number: int,
        price_incl: Decimal | None,
        *,
        start: date | None = None,
        end: date | None = None,
        number: int = 1,
    ) -> int:
        """Test helper: give an article a sales (action) price incl. VAT; None removes it."""
        with self.lock:
            article = self.articles[article_number]
            prices = [
                p
                for p in article.get("salesPriceList", {}).get("salesPrice", [])
                if p["salesPriceNumber"] != number
            ]
            if price_incl is not None:
                cents = int((Decimal(price_incl) * 100).quantize(Decimal(1), ROUND_HALF_UP))
                entry: dict[str, Any] = {
                    "salesPriceNumber": number,
                    "description": "Actie",
                    "priceIncl": cents,
                    "priceExcl": _excl(cents, article["vatPercentage"]),
                }
                if start is not None:
                    entry["startDate"] = date_to_mplus_date(start)
                if end is not None:
                    entry["endDate"] = date_to_mplus_date(end)
                prices.append(entry)
            if prices:
                article["salesPriceList"] = {"salesPrice": prices}
            else:
                article.pop("salesPriceList", None)
            return self._touch_article(article)

    def _product_dict(self, product_number: int, article_filter: Any = None) -> dict[str, Any]:
        product = dict(self.products[product_number])
        articles = [self.articles[n] for n in self.product_articles[product_number]]
        if article_filter is not None:
            articles = [a for a in articles if article_filter(a)]
        product["articleList"] = {"article": articles}
        return product

    def get_products(self, req: dict[str, Any]) -> dict[str, Any]:
        articles_filter = set(req.get("articleNumbers", ()))
        products_filter = set(req.get("productNumbers", ()))
        groups_filter = set(req.get("groupNumbers", ()))
        plu_filter = {t.get("text", "") for t in req.get("pluNumbers", {}).get("text", [])}
        only_webshop = req.get("onlyWebshop", False)
        only_active = req.get("onlyActive", False)
        all_of_selected = req.get("includeAllArticlesOfSelectedProducts", False)

        def article_ok(a: dict[str, Any]) -> bool:
            if only_webshop and not a.get("webshop"):
                return False
            if only_active and not a.get("active"):
                return False
            if plu_filter and a.get("pluNumber") not in plu_filter:
                return False
            return not (
                articles_filter
                and not all_of_selected
                and a["articleNumber"] not in articles_filter
            )

        def product_ok(number: int) -> bool:
            if products_filter and number not in products_filter:
                return False
            if groups_filter and not groups_filter & set(self.products[number]["groupNumbers"]):
                return False
            return not (
                articles_filter and not articles_filter & set(self.product_articles[number])
            )

        filtering = bool(
            only_webshop or only_active or plu_filter or articles_filter or groups_filter
        )
        result: list[dict[str, Any]] = []
        with self.lock:
            marker = req.get("syncMarker")
            if marker is None:
                numbers: Iterable[int] = sorted(
                    products_filter if products_filter else self.products
                )
                for number in numbers:
                    if number in self.products and product_ok(number):
                        product = self._product_dict(number, article_ok if filtering else None)
                        if product["articleList"]["article"]:
                            result.append(product)
                return {"productList": {"product": result}}
            limit = req.get("syncMarkerLimit") or DEFAULT_LIMIT
            count = 0
            for number in self.product_index.since(marker):
                if not product_ok(number):
                    continue
                product = self._product_dict(number, article_ok if filtering else None)
                size = len(product["articleList"]["article"])
                if not size:
                    continue
                if result and count + size > limit:
                    break
                result.append(product)
                count += size
                if count >= limit:
                    break
        return {"productList": {"product": result}}

    def _check_new_articles(
        self, articles: list[dict[str, Any]], product_number: int | None
    ) -> str | None:
        seen: set[int] = set()
        for article in articles:
            number = article.get("articleNumber")
            if number is None:
                continue
            if number <= 0:
                return "article numbers must be positive numbers"
            owner = self.article_product.get(number)
            if number in seen or (owner is not None and owner != product_number):
                return f"article number {number} is already taken"
            seen.add(number)
        return None

    def _next_article_number(self) -> int:
        return max(self.articles, default=0) + 1

    def create_product(self, body: dict[str, Any]) -> dict[str, Any]:
        product = body.get("product", {})
        articles = product.get("articleList", {}).get("article", [])
        with self.lock:
            number = product.get("productNumber") or max(self.products, default=0) + 1
            base = {"result": "", "productNumber": number, "errorMessage": ""}
            if number in self.products:
                base["result"] = "CREATE-PRODUCT-RESULT-FAILED-PRODUCT-NUMBER-ALREADY-TAKEN"
                base["errorMessage"] = f"product number {number} is already taken"
                return base
            if not articles:
                base["result"] = "CREATE-PRODUCT-RESULT-FAILED"
                base["errorMessage"] = "a product needs at least one article"
                return base
            problem = self._check_new_articles(articles, None)
            if problem:
                base["result"] = "CREATE-PRODUCT-RESULT-FAILED-ARTICLE-NUMBER-ALREADY-TAKEN"
                base["errorMessage"] = problem
                return base
            new_articles: list[dict[str, Any]] = []
            for article in articles:
                article = {
                    k: v
                    for k, v in article.items()
                    if k in _ARTICLE_WRITABLE or k == "articleNumber"
                }
                if "articleNumber" not in article:
                    article["articleNumber"] = self._next_article_number() + len(new_articles)
                new_articles.append(article)
            marker = self.add_product(
                number,
                product.get("description", ""),
                new_articles,
                product.get("groupNumbers", []),
                product.get("extraText"),
            )
            base.update(
                result="CREATE-PRODUCT-RESULT-OK",
                articleNumbers=[a["articleNumber"] for a in new_articles],
                changeTimestamp=self._ts(),
                syncMarker=marker,
            )
            return base

    def update_product(self, body: dict[str, Any]) -> dict[str, Any]:
        product = body.get("product", {})
        number = product.get("productNumber")
        articles = product.get("articleList", {}).get("article", [])
        with self.lock:
            if number not in self.products:
                return {
                    "result": "UPDATE-PRODUCT-RESULT-NOT-FOUND",
                    "errorMessage": f"product {number} not found",
                }
            problem = self._check_new_articles(articles, number)
            if problem:
                return {
                    "result": "UPDATE-PRODUCT-RESULT-FAILED-ARTICLE-NUMBER-ALREADY-TAKEN",
                    "errorMessage": problem,
                }
            stored = self.products[number]
            product_changed = False
            for key in ("description", "extraText"):
                if key in product and stored.get(key) != product[key]:
                    stored[key] = product[key]
                    product_changed = True
            if "groupNumbers" in product and product["groupNumbers"] != stored["groupNumbers"]:
                stored["groupNumbers"] = list(product["groupNumbers"])
                product_changed = True
            existing: list[int] = []
            new: list[int] = []
            marker = None
            touched: set[int] = set()
            for article in articles:
                fields = {k: v for k, v in article.items() if k in _ARTICLE_WRITABLE}
                article_number = article.get("articleNumber")
                if article_number in self.articles:
                    target = self.articles[article_number]
                    target.update(fields)
                    if "priceIncl" in fields and "priceExcl" not in fields:
                        target["priceExcl"] = _excl(
                            target["priceIncl"], self.vat_percentage(target.get("vatCode"))
                        )
                    target["vatPercentage"] = self.vat_percentage(target.get("vatCode"))
                    marker = self._touch_article(target)
                    existing.append(article_number)
                    touched.add(article_number)
                else:
                    fields["articleNumber"] = article_number or self._next_article_number()
                    marker = self.add_article(number, fields)
                    new.append(fields["articleNumber"])
                    touched.add(fields["articleNumber"])
            if product_changed:
                for article_number in self.product_articles[number]:
                    if article_number not in touched:
                        marker = self._touch_article(self.articles[article_number])
            response: dict[str, Any] = {
                "result": "UPDATE-PRODUCT-RESULT-OK",
                "existingArticleNumbers": existing,
                "newArticleNumbers": new,
                "changeTimestamp": self._ts(),
                "errorMessage": "",
            }
            if marker is not None:
                response["syncMarker"] = marker
            return response

    # ---- article groups ------------------------------------------------------------------------

    def _children(self, number: int | None) -> list[dict[str, Any]]:
        kids = [g for g in self.groups.values() if g["_parent"] == number]
        return sorted(kids, key=lambda g: (g["sortOrder"], g["groupNumber"]))

    def _group_products(self, number: int) -> list[int]:
        return sorted(n for n, p in self.products.items() if number in p["groupNumbers"])

    def _group_tree(self, group: dict[str, Any], with_articles: bool) -> dict[str, Any]:
        out = {k: v for k, v in group.items() if not k.startswith("_")}
        out["subGroupList"] = {
            "articleGroups": [
                self._group_tree(g, with_articles) for g in self._children(group["groupNumber"])
            ]
        }
        if with_articles:
            products = self._group_products(group["groupNumber"])
            out["productNumbers"] = {"number": products}
            out["articleNumbers"] = {
                "number": [a for p in products for a in self.product_articles[p]]
            }
        return out

    def _subtree_marker(self, group: dict[str, Any]) -> int:
        return max(
            [group["syncMarker"]]
            + [self._subtree_marker(g) for g in self._children(group["groupNumber"])]
        )

    def get_article_groups(self, req: dict[str, Any]) -> dict[str, Any]:
        wanted = set(req.get("groupNumbers", ()))
        marker = req.get("syncMarker")
        with_articles = bool(req.get("retrieveArticleNumbers"))
        with self.lock:
            tops = [g for g in self._children(None) if not wanted or g["groupNumber"] in wanted]
            if marker is not None:
                tops = [g for g in tops if self._subtree_marker(g) >= marker]
                tops.sort(key=self._subtree_marker)
                if req.get("syncMarkerLimit"):
                    tops = tops[: req["syncMarkerLimit"]]
            return {
                "articleGroupList": {
                    "articleGroups": [self._group_tree(g, with_articles) for g in tops]
                }
            }

    def get_article_group_changes(self, req: dict[str, Any]) -> dict[str, Any]:
        marker = req.get("syncMarker") or 0
        limit = req.get("syncMarkerLimit") or DEFAULT_LIMIT
        wanted = set(req.get("groupNumbers", ()))
        out: list[dict[str, Any]] = []
        with self.lock:
            for number in self.group_index.since(marker):
                group = self.groups[number]
                if wanted and self._top_of(number) not in wanted:
                    continue
                change = {
                    "groupNumber": number,
                    "parentGroupNumber": group["_parent"],
                    "syncMarker": group["syncMarker"],
                    "name": group["name"],
                    "text": group["text"],
                    "subGroupNumbers": {
                        "number": [g["groupNumber"] for g in self._children(number)]
                    },
                    "sortOrder": group["sortOrder"],
                    "productNumbers": {"number": self._group_products(number)},
                    "isDeleted": group["isDeleted"],
                }
                if change["parentGroupNumber"] is None:
                    del change["parentGroupNumber"]
                out.append(change)
                if len(out) >= limit:
                    break
        return {"changedArticleGroupList": {"changedArticleGroups": out}}

    def _top_of(self, number: int) -> int:
        while self.groups[number]["_parent"] is not None:
            number = self.groups[number]["_parent"]
        return number

    # ---- stock ---------------------------------------------------------------------------------

    def _ensure_stock(self, branch: int, article_number: int) -> dict[str, Any]:
        key = (branch, article_number)
        level = self.stock.get(key)
        if level is None:
            level = {"free": Decimal(0), "reserved": Decimal(0), "incoming": Decimal(0)}
            self.stock[key] = level
            self._stock_changed(key)
        return level

    def _stock_changed(self, key: tuple[int, int]) -> int:
        stock_id = self.bump("stock")
        level = self.stock[key]
        level["stockId"] = stock_id
        level["changeTimestamp"] = self._ts()
        self.stock_index.set(key, stock_id)
        return stock_id

    def _mutate_stock(
        self,
        branch: int,
        article_number: int,
        delta: Decimal,
        kind: str,
        order_id: str | None = None,
        invoice_id: str | None = None,
    ) -> int:
        level = self._ensure_stock(branch, article_number)
        level["free"] += delta
        stock_id = self._stock_changed((branch, article_number))
        amount, places = quantity_to_wire(delta)
        entry: dict[str, Any] = {
            "stockId": stock_id,
            "timestamp": self._ts(),
            "branchNumber": branch,
            "articleNumber": article_number,
            "amountChanged": amount,
            "decimalPlaces": places,
            "type": kind,
        }
        if order_id:
            entry["orderId"] = order_id
        if invoice_id:
            entry["invoiceId"] = invoice_id
        self.stock_history.append(entry)
        self._history_ids.append(stock_id)
        return stock_id

    def _reserve(self, branch: int, article_number: int, qty: Decimal) -> None:
        level = self._ensure_stock(branch, article_number)
        level["free"] -= qty
        level["reserved"] += qty
        self._stock_changed((branch, article_number))

    def set_stock(self, article_number: int, amount: Decimal, branch: int = 1) -> int:
        """Test helper: set the free stock (logged as a correction); returns the stockId."""
        with self.lock:
            level = self._ensure_stock(branch, article_number)
            delta = Decimal(amount) - level["free"]
            return self._mutate_stock(
                branch, article_number, delta, "STOCK-HISTORY-TYPE-CORRECTION"
            )

    def sell(self, article_number: int, qty: Decimal | int = 1, branch: int = 1) -> int:
        """Test helper: a till sale in a shop: free stock goes down; returns the stockId."""
        with self.lock:
            if article_number not in self.articles:
                raise KeyError(article_number)
            return self._mutate_stock(
                branch, article_number, -Decimal(qty), "STOCK-HISTORY-TYPE-SALES"
            )

    def receive(self, article_number: int, qty: Decimal | int, branch: int = 1) -> int:
        """Test helper: goods received (a delivery): free stock goes up; returns the stockId."""
        with self.lock:
            return self._mutate_stock(
                branch, article_number, Decimal(qty), "STOCK-HISTORY-TYPE-DELIVERY"
            )

    def stock_level(self, article_number: int, branch: int = 1) -> dict[str, Decimal]:
        """Test helper: the current levels {free, reserved, incoming} of an article."""
        level = self.stock[(branch, article_number)]
        return {k: level[k] for k in ("free", "reserved", "incoming")}

    def _stock_dict(self, key: tuple[int, int]) -> dict[str, Any]:
        level = self.stock[key]
        free, free_places = quantity_to_wire(level["free"])
        reserved, reserved_places = quantity_to_wire(level["reserved"])
        incoming, incoming_places = quantity_to_wire(level["incoming"])
        return {
            "branchNumber": key[0],
            "articleNumber": key[1],
            "changeTimestamp": level["changeTimestamp"],
            "stockId": level["stockId"],
            "amountFree": free,
            "decimalPlacesFree": free_places,
            "amountReserved": reserved,
            "decimalPlacesReserved": reserved_places,
            "amountIncoming": incoming,
            "decimalPlacesIncoming": incoming_places,
            "isDayStockArticle": False,
        }

    def get_stock(self, req: dict[str, Any]) -> dict[str, Any]:
        branch = req["branchNumber"]
        wanted = req.get("articleNumbers", {}).get("articleNumbers", [])
        stock_id = req.get("stockId")
        with self.lock:
            if branch not in self.branches:
                raise BackendFault(f"branch {branch} not found")
            if stock_id is not None:
                wanted_set = set(wanted)
                keys = [
                    k
                    for k in self.stock_index.since(stock_id)
                    if k[0] == branch and (not wanted_set or k[1] in wanted_set)
                ]
            elif wanted:
                keys = [(branch, n) for n in wanted if (branch, n) in self.stock]
            else:
                keys = sorted(k for k in self.stock if k[0] == branch)
            return {"articleStocks": [self._stock_dict(k) for k in keys]}

    def get_stock_history(self, req: dict[str, Any]) -> dict[str, Any]:
        branches = set(req.get("branchNumbers", ()))
        articles = set(req.get("articleNumbers", {}).get("articleNumbers", []))
        since = req.get("sinceStockId") or 0
        limit = req.get("sinceStockIdLimit") or DEFAULT_LIMIT
        out: list[dict[str, Any]] = []
        with self.lock:
            for i in range(bisect_left(self._history_ids, since), len(self.stock_history)):
                entry = self.stock_history[i]
                if branches and entry["branchNumber"] not in branches:
                    continue
                if articles and entry["articleNumber"] not in articles:
                    continue
                out.append(entry)
                if len(out) >= limit:
                    break
        return {"articleStockHistory": out}

    def update_stock(self, req: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            branch, number = req["branchNumber"], req["articleNumber"]
            if branch not in self.branches:
                return {"result": "UPDATE-STOCK-RESULT-BRANCH-NOT-FOUND"}
            article = self.articles.get(number)
            if article is None:
                return {"result": "UPDATE-STOCK-RESULT-ARTICLE-NOT-FOUND"}
            if not article.get("stockArticle", True):
                return {"result": "UPDATE-STOCK-RESULT-NO-STOCK-ARTICLE"}
            delta = _qty(req["amountChanged"], req.get("decimalPlaces"))
            stock_id = self._mutate_stock(branch, number, delta, "STOCK-HISTORY-TYPE-API")
            return {"result": "UPDATE-STOCK-RESULT-OK", "stockId": stock_id}

    # ---- relations -----------------------------------------------------------------------------

    def add_relation(self, fields: dict[str, Any], number: int | None = None) -> dict[str, Any]:
        """Store a new relation (WSDL field names); returns the stored record."""
        with self.lock:
            number = number or fields.get("relationNumber") or max(self.relations, default=0) + 1
            record = dict(fields)
            record["relationNumber"] = number
            record.setdefault("active", True)
            record["createTimestamp"] = self._ts()
            self.relations[number] = record
            self._touch_relation(record)
            return record

    def _touch_relation(self, record: dict[str, Any]) -> int:
        marker = self.bump("relation")
        record["syncMarker"] = marker
        record["changeTimestamp"] = self._ts()
        self.relation_index.set(record["relationNumber"], marker)
        return marker

    def update_relation_fields(self, number: int, **fields: Any) -> int:
        """Test helper: change relation fields (WSDL names); returns the new syncMarker."""
        with self.lock:
            record = self.relations[number]
            record.update(fields)
            return self._touch_relation(record)

    def get_relations(self, req: dict[str, Any]) -> dict[str, Any]:
        numbers = req.get("relationNumbers", [])
        marker = req.get("syncMarker")
        limit = min(req.get("syncMarkerLimit") or RELATIONS_CAP, RELATIONS_CAP)
        with self.lock:
            if marker is not None:
                wanted = set(numbers)
                out = []
                for n in self.relation_index.since(marker):
                    if wanted and n not in wanted:
                        continue
                    out.append(self.relations[n])
                    if len(out) >= limit:
                        break
            elif numbers:
                out = [self.relations[n] for n in numbers if n in self.relations][:RELATIONS_CAP]
            else:
                out = [self.relations[n] for n in sorted(self.relations)[:RELATIONS_CAP]]
            return {"relationList": {"relation": out}}

    def get_relation(self, body: dict[str, Any]) -> dict[str, Any]:
        record = self.relations.get(body["relationNumber"])
        if record is None:
            return {"result": "GET-RELATION-RESULT-NOT-FOUND"}
        return {"result": "GET-RELATION-RESULT-OK", "relation": record}

    def find_relation(self, req: dict[str, Any]) -> dict[str, Any]:
        query = req.get("relation", {})
        exact = req.get("exactMatch", False)
        terms = {
            k: str(v).casefold()
            for k, v in query.items()
            if k in _RELATION_SEARCH and isinstance(v, str) and v != ""
        }
        if "relationNumber" in query:
            record = self.relations.get(query["relationNumber"])
            if record:
                return {"result": "FIND-RELATION-RESULT-OK", "relation": record}
        if not terms:
            return {"result": "FIND-RELATION-RESULT-NOT-FOUND"}
        with self.lock:
            for number in sorted(self.relations):
                record = self.relations[number]
                ok = True
                for key, term in terms.items():
                    value = str(record.get(key) or "").casefold()
                    if (value != term) if exact else (term not in value):
                        ok = False
                        break
                if ok:
                    return {"result": "FIND-RELATION-RESULT-OK", "relation": record}
        return {"result": "FIND-RELATION-RESULT-NOT-FOUND"}

    def create_relation(self, body: dict[str, Any]) -> dict[str, Any]:
        relation = dict(body.get("relation", {}))
        with self.lock:
            number = relation.get("relationNumber")
            if number and number in self.relations:
                return {
                    "result": "CREATE-RELATION-RESULT-FAILED-RELATION-NUMBER-ALREADY-TAKEN",
                    "relationNumber": number,
                    "errorMessage": f"relation number {number} is already taken",
                }
            if not (relation.get("name") or relation.get("companyName") or relation.get("email")):
                return {
                    "result": "CREATE-RELATION-RESULT-FAILED",
                    "relationNumber": 0,
                    "errorMessage": "a relation needs a name, company name or e-mail",
                }
            for key in ("syncMarker", "createTimestamp", "changeTimestamp"):
                relation.pop(key, None)
            record = self.add_relation(relation, number or None)
            return {
                "result": "CREATE-RELATION-RESULT-OK",
                "relationNumber": record["relationNumber"],
                "changeTimestamp": record["changeTimestamp"],
                "syncMarker": record["syncMarker"],
                "errorMessage": "",
            }

    def update_relation(self, body: dict[str, Any]) -> dict[str, Any]:
        relation = dict(body.get("relation", {}))
        with self.lock:
            record = self.relations.get(relation.get("relationNumber", 0))
            if record is None:
                return {
                    "result": "UPDATE-RELATION-RESULT-NOT-FOUND",
                    "errorMessage": f"relation {relation.get('relationNumber')} not found",
                }
            for key in ("syncMarker", "createTimestamp", "changeTimestamp", "relationNumber"):
                relation.pop(key, None)
            record.update(relation)
            marker = self._touch_relation(record)
            return {
                "result": "UPDATE-RELATION-RESULT-OK",
                "errorMessage": "",
                "changeTimestamp": record["changeTimestamp"],
                "syncMarker": marker,
            }

    # ---- employees -----------------------------------------------------------------------------

    def get_employees(self, body: dict[str, Any]) -> dict[str, Any]:
        req = body.get("request", {})
        numbers = set(req.get("employeeNumbers", ()))
        marker = req.get("syncMarker")
        with self.lock:
            if marker is not None:
                limit = req.get("syncMarkerLimit") or DEFAULT_LIMIT
                out = []
                for n in self.employee_index.since(marker):
                    if numbers and n not in numbers:
                        continue
                    out.append(self.employees[n])
                    if len(out) >= limit:
                        break
            else:
                out = [
                    self.employees[n] for n in sorted(self.employees) if not numbers or n in numbers
                ]
            return {"employeeList": {"employee": out}}

    # ---- orders --------------------------------------------------------------------------------

    def _replay(self, operation: str, key: str) -> dict[str, Any] | None:
        stored = self.idempotency.get((operation, key))
        if stored is None:
            return None
        replay = copy.deepcopy(stored)
        replay["idempotencyResult"] = REPLAY
        return replay

    def _remember(self, operation: str, key: str, response: dict[str, Any]) -> dict[str, Any]:
        self.idempotency[(operation, key)] = copy.deepcopy(response)
        return response

    def _touch_order(self, order: dict[str, Any]) -> int:
        marker = self.bump("order")
        order["syncMarker"] = marker
        # every change is a new version [inferred: updateOrder's ORDER-HAS-CHANGED]
        order["versionNumber"] = order.get("versionNumber", 0) + 1
        self.order_index.set(order["orderId"], marker)
        order_ops.record_change(self, order)
        return marker

    def _order_view(self, order: dict[str, Any], include_lines: bool = True) -> dict[str, Any]:
        view = {k: v for k, v in order.items() if not k.startswith("_")}
        if not include_lines:
            view.pop("lineList", None)
        return view

    def _validate_order(self, order: dict[str, Any]) -> str | None:
        relation = order.get("relationNumber")
        if not relation or relation not in self.relations:
            return f"relation {relation} not found: an order needs an existing relation"
        employee = order.get("employeeNumber")
        if not employee or employee not in self.employees:
            return f"employee {employee} not found: an order needs an existing employee"
        branch = order.get("entryBranchNumber") or 1
        if branch not in self.branches:
            return f"branch {branch} not found"
        delivery = order_ops.known_delivery_method(self, order.get("deliveryMethod"))
        if delivery:
            return delivery
        for line in order.get("lineList", {}).get("line", []):
            number = line.get("articleNumber")
            if number not in self.articles:
                return f"article {number} not found"
            if "quantity" not in line.get("data", {}):
                return f"line for article {number} has no quantity"
        return None

    def _price_lines(self, lines: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int, int]:
        priced: list[dict[str, Any]] = []
        total_incl = total_excl = 0
        for line in lines:
            line = copy.deepcopy(line)
            article = self.articles[line["articleNumber"]]
            data = line.setdefault("data", {})
            # a vatCode / turnoverGroup sent on the line wins over the article's own
            vat_code = data.get("vatCode", article.get("vatCode", 0))
            vat = self.vat_groups.get(vat_code, article["vatPercentage"])
            qty = _qty(data["quantity"], data.get("decimalPlaces"))
            price = data.get("price", article.get("priceIncl", 0))
            data["price"] = price
            data["priceExcl"] = _excl(price, vat)
            data["vatCode"] = vat_code
            data["vatPercentage"] = vat
            data["turnoverGroup"] = data.get("turnoverGroup", article.get("turnoverGroup", 0))
            discount = data.get("discountAmount", 0)
            incl = int((qty * price).quantize(Decimal(1), rounding=ROUND_HALF_UP)) - discount
            data["totalInclAmount"] = incl
            data["totalExclAmount"] = _excl(incl, vat)
            line.setdefault("text", article.get("description", ""))
            line["lineId"] = self._id("line")
            total_incl += incl
            total_excl += data["totalExclAmount"]
            priced.append(line)
        return priced, total_incl, total_excl

    def create_order(self, req: dict[str, Any]) -> dict[str, Any]:
        key = req.get("idempotencyKey", "")
        if not key:
            raise BackendFault("idempotencyKey must not be empty")
        with self.lock:
            replay = self._replay("createOrderV3", key)
            if replay is not None:
                return replay
            response = self._create_order(req)
            response["idempotencyResult"] = ORIGINAL
            return self._remember("createOrderV3", key, response)

    def _create_order(self, req: dict[str, Any]) -> dict[str, Any]:
        incoming = req.get("order", {})
        empty_info = {"orderId": "", "orderString": ""}
        ext = incoming.get("extOrderId") or ""
        if ext and ext in self.ext_order_ids:
            return {
                "result": "CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS",
                "errorMessage": f"extOrderId {ext} already exists",
                "info": empty_info,
            }
        problem = self._validate_order(incoming)
        if problem:
            return {
                "result": "CREATE-ORDER-RESULT-FAILED",
                "errorMessage": problem,
                "info": empty_info,
            }
        lines, total_incl, total_excl = self._price_lines(
            incoming.get("lineList", {}).get("line", [])
        )
        order_id = self._id("order")
        self._order_number += 1
        now = self.clock()
        branch = incoming.get("entryBranchNumber") or 1
        order: dict[str, Any] = {
            k: v for k, v in incoming.items() if k not in ("syncMarker", "paymentList")
        }
        order.update(
            orderId=order_id,
            extOrderId=ext,
            orderType=incoming.get("orderType", "ORDER-TYPE-SALES-ORDER"),
            entryBranchNumber=branch,
            employeeName=self.employees[incoming["employeeNumber"]].get("name", ""),
            entryTimestamp=_now_struct(now),
            relationName=self.relations[incoming["relationNumber"]].get("name", ""),
            financialDate=incoming.get("financialDate")
            or {"day": now.day, "mon": now.month, "year": now.year},
            financialBranchNumber=incoming.get("financialBranchNumber") or branch,
            totalInclAmount=total_incl,
            totalExclAmount=total_excl,
            vatMethod=incoming.get("vatMethod", "VAT-METHOD-INCLUSIVE"),
            prepaidAmount=0,
            fullyPaid=total_incl == 0,
            deliveryState="ORDER-DELIVERY-STATE-NOTHING",
            cancelState="ORDER-CANCEL-STATE-NOTHING",
            completeState="ORDER-COMPLETE-STATE-NOTHING",
            orderNumber={"year": now.year, "number": self._order_number},
            lineList={"line": lines},
            paymentList={"payment": []},
        )
        self.orders[order_id] = order
        if ext:
            self.ext_order_ids[ext] = order_id
        for line in lines:
            article = self.articles[line["articleNumber"]]
            if article.get("stockArticle", True):
                qty = _qty(line["data"]["quantity"], line["data"].get("decimalPlaces"))
                self._reserve(branch, line["articleNumber"], qty)
        self._touch_order(order)
        response: dict[str, Any] = {
            "result": "CREATE-ORDER-RESULT-OK",
            "info": {"orderId": order_id, "orderString": f"{now.year}-{self._order_number}"},
        }
        payments = req.get("paymentList", {}).get("payment")
        if payments is not None:
            pay = self._pay(order, req.get("prepay", True), payments)
            response["payResult"] = pay["result"]
            if pay.get("invoiceId"):
                response["invoiceId"] = pay["invoiceId"]
        response["order"] = self._order_view(order)
        return response

    def _pay(
        self, order: dict[str, Any], prepay: bool, payments: list[dict[str, Any]]
    ) -> dict[str, Any]:
        if order["cancelState"] != "ORDER-CANCEL-STATE-NOTHING":
            return {"result": "PAY-ORDER-RESULT-FAILED", "errorMessage": "order is cancelled"}
        if order.get("invoiceIds", {}).get("id"):
            return {
                "result": "PAY-ORDER-RESULT-ORDER-ALREADY-INVOICED",
                "errorMessage": "order is already invoiced",
            }
        known = {m["method"] for m in self.payment_methods}
        for payment in payments:
            if payment.get("method") not in known:
                return {
                    "result": "PAY-ORDER-RESULT-FAILED",
                    "errorMessage": f"unknown payment method {payment.get('method')}",
                }
        amount = sum(p.get("amount", 0) for p in payments)
        paid = order["prepaidAmount"] + amount
        if not prepay and paid < order["totalInclAmount"]:
            return {
                "result": "PAY-ORDER-RESULT-PAYMENT-INSUFFICIENT",
                "errorMessage": "payment does not cover the order",
            }
        for payment in payments:
            stored = dict(payment)
            stored.setdefault("paymentId", self._id("payment"))
            stored.setdefault("branchNumber", order["entryBranchNumber"])
            order["paymentList"]["payment"].append(stored)
        order["prepaidAmount"] = paid
        order["fullyPaid"] = paid >= order["totalInclAmount"]
        result: dict[str, Any] = {"result": "PAY-ORDER-RESULT-OK", "errorMessage": ""}
        if not prepay:
            result["invoiceId"] = self._deliver_and_invoice(order)
        self._touch_order(order)
        return result

    def _deliver_and_invoice(self, order: dict[str, Any]) -> str:
        invoice_id = self._id("invoice")
        branch = order["entryBranchNumber"]
        for line in order["lineList"]["line"]:
            number = line["articleNumber"]
            qty = _qty(line["data"]["quantity"], line["data"].get("decimalPlaces"))
            line["data"]["deliveredQuantity"] = line["data"]["quantity"]
            if "decimalPlaces" in line["data"]:
                line["data"]["deliveredDecimalPlaces"] = line["data"]["decimalPlaces"]
            if self.articles[number].get("stockArticle", True):
                level = self._ensure_stock(branch, number)
                level["reserved"] -= qty
                level["free"] += qty  # undo the reservation, then the physical sale:
                self._mutate_stock(
                    branch, number, -qty, "STOCK-HISTORY-TYPE-SALES", order["orderId"], invoice_id
                )
        order["deliveryState"] = "ORDER-DELIVERY-STATE-COMPLETE"
        order["completeState"] = "ORDER-COMPLETE-STATE-COMPLETE"
        order["invoiceIds"] = {"id": [invoice_id]}
        self._invoice_number += 1
        invoice = {
            "invoiceId": invoice_id,
            "orderIds": {"id": [order["orderId"]]},
            "extOrderIds": {"id": [order["extOrderId"]]} if order.get("extOrderId") else {"id": []},
            "invoiceNumber": {"year": order["orderNumber"]["year"], "number": self._invoice_number},
            "invoiceType": "INVOICE-TYPE-INVOICE",
            "employeeNumber": order["employeeNumber"],
            "entryTimestamp": self._ts(),
            "relationNumber": order["relationNumber"],
            "relationName": order.get("relationName", ""),
            "financialDate": order["financialDate"],
            "financialBranchNumber": order["financialBranchNumber"],
            "reference": order.get("reference", ""),
            "totalInclAmount": order["totalInclAmount"],
            "totalExclAmount": order["totalExclAmount"],
            "vatMethod": order["vatMethod"],
            "paidAmount": order["prepaidAmount"],
            "state": "INVOICE-STATE-PAID" if order["fullyPaid"] else "INVOICE-STATE-PARTLY-PAID",
            "finalized": True,
            "lineList": copy.deepcopy(order["lineList"]),
            "paymentList": copy.deepcopy(order["paymentList"]),
        }
        self._store_invoice(invoice)
        return invoice_id

    def pay_order(self, req: dict[str, Any]) -> dict[str, Any]:
        key = req.get("idempotencyKey", "")
        if not key:
            raise BackendFault("idempotencyKey must not be empty")
        with self.lock:
            replay = self._replay("payOrderV2", key)
            if replay is not None:
                return replay
            order = self.orders.get(req["orderId"])
            if order is None:
                response = {
                    "result": "PAY-ORDER-RESULT-FAILED",
                    "errorMessage": f"order {req['orderId']} not found",
                }
            else:
                response = self._pay(
                    order, req["prepay"], req.get("paymentList", {}).get("payment", [])
                )
            response["idempotencyResult"] = ORIGINAL
            return self._remember("payOrderV2", key, response)

    def deliver_order(self, order_id: str) -> str:
        """Test helper: deliver and invoice an order as the shop would; returns the invoice id."""
        with self.lock:
            order = self.orders[order_id]
            invoice_id = self._deliver_and_invoice(order)
            self._touch_order(order)
            return invoice_id

    def cancel_order(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            order = self.orders.get(body["orderId"])
            if order is None:
                return {"result": "CANCEL-ORDER-RESULT-NOT-FOUND", "message": "order not found"}
            if order["cancelState"] == "ORDER-CANCEL-STATE-COMPLETE":
                return {
                    "result": "CANCEL-ORDER-RESULT-ALREADY-CANCELLED",
                    "message": "order is already cancelled",
                }
            if order["deliveryState"] != "ORDER-DELIVERY-STATE-NOTHING":
                return {
                    "result": "CANCEL-ORDER-RESULT-FAILED",
                    "message": "a delivered order cannot be cancelled",
                }
            branch = order["entryBranchNumber"]
            for line in order["lineList"]["line"]:
                number = line["articleNumber"]
                if self.articles[number].get("stockArticle", True):
                    qty = _qty(line["data"]["quantity"], line["data"].get("decimalPlaces"))
                    self._reserve(branch, number, -qty)
            order["cancelState"] = "ORDER-CANCEL-STATE-COMPLETE"
            order["completeState"] = "ORDER-COMPLETE-STATE-COMPLETE"
            self._touch_order(order)
            return {"result": "CANCEL-ORDER-RESULT-OK", "message": ""}

    def get_orders(self, req: dict[str, Any]) -> dict[str, Any]:
        include = req.get("includeLineList", True)
        ids = set(req.get("orderIds", ()))
        relations = set(req.get("relationNumbers", ()))
        branches = set(req.get("branchNumbers", ()))
        marker = req.get("syncMarker")

        def ok(order: dict[str, Any]) -> bool:
            return (
                (not ids or order["orderId"] in ids)
                and (not relations or order["relationNumber"] in relations)
                and (not branches or order["entryBranchNumber"] in branches)
            )

        with self.lock:
            out = []
            if marker is not None:
                limit = req.get("syncMarkerLimit") or DEFAULT_LIMIT
                for order_id in self.order_index.since(marker):
                    order = self.orders[order_id]
                    if ok(order):
                        out.append(self._order_view(order, include))
                        if len(out) >= limit:
                            break
            else:
                for order_id in self.order_index.since(0):
                    order = self.orders[order_id]
                    if ok(order):
                        out.append(self._order_view(order, include))
            return {"orderList": {"order": out}}

    def get_order(self, order_id: str) -> dict[str, Any]:
        order = self.orders.get(order_id)
        if order is None:
            return {"result": "GET-ORDER-RESULT-NOT-FOUND"}
        return {"result": "GET-ORDER-RESULT-OK", "order": self._order_view(order)}

    def find_order(self, ext_order_id: str) -> dict[str, Any]:
        order_id = self.ext_order_ids.get(ext_order_id)
        return self.get_order(order_id) if order_id else {"result": "GET-ORDER-RESULT-NOT-FOUND"}

    def get_orders_by_ext_order_ids(self, req: dict[str, Any]) -> dict[str, Any]:
        wanted = req.get("extOrderIds", {}).get("id", [])
        marker = req.get("syncMarker") or 0
        with self.lock:
            orders = [self.orders[self.ext_order_ids[e]] for e in wanted if e in self.ext_order_ids]
            orders = sorted(
                (o for o in orders if o["syncMarker"] >= marker), key=lambda o: o["syncMarker"]
            )
            if req.get("syncMarkerLimit"):
                orders = orders[: req["syncMarkerLimit"]]
            return {"orderList": {"order": [self._order_view(o) for o in orders]}}

    def orders_by_ext_id(self, ext_order_id: str) -> list[dict[str, Any]]:
        """Test helper: every order carrying this extOrderId (at most one, by construction)."""
        return [o for o in self.orders.values() if o.get("extOrderId") == ext_order_id]

    # ---- invoices ------------------------------------------------------------------------------

    def _store_invoice(self, invoice: dict[str, Any]) -> int:
        self.invoices[invoice["invoiceId"]] = invoice
        if invoice.get("extInvoiceId"):
            self.ext_invoice_ids[invoice["extInvoiceId"]] = invoice["invoiceId"]
        marker = self.bump("invoice")
        invoice["syncMarker"] = marker
        self.invoice_index.set(invoice["invoiceId"], marker)
        return marker

    def save_invoice(self, body: dict[str, Any]) -> dict[str, Any]:
        incoming = dict(body.get("invoice", {}))
        empty = {"invoiceId": "", "invoiceString": ""}
        with self.lock:
            invoice_id = incoming.get("invoiceId") or ""
            if invoice_id:
                stored = self.invoices.get(invoice_id)
                if stored is None:
                    return {
                        "result": "SAVE-INVOICE-RESULT-NOT-FOUND",
                        "info": empty,
                        "errorMessage": "invoice not found",
                    }
                if stored.get("finalized"):
                    return {
                        "result": "SAVE-INVOICE-RESULT-FAILED",
                        "info": empty,
                        "errorMessage": "a finalized invoice cannot change",
                    }
                stored.update(
                    {k: v for k, v in incoming.items() if k not in ("syncMarker", "invoiceNumber")}
                )
                self._store_invoice(stored)
                number = stored["invoiceNumber"]
                return {
                    "result": "SAVE-INVOICE-RESULT-OK",
                    "info": {
                        "invoiceId": invoice_id,
                        "invoiceString": f"{number['year']}-{number['number']}",
                        "invoiceNumber": number,
                    },
                    "errorMessage": "",
                }
            ext = incoming.get("extInvoiceId") or ""
            if ext and ext in self.ext_invoice_ids:
                return {
                    "result": "SAVE-INVOICE-RESULT-EXT-INVOICE-ID-ALREADY-EXISTS",
                    "info": empty,
                    "errorMessage": f"extInvoiceId {ext} already exists",
                }
            relation = incoming.get("relationNumber")
            if relation not in self.relations:
                return {
                    "result": "SAVE-INVOICE-RESULT-FAILED",
                    "info": empty,
                    "errorMessage": f"relation {relation} not found",
                }
            lines = incoming.get("lineList", {}).get("line", [])
            for line in lines:
                if line.get("articleNumber") not in self.articles:
                    return {
                        "result": "SAVE-INVOICE-RESULT-FAILED",
                        "info": empty,
                        "errorMessage": f"article {line.get('articleNumber')} not found",
                    }
            priced, total_incl, total_excl = self._price_lines(lines)
            now = self.clock()
            self._invoice_number += 1
            invoice_id = self._id("invoice")
            number = {"year": now.year, "number": self._invoice_number}
            incoming.update(
                invoiceId=invoice_id,
                invoiceNumber=number,
                invoiceType=incoming.get("invoiceType", "INVOICE-TYPE-INVOICE"),
                entryTimestamp=_now_struct(now),
                financialDate=incoming.get("financialDate")
                or {"day": now.day, "mon": now.month, "year": now.year},
                relationName=self.relations[relation].get("name", ""),
                totalInclAmount=total_incl,
                totalExclAmount=total_excl,
                vatMethod=incoming.get("vatMethod", "VAT-METHOD-INCLUSIVE"),
                paidAmount=0,
                state="INVOICE-STATE-OUTSTANDING",
                finalized=incoming.get("finalized", False),
                lineList={"line": priced},
            )
            incoming.pop("syncMarker", None)
            self._store_invoice(incoming)
            return {
                "result": "SAVE-INVOICE-RESULT-OK",
                "info": {
                    "invoiceId": invoice_id,
                    "invoiceString": f"{number['year']}-{number['number']}",
                    "invoiceNumber": number,
                },
                "errorMessage": "",
            }

    def get_invoices(self, req: dict[str, Any]) -> dict[str, Any]:
        include = req.get("includeLineList", True)
        ids = set(req.get("invoiceIds", ()))
        marker = req.get("syncMarker")
        with self.lock:
            out = []
            limit = (req.get("syncMarkerLimit") or DEFAULT_LIMIT) if marker is not None else None
            for invoice_id in self.invoice_index.since(marker or 0):
                invoice = self.invoices[invoice_id]
                if ids and invoice_id not in ids:
                    continue
                view = dict(invoice)
                if not include:
                    view.pop("lineList", None)
                out.append(view)
                if limit and len(out) >= limit:
                    break
            return {"invoiceList": {"invoice": out}}

    # ---- simple reads --------------------------------------------------------------------------

    def current_sync_markers(self) -> dict[str, Any]:
        c = self.counters
        return {
            "articleSyncMarker": c["article"],
            "articleGroupSyncMarker": c["articleGroup"],
            "relationSyncMarker": c["relation"],
            "employeeSyncMarker": c["employee"],
            "invoiceSyncMarker": c["invoice"],
            "receiptSyncMarker": c["receipt"],
            "orderSyncMarker": c["order"],
            "stockId": c["stock"],
        }

    def vat_group_list(self) -> dict[str, Any]:
        return {
            "vatGroup": [
                {"vatCode": code, "vatPercentage": pct}
                for code, pct in sorted(self.vat_groups.items())
            ]
        }

    def turnover_group_list(self, req: dict[str, Any]) -> dict[str, Any]:
        return {"turnoverGroupList": {"turnoverGroup": list(self.turnover_groups)}}

    def payment_method_list(self) -> dict[str, Any]:
        return {"paymentMethodList": {"paymentMethod": list(self.payment_methods)}}

    def delivery_method_list(self) -> dict[str, Any]:
        return {"deliveryMethodList": {"deliveryMethod": list(self.delivery_methods)}}

    def branch_list(self) -> dict[str, Any]:
        return {"branches": {"branch": [self.branches[n] for n in sorted(self.branches)]}}
