"""The MijnWebwinkel (MyOnlineStore) Connect API v1 client: the session with every endpoint.

The session (:mod:`mkmw_flows.mijnwebwinkel.session`) sends one call with the store's rate
limit, retries and scrubbed errors; the endpoints per entity live in
:mod:`mkmw_flows.mijnwebwinkel.endpoints`.
"""

from __future__ import annotations

from mkmw_flows.mijnwebwinkel.endpoints.articles import ArticleEndpoints
from mkmw_flows.mijnwebwinkel.endpoints.categories import CategoryEndpoints
from mkmw_flows.mijnwebwinkel.endpoints.lists import ListEndpoints
from mkmw_flows.mijnwebwinkel.endpoints.orders import OrderEndpoints
from mkmw_flows.mijnwebwinkel.endpoints.store import StoreEndpoints


class MijnWebwinkelClient(
    StoreEndpoints,
    ArticleEndpoints,
    ListEndpoints,
    CategoryEndpoints,
    OrderEndpoints,
):
    """Typed client of the MijnWebwinkel Connect API v1.

    Takes the arguments of :class:`~mkmw_flows.mijnwebwinkel.session.ShopSession`
    (``base_url``, ``token``, ``partner_token``, language, timeout, rate limit, retries,
    ``throttle``).

    Attributes:
        stats: Calls, errors and seconds per endpoint.
        limiter: The store's shared rate limiter.
    """
