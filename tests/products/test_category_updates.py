"""A renamed or moved MplusKASSA article group updates its bound shop category.

The change is made the way a till or back office makes it: ``updateArticleGroup`` /
``newArticleGroup`` in raw SOAP against the emulator, then the sync-products flow runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

import httpx
import pytest
from lxml import etree

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.flows.products import sync_products
from mkmw_flows.state import StateStore
from mkmw_flows.sync.keys import CATEGORY

pytestmark = pytest.mark.usefixtures("prefect_server")

Make = Callable[..., tuple[str, Integration]]
NS = "urn:mplusqapi"
ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def _soap(pair: EmulatorPair, operation: str, request: dict[str, Any]) -> dict[str, str]:
    """One raw SOAP call with a flat ``request``; the answer's elements as text."""
    inner = "".join(f"<ns1:{k}>{escape(str(v))}</ns1:{k}>" for k, v in request.items())
    envelope = (
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{ENV}" xmlns:ns1="{NS}"><SOAP-ENV:Body>'
        f"<ns1:{operation}><ns1:request>{inner}</ns1:request></ns1:{operation}>"
        "</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )
    response = httpx.post(
        pair.mplus_url + "/",
        params={"ident": pair.mplus.ident, "secret": pair.mplus.secret},
        content=envelope.encode(),
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": operation},
    )
    assert response.status_code == 200, response.text[:300]
    answer = etree.fromstring(response.content).find(f"{{{ENV}}}Body")[0]
    return {etree.QName(c).localname: c.text or "" for c in answer}


def _categories(name: str, block: Integration) -> dict[int, int]:
    store = StateStore(block.state_database_url)
    return {int(b.mplus_key): int(b.shop_key) for b in store.bindings(name, CATEGORY)}


def _category_writes(pair: EmulatorPair) -> dict[str, int]:
    return {k: v for k, v in pair.shop.counters.writes.items() if "categories" in k}


def test_renamed_and_moved_groups_update_their_categories(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    name, block = product_integration()
    sync_products(name, skus=["20001"])
    bound = _categories(name, block)
    shop = emulators.shop.backend
    coffee, drinks = shop.categories[bound[21]], shop.categories[bound[24]]
    assert coffee.title == "Koffie en thee" and drinks.parent_id == bound[2]

    renamed = _soap(
        emulators, "updateArticleGroup", {"groupNumber": 21, "name": "Koffie, thee en cacao"}
    )
    assert renamed == {"result": "SAVE-ARTICLE-GROUP-RESULT-OK"}
    moved = _soap(emulators, "updateArticleGroup", {"groupNumber": 24, "parentGroupNumber": 9})
    assert moved == {"result": "SAVE-ARTICLE-GROUP-RESULT-OK"}
    made = _soap(
        emulators,
        "newArticleGroup",
        {"parentGroupNumber": 2, "name": "Honing en jam", "text": "Zoet beleg"},
    )
    assert made["result"] == "NEW-ARTICLE-GROUP-RESULT-OK"
    emulators.shop.counters.reset()

    summary = sync_products(name, skus=["20001"])
    assert summary["counts"]["failed"] == 0
    assert coffee.title == "Koffie, thee en cacao"
    assert drinks.parent_id == bound[9] and drinks.title == "Dranken"
    after = _categories(name, block)
    assert len(after) == len(bound) + 1
    new = shop.categories[after[int(made["groupNumber"])]]
    assert new.title == "Honing en jam" and new.parent_id == bound[2]
    writes = _category_writes(emulators)
    assert sum(v for k, v in writes.items() if k.startswith("PATCH")) == 2
    assert sum(v for k, v in writes.items() if k.startswith("POST")) == 1

    emulators.shop.counters.reset()
    sync_products(name, skus=["20001"])
    assert _category_writes(emulators) == {}


def test_create_only_title_keeps_the_shop_name_and_the_tree_still_follows(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    name, block = product_integration(
        category_field_map={
            "fields": [{"target": "title", "source": "name", "policy": "create_only"}]
        }
    )
    sync_products(name, skus=["20001"])
    bound = _categories(name, block)
    shop = emulators.shop.backend
    shop.update_category(bound[22], title="Kaas & zuivel (eigen tekst)")
    _soap(
        emulators,
        "updateArticleGroup",
        {"groupNumber": 22, "name": "Zuivel", "parentGroupNumber": 0},
    )
    emulators.shop.counters.reset()
    sync_products(name, skus=["20001"])
    cheese = shop.categories[bound[22]]
    assert cheese.title == "Kaas & zuivel (eigen tekst)"  # create_only: the shop's name stays
    assert cheese.parent_id is None  # the move still happened
    assert sum(_category_writes(emulators).values()) == 1


def test_if_unchanged_title_reports_a_conflict_once_edited_in_the_shop(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    name, block = product_integration(
        category_field_map={
            "fields": [{"target": "title", "source": "name", "policy": "if_unchanged"}]
        }
    )
    sync_products(name, skus=["20001"])
    bound = _categories(name, block)
    shop = emulators.shop.backend
    _soap(emulators, "updateArticleGroup", {"groupNumber": 23, "name": "Snoep, koek en chocolade"})
    sync_products(name, skus=["20001"])
    assert shop.categories[bound[23]].title == "Snoep, koek en chocolade"  # still ours: follows
    shop.update_category(bound[23], title="Lekkers")
    _soap(emulators, "updateArticleGroup", {"groupNumber": 23, "name": "Snoep en koek"})
    emulators.shop.counters.reset()
    sync_products(name, skus=["20001"])
    assert shop.categories[bound[23]].title == "Lekkers"
    assert _category_writes(emulators) == {}
    conflicts = StateStore(block.state_database_url).ledger(
        integration=name, reason_code="FIELD_CONFLICT"
    )
    assert [e.record_key for e in conflicts] == ["group 23"]
    assert "Lekkers" in conflicts[0].message
