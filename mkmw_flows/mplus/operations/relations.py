"""Relation (customer) operations: read, find, create, update."""

from __future__ import annotations

from collections.abc import Sequence

from mkmw_flows.mplus.models import Relation, RelationWriteResult
from mkmw_flows.mplus.session import MplusSession, optional_list


class RelationOperations(MplusSession):
    """Relations (customers)."""

    def get_relations(
        self,
        *,
        sync_marker: int | None = None,
        sync_marker_limit: int | None = None,
        relation_numbers: Sequence[int] | None = None,
    ) -> list[Relation]:
        """Return relations (at most 1000 a call, server side); page with last seen + 1."""
        request = {
            "relationNumbers": optional_list(relation_numbers),
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
