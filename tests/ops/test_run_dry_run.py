"""`mkmw run FLOW --dry-run` prints the plan field by field (the flow's own plan artifact)."""

from __future__ import annotations

import pytest
from rich.console import Console
from stock.helpers import bind_articles, shop_stock  # tests/stock (rootdir import)
from typer.testing import CliRunner

import mkmw_flows.cli.run as cli
from mkmw_flows.cli.main import app
from mkmw_flows.state import StateStore

runner = CliRunner()


@pytest.mark.usefixtures("prefect_server")
def test_run_dry_run_prints_the_plan_field_by_field(
    emulators, make_integration, monkeypatch
) -> None:  # type: ignore[no-untyped-def]

    monkeypatch.setattr(cli, "console", Console(width=120))
    name, block = make_integration(emulators, save=True, stock={"safety_buffer": 1})
    store = StateStore(block.state_database_url)
    bound = bind_articles(emulators, store, name)
    before = shop_stock(emulators)

    res = runner.invoke(app, ["run", "sync-stock", "--integration", name, "--dry-run"])
    assert res.exit_code == 0, res.output
    assert emulators.shop.counters.total_writes == 0 and shop_stock(emulators) == before

    # one line per record and field: SKU, field, old, new, as the plan artifact has it
    number = min(n for n in bound if (1, n) in emulators.mplus.backend.stock)
    article_id, variant_id = bound[number]
    old = before[(article_id, variant_id)][0]
    lines = [line.split() for line in res.output.splitlines()]
    assert ["SKU", "field", "old", "new", "where"] in lines
    mine = [cells for cells in lines if cells[:2] == [str(number), "stock"]]
    # old -> new: the shop's figure now ("unmanaged" when the shop does not track it) -> the
    # figure the run would write
    assert mine and mine[0][2] in (str(old), "unmanaged") and mine[0][3].isdigit()
    assert mine[0][3] != mine[0][2]
    assert mine[0][4:] == ["article", str(article_id)]
    assert "Stock plan for" in res.output and "nothing was written" in res.output
    store.close()
