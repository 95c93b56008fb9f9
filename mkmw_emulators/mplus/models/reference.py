"""Reference data: branches, VAT and turnover groups, payment/delivery methods, sync markers."""

from __future__ import annotations

from typing import Any

from mkmw_emulators.mplus.models.state import BackendState


class ReferenceMixin(BackendState):
    """Master data set up by the seeds, and the simple reads over it."""

    def __init__(self, clock: Any = None) -> None:
        super().__init__(clock)
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
