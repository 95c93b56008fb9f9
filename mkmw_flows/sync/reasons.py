"""Reason codes of the ledger, each with the plain-language explanation a shop owner reads.

Flows record a skipped or failed record with one of these codes and a message that names the
record and what to do. ``mkmw retry --reason CODE`` takes held records of a code again.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a record was skipped, held or failed."""

    SKU_NOT_NUMERIC = "SKU_NOT_NUMERIC"
    SKU_DUPLICATE = "SKU_DUPLICATE"
    PRODUCT_MISSING = "PRODUCT_MISSING"
    VARIANT_UNMATCHED = "VARIANT_UNMATCHED"
    VAT_UNMAPPED = "VAT_UNMAPPED"
    SHIPPING_UNMAPPED = "SHIPPING_UNMAPPED"
    DELIVERY_UNMAPPED = "DELIVERY_UNMAPPED"
    PAYMENT_UNMAPPED = "PAYMENT_UNMAPPED"
    COUNTRY_UNKNOWN = "COUNTRY_UNKNOWN"
    MISSING_EMAIL = "MISSING_EMAIL"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INVALID_PRICE = "INVALID_PRICE"
    TOTAL_MISMATCH = "TOTAL_MISMATCH"
    FIELD_CONFLICT = "FIELD_CONFLICT"
    FILTERED_OUT = "FILTERED_OUT"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    STATUS_NOT_IMPORTED = "STATUS_NOT_IMPORTED"
    STOCK_ARTICLE_UNKNOWN = "STOCK_ARTICLE_UNKNOWN"
    STOCK_UNMANAGED = "STOCK_UNMANAGED"
    STOCK_DRIFT = "STOCK_DRIFT"
    MAPPING_ERROR = "MAPPING_ERROR"
    REJECTED_BY_MPLUS = "REJECTED_BY_MPLUS"
    REJECTED_BY_SHOP = "REJECTED_BY_SHOP"
    API_UNAVAILABLE = "API_UNAVAILABLE"
    DIRECTION_INACTIVE = "DIRECTION_INACTIVE"
    ROUNDING_LINE = "ROUNDING_LINE"
    CANCELLED_IN_SHOP = "CANCELLED_IN_SHOP"
    OPTION_LIST_MISSING = "OPTION_LIST_MISSING"
    IN_PROGRESS_ELSEWHERE = "IN_PROGRESS_ELSEWHERE"


#: What each code means, for summaries and `mkmw ledger show`.
EXPLANATIONS: dict[Reason, str] = {
    Reason.SKU_NOT_NUMERIC: "MplusKASSA article numbers are numeric only; this SKU is not.",
    Reason.SKU_DUPLICATE: "The same SKU is used by more than one article.",
    Reason.PRODUCT_MISSING: "An order line names a product that does not exist in MplusKASSA.",
    Reason.VARIANT_UNMATCHED: "A shop variant's options match no MplusKASSA article.",
    Reason.VAT_UNMAPPED: "No MplusKASSA VAT code is configured for this VAT rate (and country).",
    Reason.SHIPPING_UNMAPPED: "The shop's shipping method has no MplusKASSA article configured.",
    Reason.DELIVERY_UNMAPPED: (
        "The shop's shipping method has no MplusKASSA delivery method and no default is set."
    ),
    Reason.PAYMENT_UNMAPPED: "The shop's payment method has no MplusKASSA payment code configured.",
    Reason.COUNTRY_UNKNOWN: "The address has a country code that is not known.",
    Reason.MISSING_EMAIL: "The customer has no e-mail address and no default debtor is set.",
    Reason.INVALID_EMAIL: "The customer's e-mail address is not valid.",
    Reason.INVALID_QUANTITY: "A quantity is zero, negative, or a fraction of a whole unit.",
    Reason.INVALID_PRICE: "A price is negative or has more decimals than the systems keep.",
    Reason.TOTAL_MISMATCH: "The order lines do not add up to the shop's total.",
    Reason.FIELD_CONFLICT: "The field was edited in the target since we wrote it; theirs was kept.",
    Reason.FILTERED_OUT: "Left out by the flow's filters.",
    Reason.ALREADY_EXISTS: "The record already exists in the target.",
    Reason.STATUS_NOT_IMPORTED: "The order's status is not one of the statuses to import.",
    Reason.STOCK_ARTICLE_UNKNOWN: "No shop article has this SKU, so its stock cannot be sent.",
    Reason.STOCK_UNMANAGED: "The shop does not manage stock for this article.",
    Reason.STOCK_DRIFT: "The shop's stock differed from what MplusKASSA says it should be.",
    Reason.MAPPING_ERROR: "The datamapper could not map this record.",
    Reason.REJECTED_BY_MPLUS: "MplusKASSA refused the record.",
    Reason.REJECTED_BY_SHOP: "MijnWebwinkel refused the record.",
    Reason.API_UNAVAILABLE: "The other system did not answer; the record is taken again next run.",
    Reason.DIRECTION_INACTIVE: "This sync direction is switched off in the settings.",
    Reason.ROUNDING_LINE: "The shop's total differed by at most one cent per VAT rate; a "
    "rounding line books the difference.",
    Reason.CANCELLED_IN_SHOP: "The shop order is cancelled: it is not imported, or its "
    "MplusKASSA order is cancelled too.",
    Reason.OPTION_LIST_MISSING: (
        "The shop has no option list for a variant axis (e.g. Maat); make it in the shop's "
        "back office and set its id in the products settings (option_lists)."
    ),
    Reason.IN_PROGRESS_ELSEWHERE: "Another run of the same flow was working on this record at "
    "the same moment; it is left to that run (and taken by the next run if that one stopped).",
}
