"""MijnWebwinkel (MyOnlineStore Connect API v1) client: typed models, errors, rate limiter.

Usage::

    from mkmw_flows.mijnwebwinkel import MijnWebwinkelClient

    with MijnWebwinkelClient(token=..., partner_token=...) as client:
        for article in client.iter_articles(changed_start_date=cursor):
            ...
"""

from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mijnwebwinkel.errors import (
    CredentialsError,
    FieldError,
    MijnWebwinkelError,
    NotFoundError,
    ProblemDetails,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
)
from mkmw_flows.mijnwebwinkel.ratelimit import StoreRateLimiter, limiter_for_store
from mkmw_flows.mijnwebwinkel.session import DEFAULT_BASE_URL

__all__ = [
    "DEFAULT_BASE_URL",
    "CredentialsError",
    "FieldError",
    "MijnWebwinkelClient",
    "MijnWebwinkelError",
    "NotFoundError",
    "ProblemDetails",
    "RateLimitedError",
    "ServerError",
    "StoreRateLimiter",
    "TransportError",
    "ValidationError",
    "limiter_for_store",
]
