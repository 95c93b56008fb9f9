"""Fixtures of the products flow tests: an integration whose shop has shared option lists."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # bench/ is not installed: its fast clients serve the fault tests


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
