"""Option-list endpoints: read a list, attach lists to an article, add and remove options."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mkmw_flows.mijnwebwinkel.models import Article, ArticleList, NewListOption
from mkmw_flows.mijnwebwinkel.params import body
from mkmw_flows.mijnwebwinkel.session import ShopSession


class ListEndpoints(ShopSession):
    """Option lists (the variants of an article come from them)."""

    def get_article_list(self, list_id: int) -> ArticleList:
        """Return an option list with all its options."""
        data = self._request(
            "GET", f"/articlelists/{int(list_id)}", "GET /articlelists/{id}", retry=True
        )
        return ArticleList.model_validate(data)

    def add_lists_to_article(self, article_id: int, list_ids: Sequence[int]) -> Article:
        """Attach option lists to an article; the shop generates the variant combinations.

        Args:
            article_id: Internal article id.
            list_ids: Option list ids to attach.

        Returns:
            The article with its new lists and variants.
        """
        data = self._request(
            "POST",
            f"/articlelists/{int(article_id)}",
            "POST /articlelists/{article_id}",
            params={"use_url_id": "false"},
            json=[int(i) for i in list_ids],
            retry=False,
        )
        return Article.model_validate(data)

    def remove_lists_from_article(self, article_id: int, list_ids: Sequence[int]) -> Article:
        """Detach option lists from an article (its variants over those lists go)."""
        data = self._request(
            "DELETE",
            f"/articlelists/{int(article_id)}",
            "DELETE /articlelists/{article_id}",
            params={"use_url_id": "false"},
            json=[int(i) for i in list_ids],
            retry=False,
        )
        return Article.model_validate(data)

    def add_list_options(
        self, list_id: int, options: Sequence[NewListOption | Mapping[str, Any]]
    ) -> ArticleList:
        """Add options (by name, with surcharge) to an option list.

        Args:
            list_id: Option list id.
            options: New options.

        Returns:
            The list with the new options and their ids.
        """
        data = self._request(
            "POST",
            f"/articlelistoptions/{int(list_id)}",
            "POST /articlelistoptions/{id}",
            json=[body(o) for o in options],
            retry=False,
        )
        return ArticleList.model_validate(data)

    def remove_list_options(self, list_id: int, names: Sequence[str]) -> ArticleList:
        """Remove options (by name) from an option list."""
        data = self._request(
            "DELETE",
            f"/articlelistoptions/{int(list_id)}",
            "DELETE /articlelistoptions/{id}",
            json=list(names),
            retry=False,
        )
        return ArticleList.model_validate(data)
