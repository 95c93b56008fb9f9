"""Catalogue operations: products with their articles, and the article-group tree."""

from __future__ import annotations

from collections.abc import Sequence

from mkmw_flows.mplus.models import (
    ArticleGroup,
    ArticleGroupChange,
    CreateProductResult,
    Product,
    UpdateProductResult,
)
from mkmw_flows.mplus.records import read_records
from mkmw_flows.mplus.session import MplusSession, optional_list, text_list


class CatalogOperations(MplusSession):
    """Products, articles and article groups."""

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
            "articleNumbers": optional_list(article_numbers),
            "groupNumbers": optional_list(group_numbers),
            "pluNumbers": text_list(plu_numbers),
            "onlyWebshop": only_webshop,
            "onlyActive": only_active,
            "syncMarker": sync_marker,
            "syncMarkerLimit": sync_marker_limit if sync_marker is not None else None,
            "productNumbers": optional_list(product_numbers),
        }
        return self.call_read(
            "getProducts",
            {"request": request},
            lambda response: read_records(
                Product, response, "GetProductsResponse", ("productList", "product")
            ),
        )

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
            "groupNumbers": optional_list(group_numbers),
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
            "groupNumbers": optional_list(group_numbers),
        }
        raw = self.call("getArticleGroupChanges", {"request": request})
        changes = raw.get("changedArticleGroupList", {}).get("changedArticleGroups", [])
        return [ArticleGroupChange.from_wire(c) for c in changes]
