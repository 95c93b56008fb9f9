"""Article custom fields and sales (action) prices, set by the tests as a merchant would."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mkmw_emulators.mplus.models.articles import ArticlesMixin
from mkmw_emulators.mplus.models.values import excl_vat, mplus_date


class ArticleExtrasMixin(ArticlesMixin):
    """Custom fields and sales prices of articles; each change bumps the article's syncMarker."""

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
