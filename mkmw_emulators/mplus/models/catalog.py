"""Products, articles, images, sales prices and custom fields (``getProducts``, create/update).

``getProducts``: the limit counts articles; products come whole and never split; a first product
bigger than the limit comes whole; a product's feed position is its highest article marker, so
paging with last seen + 1 never loses or repeats an article (API-NOTES.md §2-§3).
"""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mkmw_emulators.mplus.models.state import DEFAULT_LIMIT, MarkerIndex
from mkmw_emulators.mplus.models.stock import StockMixin
from mkmw_emulators.mplus.models.values import excl_vat, incl_vat, mplus_date

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


class CatalogMixin(StockMixin):
    """Products and their articles; every article change bumps the ``article`` syncMarker."""

    def __init__(self, clock: Any = None) -> None:
        super().__init__(clock)
        self.products: dict[int, dict[str, Any]] = {}  # productNumber -> product (no articles)
        self.product_articles: dict[int, list[int]] = {}
        self.articles: dict[int, dict[str, Any]] = {}  # articleNumber -> Article dict
        self.article_product: dict[int, int] = {}
        self.product_index = MarkerIndex()
        self._image_seq = 5000
        self._image_versions: dict[int, int] = {}

    def _store_article(self, product_number: int, article: dict[str, Any]) -> None:
        number = article["articleNumber"]
        vat = self.vat_percentage(article.get("vatCode"))
        article["vatPercentage"] = vat
        if "priceIncl" in article and "priceExcl" not in article:
            article["priceExcl"] = excl_vat(article["priceIncl"], vat)
        elif "priceExcl" in article and "priceIncl" not in article:
            article["priceIncl"] = incl_vat(article["priceExcl"], vat)
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
                article["priceExcl"] = excl_vat(article["priceIncl"], article["vatPercentage"])
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

    def get_images(self, req: dict[str, Any] | None) -> dict[str, Any]:
        """``getImages``: the images with these ids, with their bytes only when asked.

        ``getProducts`` never carries image bytes (``LOAD-FILE-NOT-REQUESTED``, API-NOTES.md
        §2.2); here ``imageData`` / ``thumbData`` are filled (``LOAD-FILE-OK``) when
        ``includeImageData`` / ``includeThumbData`` are true. The emulator holds no picture
        files, so the bytes are a PNG of the recorded size in a colour taken from the image
        hash: a new version of a picture has new bytes. [inferred] An unknown id is left out
        of the answer (no source says whether the server answers it with
        ``LOAD-FILE-NOT-FOUND``).
        """
        req = req or {}
        wanted = list(dict.fromkeys(req.get("imageIds", ())))
        with self.lock:
            known: dict[int, dict[str, Any]] = {}
            for article in self.articles.values():
                for image in article.get("imageList", {}).get("image", []):
                    known.setdefault(image["imageId"], image)
            out = []
            for image_id in wanted:
                image = known.get(image_id)
                if image is None:
                    continue
                record = dict(image)
                if req.get("includeImageData"):
                    record["imageData"] = _png_base64(
                        image["imageWidth"], image["imageHeight"], image["imageHash"]
                    )
                    record["imageDataResult"] = "LOAD-FILE-OK"
                if req.get("includeThumbData"):
                    record["thumbData"] = _png_base64(
                        image["thumbWidth"], image["thumbHeight"], image["thumbHash"]
                    )
                    record["thumbDataResult"] = "LOAD-FILE-OK"
                out.append(record)
            return {"imageList": {"image": out}}

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
                    "priceExcl": excl_vat(cents, article["vatPercentage"]),
                }
                if start is not None:
                    entry["startDate"] = mplus_date(start)
                if end is not None:
                    entry["endDate"] = mplus_date(end)
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
                        target["priceExcl"] = excl_vat(
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


def _png_base64(width: int, height: int, digest: str) -> str:
    """A solid PNG (8-bit RGB) of the given size in the colour of a hash, base64 encoded."""
    colour = bytes.fromhex(digest[:6])
    row = b"\x00" + colour * width
    raw = zlib.compress(row * height, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    return base64.b64encode(png).decode("ascii")
