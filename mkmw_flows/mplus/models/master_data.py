"""The POS set-up: API version, sync markers, VAT, turnover groups, methods, branches, staff."""

from __future__ import annotations

from typing import Annotated

from mkmw_flows.mplus.models.wire import W, WireModel


class ApiVersion(WireModel):
    """``getApiVersion``: protocol and service versions."""

    major_number: int
    minor_number: int
    revision_number: int
    service_major_number: int | None = None
    service_minor_number: int | None = None
    service_revision_number: int | None = None
    service_build_number: int | None = None
    service_version_display_string: str | None = None
    in_debug_mode: bool = False

    @property
    def service_version(self) -> tuple[int, int, int]:
        """The POS service version (e.g. (67, 1, 3)) to feature-gate on."""
        return (
            self.service_major_number or 0,
            self.service_minor_number or 0,
            self.service_revision_number or 0,
        )


class SyncMarkers(WireModel):
    """``getCurrentSyncMarkers``: the current head of every change feed."""

    article: Annotated[int, W("articleSyncMarker")]
    article_group: Annotated[int | None, W("articleGroupSyncMarker")] = None
    relation: Annotated[int, W("relationSyncMarker")]
    employee: Annotated[int, W("employeeSyncMarker")]
    invoice: Annotated[int, W("invoiceSyncMarker")]
    receipt: Annotated[int, W("receiptSyncMarker")]
    order: Annotated[int, W("orderSyncMarker")]
    stock_id: int | None = None


class VatGroup(WireModel):
    """A VAT group: code and whole-percent rate (21 = 21 %)."""

    branch_number: int | None = None
    country_iso3: str | None = None
    vat_code: int
    vat_percentage: int
    account_number: int | None = None


class TurnoverGroup(WireModel):
    """A turnover group (revenue account bucket)."""

    turnover_group_type: str
    turnover_group: int
    turnover_group_name: str
    account_number: int | None = None
    default_vat_code: int | None = None


class PaymentMethod(WireModel):
    """A payment method; ``method`` is the code to put in ``Payment.method``."""

    method: str
    description: str
    button_text: str = ""
    allow_negative_amount: bool = False
    active: bool | None = None
    type: str | None = None
    account_number: int | None = None


class DeliveryMethod(WireModel):
    """A delivery method; ``delivery_method`` is the code to put in ``Order.deliveryMethod``."""

    delivery_method: str
    description: str
    button_text: str = ""
    enabled: bool | None = None


class Branch(WireModel):
    """A shop (branch)."""

    branch_number: int
    branch_name: str
    relation_number: int | None = None
    abbreviation: str = ""
    ext_branch_id: str | None = None
    country_code: int | None = None
    country_iso3: str | None = None
    country_name: str | None = None


class Employee(WireModel):
    """An employee; 999999 is the super user integrators put on orders."""

    employee_number: int
    ext_employee_id: str | None = None
    sync_marker: int | None = None
    name: str | None = None
    email: str | None = None
    active: bool | None = None
