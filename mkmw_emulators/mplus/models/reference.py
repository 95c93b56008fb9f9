"""Reference data: branches, VAT and turnover groups, payment/delivery methods, sync markers."""

from __future__ import annotations

from typing import Any

from mkmw_emulators.mplus.models.state import BackendState

#: The string elements of ``BranchInformation`` (all ``[1..1]`` in the WSDL).
_BRANCH_TEXT = (
    "companyName",
    "address",
    "zipcode",
    "city",
    "telephone",
    "mobile",
    "fax",
    "email",
    "website",
    "commerceNumber",
    "bankAccountNumber",
    "vatNumber",
    "termsAndConditions",
    "eoriNumber",
    "establishmentUnitNumber",
)


class ReferenceMixin(BackendState):
    """Master data set up by the seeds, and the simple reads over it."""

    def __init__(self, clock: Any = None) -> None:
        super().__init__(clock)
        self.branches: dict[int, dict[str, Any]] = {}
        self.branch_information: dict[int, dict[str, Any]] = {}  # branch -> set fields
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
            "purchaseOrderSyncMarker": c.get("purchaseOrder", 0),
            "purchaseDeliverySyncMarker": c.get("purchaseDelivery", 0),
        }

    def current_sync_markers_v2(self, req: dict[str, Any]) -> dict[str, Any]:
        """``getCurrentSyncMarkersV2``: only the markers asked for (``include…`` true).

        [inferred] A marker of an entity the emulator does not keep (proposals, receipts of
        tills, activities, ...) is answered as 0: nothing of it ever changed here.
        """
        c = self.counters
        kept = {
            "articleSyncMarker": "article",
            "articleGroupSyncMarker": "articleGroup",
            "relationSyncMarker": "relation",
            "employeeSyncMarker": "employee",
            "invoiceSyncMarker": "invoice",
            "receiptSyncMarker": "receipt",
            "orderSyncMarker": "order",
            "stockId": "stock",
            "purchaseOrderSyncMarker": "purchaseOrder",
            "purchaseDeliverySyncMarker": "purchaseDelivery",
        }
        out: dict[str, Any] = {}
        for flag, asked in req.items():
            if not (flag.startswith("include") and asked is True):
                continue
            name = flag[len("include") :]
            name = name[0].lower() + name[1:]
            out[name] = c.get(kept.get(name, ""), 0)
        return out

    def set_branch_information(self, number: int, **fields: Any) -> None:
        """Test helper: the master data ``getBranchInformation`` answers for a branch."""
        with self.lock:
            self.branch_information.setdefault(number, {}).update(fields)

    def get_branch_information(self, req: dict[str, Any]) -> dict[str, Any]:
        """``getBranchInformation``: a branch's address and company data.

        Every string the WSDL requires is present (empty when the branch has none set);
        the branch name and country come from the branch itself. The emulator keeps no
        receipt-printer logo, so ``includeImageData`` / ``includeThumbData`` change nothing.
        """
        number = req["branchNumber"]
        with self.lock:
            branch = self.branches.get(number)
            if branch is None:
                return {
                    "result": "GET-BRANCH-INFORMATION-RESULT-FAILED",
                    "errorMessage": f"branch {number} not found",
                }
            info: dict[str, Any] = {name: "" for name in _BRANCH_TEXT}
            info.update(
                branchNumber=number,
                branchName=branch["branchName"],
                countryCode=branch["countryCode"],
                countryName=branch["countryName"],
            )
            info.update(self.branch_information.get(number, {}))
            return {"result": "GET-BRANCH-INFORMATION-RESULT-OK", "branchInformation": info}

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

    def payment_methods_v2(self, req: dict[str, Any]) -> dict[str, Any]:
        """``getPaymentMethodsV2``: the payment methods, filtered by type and account number.

        ``paymentMethodTypes`` keeps the methods of those types and ``accountNumber`` those on
        that ledger account (both optional). ``bpeConfiguration`` and ``giftcardType`` are
        only sent when asked for (``includeBpeConfiguration``, ``includeGiftcardType``).
        [inferred from the request's field names; the WSDL documents none of them]
        """
        types = set(req.get("paymentMethodTypes", ()))
        account = req.get("accountNumber")
        drop = {
            name
            for name, flag in (
                ("bpeConfiguration", "includeBpeConfiguration"),
                ("giftcardType", "includeGiftcardType"),
            )
            if not req.get(flag, False)
        }
        out = [
            {k: v for k, v in method.items() if k not in drop}
            for method in self.payment_methods
            if (not types or method.get("type") in types)
            and (account is None or method.get("accountNumber") == account)
        ]
        return {"paymentMethodList": {"paymentMethod": out}}

    def delivery_method_list(self) -> dict[str, Any]:
        return {"deliveryMethodList": {"deliveryMethod": list(self.delivery_methods)}}

    def delivery_method_list_v2(self, body: dict[str, Any]) -> dict[str, Any]:
        """``getDeliveryMethodsV2{onlyEnabled?}``: the delivery methods, optionally enabled only."""
        only = body["request"].get("onlyEnabled", False)
        methods = [m for m in self.delivery_methods if not only or m.get("enabled", True)]
        return {"deliveryMethodList": {"deliveryMethod": [dict(m) for m in methods]}}

    def unknown_delivery_method(self, code: str | None) -> str | None:
        """Why an order's ``deliveryMethod`` is refused, or None.

        A code ``getDeliveryMethods`` does not list is refused like an unknown payment method
        **[inferred: no public source shows the answer to an unknown code; the server
        validates the codes of master data it owns]**.
        """
        if not code or any(m["deliveryMethod"] == code for m in self.delivery_methods):
            return None
        return f"delivery method {code} not found"

    def branch_list(self) -> dict[str, Any]:
        return {"branches": {"branch": [self.branches[n] for n in sorted(self.branches)]}}
