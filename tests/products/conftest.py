"""Fixtures of the products flow tests: an integration whose shop has shared option lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration


@pytest.fixture
def product_integration(
    emulators: EmulatorPair, make_integration: Callable[..., tuple[str, Integration]]
) -> Callable[..., tuple[str, Integration]]:
    """Make (and save) an Integration for the demo pair, with lists Kleur and Maat in the shop."""
    backend = emulators.shop.backend
    lists = {"Kleur": backend.create_list("Kleur").id, "Maat": backend.create_list("Maat").id}

    def make(save: bool = True, **products: Any) -> tuple[str, Integration]:
        settings: dict[str, Any] = {"option_lists": lists, **products}
        return make_integration(emulators, save=save, products=settings)

    return make
