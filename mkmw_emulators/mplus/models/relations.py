"""Relations (customers) and employees; relations come at most 1000 a call."""

from __future__ import annotations

from typing import Any

from mkmw_emulators.mplus.models.reference import ReferenceMixin
from mkmw_emulators.mplus.models.state import DEFAULT_LIMIT, RELATIONS_CAP, MarkerIndex

#: Employee fields ``findEmployee`` searches, like ``findRelation``: case-insensitive and partial
#: [inferred: the WSDL documents no rule for findEmployee; the relation search's per dev docs].
_EMPLOYEE_SEARCH = (
    "extEmployeeId",
    "name",
    "username",
    "phoneWork",
    "phoneHome",
    "phoneMobile",
    "email",
    "bankAccountNumber",
    "extraText",
    "personNumber",
)

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


class RelationsMixin(ReferenceMixin):
    """Relations and employees."""

    def __init__(self, clock: Any = None) -> None:
        super().__init__(clock)
        self.relations: dict[int, dict[str, Any]] = {}
        self.relation_index = MarkerIndex()
        self.employees: dict[int, dict[str, Any]] = {}
        self.employee_index = MarkerIndex()

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

    def find_relation_v1(self, body: dict[str, Any]) -> dict[str, Any]:
        """``findRelation(relation)``: the partial, case-insensitive match (API-NOTES §5.4)."""
        return self.find_relation({"relation": body.get("relation") or {}, "exactMatch": False})

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

    def find_employee(self, body: dict[str, Any]) -> dict[str, Any]:
        """``findEmployee{employee}`` -> ``FindEmployeeResponse``: one employee, by example.

        ``employeeNumber`` finds that employee; otherwise every non-empty searchable text field
        must match (case-insensitive, partial), the lowest employee number first. No search
        terms find nothing.
        """
        query = body.get("employee") or {}
        with self.lock:
            if query.get("employeeNumber"):
                found = self.employees.get(query["employeeNumber"])
                if found is None:
                    return {"result": "FIND-EMPLOYEE-RESULT-NOT-FOUND"}
                return {"result": "FIND-EMPLOYEE-RESULT-OK", "employee": dict(found)}
            terms = {
                k: v.casefold()
                for k, v in query.items()
                if k in _EMPLOYEE_SEARCH and isinstance(v, str) and v
            }
            if not terms:
                return {"result": "FIND-EMPLOYEE-RESULT-NOT-FOUND"}
            for number in sorted(self.employees):
                employee = self.employees[number]
                if all(t in str(employee.get(k) or "").casefold() for k, t in terms.items()):
                    return {"result": "FIND-EMPLOYEE-RESULT-OK", "employee": dict(employee)}
            return {"result": "FIND-EMPLOYEE-RESULT-NOT-FOUND"}
