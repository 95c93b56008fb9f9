"""Operations on the POS set-up: versions, sync markers, VAT, methods, branches, staff."""

from __future__ import annotations

from collections.abc import Sequence

from mkmw_flows.mplus.models import (
    ApiVersion,
    Branch,
    DeliveryMethod,
    Employee,
    PaymentMethod,
    SyncMarkers,
    TurnoverGroup,
    VatGroup,
)
from mkmw_flows.mplus.session import MplusSession, optional_list


class MasterDataOperations(MplusSession):
    """The set-up the other operations refer to (codes, numbers, feed heads)."""

    def get_api_version(self) -> ApiVersion:
        """Return the API and service version (feature-gate on ``service_version``)."""
        return ApiVersion.from_wire(self.call("getApiVersion"))

    def get_current_sync_markers(self) -> SyncMarkers:
        """Return the current head of every change feed (incl. ``stock_id``)."""
        return SyncMarkers.from_wire(self.call("getCurrentSyncMarkers"))

    def get_vat_groups(self) -> list[VatGroup]:
        """Return the VAT groups (``getVatGroupList``)."""
        return [VatGroup.from_wire(v) for v in self.call("getVatGroupList").get("vatGroup", [])]

    def get_turnover_groups(self, *, only_active: bool | None = None) -> list[TurnoverGroup]:
        """Return the turnover groups."""
        raw = self.call("getTurnoverGroups", {"request": {"onlyActive": only_active}})
        groups = raw.get("turnoverGroupList", {}).get("turnoverGroup", [])
        return [TurnoverGroup.from_wire(g) for g in groups]

    def get_payment_methods(self) -> list[PaymentMethod]:
        """Return the payment methods (codes for ``Payment.method``)."""
        raw = self.call("getPaymentMethods")
        methods = raw.get("paymentMethodList", {}).get("paymentMethod", [])
        return [PaymentMethod.from_wire(m) for m in methods]

    def get_delivery_methods(self) -> list[DeliveryMethod]:
        """Return the delivery methods (codes for ``Order.delivery_method``)."""
        raw = self.call("getDeliveryMethods")
        methods = raw.get("deliveryMethodList", {}).get("deliveryMethod", [])
        return [DeliveryMethod.from_wire(m) for m in methods]

    def get_branches(self) -> list[Branch]:
        """Return the branches (shops)."""
        raw = self.call("getBranches")
        return [Branch.from_wire(b) for b in raw.get("branches", {}).get("branch", [])]

    def get_employees(
        self,
        *,
        employee_numbers: Sequence[int] | None = None,
        sync_marker: int | None = None,
        sync_marker_limit: int | None = None,
    ) -> list[Employee]:
        """Return employees (999999 is the super user to put on API orders)."""
        request = {
            "employeeNumbers": optional_list(employee_numbers),
            "syncMarker": sync_marker,
            "syncMarkerLimit": sync_marker_limit if sync_marker is not None else None,
        }
        raw = self.call("getEmployees", {"request": request})
        return [Employee.from_wire(e) for e in raw.get("employeeList", {}).get("employee", [])]
