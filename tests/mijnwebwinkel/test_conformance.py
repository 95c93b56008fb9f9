"""Every request the client sends and every response the emulator returns, validated against the
vendor OpenAPI spec with openapi-core (see spec.ERRATA for the four documented spec fixes)."""

from __future__ import annotations

import re

import pytest

from mkmw_emulators.mijnwebwinkel.server import MijnWebwinkelEmulator
from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mijnwebwinkel.models import ArticlePatch, VariantPatch

from .scenario import run_scenario
from .spec import Recorder, raw_spec, schema_errors, validate_request, validate_response

# operationId -> (method, path template) of every operation the client implements
IMPLEMENTED = {
    "getStore",
    "getOrderStatuses",
    "getGateways",
    "getShippingMethods",
    "TaxPolicyRegionList",
    "getTaxPolicyRegion",
    "getArticles",
    "getArticleCount",
    "getArticle",
    "postArticle",
    "patchArticle",
    "deleteArticle",
    "getArticleList",
    "postArticleLists",
    "deleteArticleLists",
    "postArticleListOptions",
    "deleteArticleListOptions",
    "getCategories",
    "getCategoryCount",
    "getCategory",
    "postCategory",
    "patchCategory",
    "getCategoryArticles",
    "getOrders",
    "getOrderCount",
    "getOrder",
    "patchOrder",
    "postOrder",
}


def _operation_ids(recorder: Recorder) -> set[str]:
    """The spec operationIds the recorded exchanges hit (literal segments beat parameters)."""
    templates = []
    for template, item in raw_spec()["paths"].items():
        pattern = "^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template)) + "$"
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                templates.append(
                    (template.count("{"), method.upper(), re.compile(pattern), op["operationId"])
                )
    templates.sort(key=lambda t: t[0])
    found = set()
    for exchange in recorder.exchanges:
        path = exchange.request.url.path
        for _, method, pattern, operation_id in templates:
            if method == exchange.request.method and pattern.match(path):
                found.add(operation_id)
                break
    return found


@pytest.fixture
def exercised(
    client: MijnWebwinkelClient, emulator: MijnWebwinkelEmulator, recorder: Recorder
) -> Recorder:
    run_scenario(client, emulator)
    # unlimited stock is sent as null (spec description; erratum E4)
    article_id = emulator.seed_info.article_for_product[100]
    variant = emulator.backend.articles[article_id].variants[0].id
    client.update_article(article_id, ArticlePatch(variants=[VariantPatch(id=variant, stock=None)]))
    return recorder


def test_spec_operations_are_implemented() -> None:
    spec_ids = {
        op["operationId"]
        for item in raw_spec()["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert spec_ids >= IMPLEMENTED


def test_every_client_request_conforms(exercised: Recorder) -> None:
    assert len(exercised.exchanges) > 50
    failures = []
    for exchange in exercised.exchanges:
        try:
            validate_request(exchange.request)
        except Exception as exc:  # noqa: BLE001
            failures.append(
                f"{exchange.request.method} {exchange.request.url.path}: {schema_errors(exc)}"
            )
    assert not failures, "\n".join(failures)


def test_every_emulator_response_conforms(exercised: Recorder) -> None:
    failures = []
    checked = 0
    for exchange in exercised.exchanges:
        if exchange.status >= 300:
            continue
        checked += 1
        try:
            validate_response(
                exchange.request, exchange.status, exchange.content, exchange.content_type
            )
        except Exception as exc:  # noqa: BLE001
            failures.append(
                f"{exchange.request.method} {exchange.request.url.path}: {schema_errors(exc)}"
            )
    assert checked > 50
    assert not failures, "\n".join(failures)


def test_all_implemented_operations_were_checked(exercised: Recorder) -> None:
    assert _operation_ids(exercised) >= IMPLEMENTED


def test_tokens_travel_only_in_the_query(exercised: Recorder) -> None:
    for exchange in exercised.exchanges:
        assert "authorization" not in exchange.request.headers
        query = dict(exchange.request.url.params)
        assert "partner_token" in query
        assert query.get("format") == "json"


def test_the_validator_rejects_live_quirks() -> None:
    """Sanity check that validation is real: the live shapes break the published schema."""
    import httpx

    from mkmw_emulators.core.serving import serve
    from mkmw_emulators.mijnwebwinkel.server import create_emulator

    from .conftest import PARTNER, TOKEN

    emulator = create_emulator(token=TOKEN, partner_token=PARTNER, live_quirks=True)
    with serve(emulator.app) as url:
        for path in ("/v1/orders", "/v1/tax-policy/regions"):
            response = httpx.get(url + path, params={"token": TOKEN, "partner_token": PARTNER})
            assert response.status_code == 200
            with pytest.raises(Exception):  # noqa: B017
                validate_response(response.request, 200, response.content, "application/json")
