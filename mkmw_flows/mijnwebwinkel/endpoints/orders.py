"""Order endpoints: list, stream, count, read, change (status), create."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mkmw_flows.mijnwebwinkel.models import Count, Order, OrderCommentsInput, OrderInput, OrderPatch
from mkmw_flows.mijnwebwinkel.params import DateLike, body, bool_param, date_param, datetime_param
from mkmw_flows.mijnwebwinkel.session import MAX_PAGE_SIZE, ShopSession


def _order_filters(
    start_date: DateLike | None,
    end_date: DateLike | None,
    status_id: int | None,
    status_changed_start_date: DateLike | None,
    status_changed_end_date: DateLike | None,
    archived: bool | None,
    test: bool | None,
) -> dict[str, Any]:
    return {
        "start_date": date_param(start_date),
        "end_date": date_param(end_date),
        "status_id": status_id,
        "status_changed_start_date": datetime_param(status_changed_start_date),
        "status_changed_end_date": datetime_param(status_changed_end_date),
        "archived": bool_param(archived),
        "test": bool_param(test),
    }


class OrderEndpoints(ShopSession):
    """Orders."""

    def list_orders(
        self,
        *,
        limit: int = MAX_PAGE_SIZE,
        offset: int = 0,
        start_date: DateLike | None = None,
        end_date: DateLike | None = None,
        status_id: int | None = None,
        status_changed_start_date: DateLike | None = None,
        status_changed_end_date: DateLike | None = None,
        archived: bool | None = None,
        test: bool | None = None,
        ordering: str = "asc",
        debtor_email: str | None = None,
    ) -> list[Order]:
        """Return one page of orders.

        Args:
            limit: Page size (max 100).
            offset: Orders to skip.
            start_date: Orders placed on or after this date.
            end_date: Orders placed on or before this date.
            status_id: Only this status.
            status_changed_start_date: Status changed at or after this moment (the change feed).
            status_changed_end_date: Status changed at or before this moment.
            archived: Only (not) archived orders.
            test: Include test orders.
            ordering: ``asc`` or ``desc`` by order number.
            debtor_email: Only orders of this customer e-mail.

        Returns:
            The page.
        """
        if ordering not in ("asc", "desc"):
            raise ValueError("ordering must be 'asc' or 'desc'")
        params = _order_filters(
            start_date,
            end_date,
            status_id,
            status_changed_start_date,
            status_changed_end_date,
            archived,
            test,
        )
        params.update(
            limit=min(limit, MAX_PAGE_SIZE),
            offset=offset,
            ordering=ordering,
            debtor_email=debtor_email,
        )
        data = self._request("GET", "/orders", "GET /orders", params=params, retry=True)
        return [Order.model_validate(item) for item in data]

    def iter_orders(
        self, *, page_size: int = MAX_PAGE_SIZE, concurrency: int = 1, **filters: Any
    ) -> Iterator[Order]:
        """Stream all matching orders (filters as :meth:`list_orders`)."""
        yield from self._paged(
            lambda limit, offset: self.list_orders(limit=limit, offset=offset, **filters),
            page_size=page_size,
            concurrency=concurrency,
        )

    def count_orders(
        self,
        *,
        start_date: DateLike | None = None,
        end_date: DateLike | None = None,
        status_id: int | None = None,
        status_changed_start_date: DateLike | None = None,
        status_changed_end_date: DateLike | None = None,
        archived: bool | None = None,
        test: bool | None = None,
    ) -> int:
        """Return the number of matching orders (filters as :meth:`list_orders`)."""
        params = _order_filters(
            start_date,
            end_date,
            status_id,
            status_changed_start_date,
            status_changed_end_date,
            archived,
            test,
        )
        data = self._request("GET", "/orders/count", "GET /orders/count", params=params, retry=True)
        return Count.model_validate(data).count

    def get_order(self, number: int) -> Order:
        """Return one order by its number."""
        data = self._request("GET", f"/orders/{int(number)}", "GET /orders/{number}", retry=True)
        return Order.model_validate(data)

    def update_order(self, number: int, patch: OrderPatch | Mapping[str, Any]) -> Order:
        """Change an order: status, archived, internal comment, reference (retried)."""
        data = self._request(
            "PATCH",
            f"/orders/{int(number)}",
            "PATCH /orders/{number}",
            json=body(patch),
            retry=True,
        )
        return Order.model_validate(data)

    def set_order_status(
        self,
        number: int,
        status: int,
        *,
        internal_comment: str | None = None,
        archived: bool | None = None,
    ) -> Order:
        """Set an order's status, optionally with an internal comment (e.g. track & trace)."""
        patch = OrderPatch(status=status)
        if internal_comment is not None:
            patch.comments = OrderCommentsInput(internal=internal_comment)
        if archived is not None:
            patch.archived = archived
        return self.update_order(number, patch)

    def create_order(
        self,
        order: OrderInput | Mapping[str, Any],
        *,
        send_customer_notification: bool = False,
        send_merchant_notification: bool = False,
        override_stock: bool | None = None,
        disable_shipping: bool | None = None,
    ) -> Order:
        """Create an order (``POST /orders``). Never retried blindly.

        After an ambiguous failure (:class:`TransportError` with ``ambiguous`` or a
        :class:`ServerError`) look the order up (e.g. by ``debtor_email`` and date, or a
        reference) before trying again.

        Args:
            order: The order (debtor and orderlines required).
            send_customer_notification: Mail the customer a confirmation.
            send_merchant_notification: Mail the merchant.
            override_stock: Ignore stock limits (special access).
            disable_shipping: Skip the shipping cost calculation.

        Returns:
            The created order with its number.
        """
        params = {
            "send_customer_notification": bool_param(send_customer_notification),
            "send_merchant_notification": bool_param(send_merchant_notification),
            "override_stock": bool_param(override_stock),
            "disable_shipping": bool_param(disable_shipping),
        }
        data = self._request(
            "POST", "/orders", "POST /orders", params=params, json=body(order), retry=False
        )
        return Order.model_validate(data)
