"""Article groups: the tree (``getArticleGroups``) and its change feed."""

from __future__ import annotations

from typing import Any

from mkmw_emulators.mplus.models.catalog import CatalogMixin
from mkmw_emulators.mplus.models.state import DEFAULT_LIMIT, MarkerIndex


class GroupsMixin(CatalogMixin):
    """Article groups (a tree; ``_parent`` is kept off the wire)."""

    def __init__(self, clock: Any = None) -> None:
        super().__init__(clock)
        self.groups: dict[int, dict[str, Any]] = {}  # groupNumber -> group (+ "_parent")
        self.group_index = MarkerIndex()

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
