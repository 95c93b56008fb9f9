"""Reason codes of the ledger, each with the plain-language explanation a shop owner reads.

Flows record a skipped or failed record with one of these codes and a message that names the
record and what to do. :data:`EXPLANATIONS` says what a code means and :data:`FIXES` what to do
about it; logs, summaries and alerts show both. ``mkmw retry --reason CODE`` takes held records
of a code again.
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
    CREDIT_ORDER = "CREDIT_ORDER"


#: What each code means, for summaries and `mkmw ledger show`.
EXPLANATIONS: dict[Reason, str] = {
    Reason.SKU_NOT_NUMERIC: "MplusKASSA article numbers are numeric only; this SKU is not.",
    Reason.SKU_DUPLICATE: "The same SKU is used by more than one article.",
    Reason.PRODUCT_MISSING: "An order line names a product that does not exist in MplusKASSA.",
    Reason.VARIANT_UNMATCHED: "A shop variant's options match no MplusKASSA article.",
    Reason.VAT_UNMAPPED: "No MplusKASSA VAT code is configured for this VAT rate (and country).",
    Reason.SHIPPING_UNMAPPED: "The shop's shipping method has no MplusKASSA article configured.",
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
    Reason.CREDIT_ORDER: "The shop order is a credit order (a return or refund of an earlier "
    "order); it is not imported as a sale, and the credited order is left as it is.",
}

_RETRY = "then `mkmw retry --reason {code}` has the next run take the held records again"

#: What to do about each code: the fix a shop owner reads in the run log, summary and alert.
FIXES: dict[Reason, str] = {
    Reason.SKU_NOT_NUMERIC: "Give the article a numeric SKU in the shop (or leave it out with the "
    "products filters).",
    Reason.SKU_DUPLICATE: "Give each article its own SKU, in the shop or in MplusKASSA.",
    Reason.PRODUCT_MISSING: "Create the article in MplusKASSA (or run sync-products), "
    + _RETRY.format(code="PRODUCT_MISSING")
    + ".",
    Reason.VARIANT_UNMATCHED: "Make the variant's options match a MplusKASSA article (colour/"
    "size), or set the products settings' variant_axes.",
    Reason.VAT_UNMAPPED: "Add a row to the orders settings' vat_codes (country, rate, vat_code; "
    "e.g. country BE, rate 21, vat_code 1), " + _RETRY.format(code="VAT_UNMAPPED") + ".",
    Reason.SHIPPING_UNMAPPED: "Add a row to the orders settings' shipping_articles "
    "(shop_method, article_number: the MplusKASSA article for the shipping cost), "
    + _RETRY.format(code="SHIPPING_UNMAPPED")
    + ".",
    Reason.PAYMENT_UNMAPPED: "Add a row to the orders settings' payment_methods (shop_method, "
    "mplus_method; e.g. mollie:ideal -> IDEAL), " + _RETRY.format(code="PAYMENT_UNMAPPED") + ".",
    Reason.COUNTRY_UNKNOWN: "Correct the country of the address in the shop order, "
    + _RETRY.format(code="COUNTRY_UNKNOWN")
    + ".",
    Reason.MISSING_EMAIL: "Add an e-mail address to the order in the shop, or set the orders "
    "settings' default_debtor.",
    Reason.INVALID_EMAIL: "Correct the customer's e-mail address in the shop, "
    + _RETRY.format(code="INVALID_EMAIL")
    + ".",
    Reason.INVALID_QUANTITY: "Correct the quantity in the source record.",
    Reason.INVALID_PRICE: "Correct the price in the source record (no negative prices, at most "
    "the decimals the systems keep).",
    Reason.TOTAL_MISMATCH: "Check the order's lines, discounts and shipping in the shop; set the "
    "orders settings' rounding_article for cent differences.",
    Reason.FIELD_CONFLICT: "Nothing, unless the target's value is wrong: then correct it there.",
    Reason.FILTERED_OUT: "Nothing, unless the record should sync: then change the filters.",
    Reason.ALREADY_EXISTS: "Nothing: the record was linked to the existing one.",
    Reason.STATUS_NOT_IMPORTED: "Nothing, unless such orders should be imported: then add the "
    "status to the orders settings' statuses_to_import.",
    Reason.STOCK_ARTICLE_UNKNOWN: "Create the article in the shop with this SKU (or run "
    "sync-products).",
    Reason.STOCK_UNMANAGED: "Nothing, unless the shop should track it: switch stock management on "
    "for the article in the shop.",
    Reason.STOCK_DRIFT: "Run reconcile-stock with heal to correct the shop, and look for who "
    "edits stock in the shop.",
    Reason.MAPPING_ERROR: "Read the message: correct the field map in the settings or the "
    "record's source value, " + _RETRY.format(code="MAPPING_ERROR") + ".",
    Reason.REJECTED_BY_MPLUS: "Read MplusKASSA's message in the log; correct the record or the "
    "settings, " + _RETRY.format(code="REJECTED_BY_MPLUS") + ".",
    Reason.REJECTED_BY_SHOP: "Read the shop's message in the log; correct the record or the "
    "settings, " + _RETRY.format(code="REJECTED_BY_SHOP") + ".",
    Reason.API_UNAVAILABLE: "Usually nothing: the next run takes it again. If it keeps coming "
    "back, check the system's status and the credentials in the Integration block.",
    Reason.DIRECTION_INACTIVE: "Nothing, unless this direction should sync: then set it in the "
    "flow's settings (direction).",
    Reason.ROUNDING_LINE: "Nothing: the difference is booked on the rounding article.",
    Reason.CANCELLED_IN_SHOP: "Nothing: a cancelled order is not imported.",
    Reason.OPTION_LIST_MISSING: "Make the option list in the shop's back office and set its id in "
    "the products settings (option_lists), " + _RETRY.format(code="OPTION_LIST_MISSING") + ".",
    Reason.IN_PROGRESS_ELSEWHERE: "Nothing: the next run takes it if the other run did not.",
    Reason.CREDIT_ORDER: "Book the return of the credited order in MplusKASSA yourself (a credit "
    "or return at the till); the message names the credited order.",
}


def explain(code: str | Reason | None) -> tuple[str, str]:
    """The explanation and the fix of a reason code; empty texts for an unknown code.

    Args:
        code: A reason code as stored in the ledger (or None).

    Returns:
        ``(explanation, fix)``.
    """
    try:
        reason = Reason(code) if code is not None else None
    except ValueError:
        reason = None
    if reason is None:
        return "", ""
    return EXPLANATIONS.get(reason, ""), FIXES.get(reason, "")
