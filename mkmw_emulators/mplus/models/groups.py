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

    # ---- writes (newArticleGroup / updateArticleGroup) ---------------------------------
    # [inferred] parentGroupNumber is required on newArticleGroup, so a top-level group is
    # asked for with 0 (no group has number 0); the same 0 moves a group to the top level on
    # updateArticleGroup. A move under the group itself or one of its sub-groups, or under a
    # group that does not exist, is SAVE-ARTICLE-GROUP-RESULT-FAILED. ``imageId`` is accepted
    # and not kept (the emulator has no group images). A change bumps the group's own
    # articleGroup syncMarker only: it shows in getArticleGroups (the tree of its top group)
    # and getArticleGroupChanges; products keep their groupNumbers, so the products feed
    # (getProducts by syncMarker) does not move.

    def new_article_group(self, req: dict[str, Any]) -> dict[str, Any]:
        """``newArticleGroup``: a group under ``parentGroupNumber`` (0: top level)."""
        parent = req["parentGroupNumber"] or None
        with self.lock:
            if parent is not None and parent not in self.groups:
                return {"result": "NEW-ARTICLE-GROUP-RESULT-PARENT-NOTFOUND", "groupNumber": 0}
            name = str(req.get("name") or "").strip()
            if not name:
                return {"result": "NEW-ARTICLE-GROUP-RESULT-FAILED", "groupNumber": 0}
            number = max(self.groups, default=0) + 1
            self.add_group(number, name, parent, req.get("sortOrder") or 0)
            self.groups[number]["text"] = req.get("text") or ""
            return {"result": "NEW-ARTICLE-GROUP-RESULT-OK", "groupNumber": number}

    def update_article_group(self, req: dict[str, Any]) -> dict[str, Any]:
        """``updateArticleGroup``: rename, re-text, re-sort or move a group."""
        number = req["groupNumber"]
        with self.lock:
            group = self.groups.get(number)
            if group is None:
                return {"result": "SAVE-ARTICLE-GROUP-RESULT-NOT-FOUND"}
            if "parentGroupNumber" in req:
                parent = req["parentGroupNumber"] or None
                if parent is not None and (
                    parent not in self.groups or parent in self._subtree_numbers(number)
                ):
                    return {"result": "SAVE-ARTICLE-GROUP-RESULT-FAILED"}
                group["_parent"] = parent
            if "name" in req:
                if not str(req["name"]).strip():
                    return {"result": "SAVE-ARTICLE-GROUP-RESULT-FAILED"}
                group["name"] = req["name"]
            for field in ("text", "sortOrder"):
                if field in req:
                    group[field] = req[field]
            group["syncMarker"] = self.bump("articleGroup")
            self.group_index.set(number, group["syncMarker"])
            return {"result": "SAVE-ARTICLE-GROUP-RESULT-OK"}

    def _subtree_numbers(self, number: int) -> set[int]:
        found = {number}
        for child in self._children(number):
            found |= self._subtree_numbers(child["groupNumber"])
        return found

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
