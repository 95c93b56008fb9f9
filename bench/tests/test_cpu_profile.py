"""A py-spy raw profile is summed by layer, counting only samples inside a sync."""

from __future__ import annotations

from bench.cpu_profile import render, summarize

RAW = [
    # inside a sync: the HTTP stack, our client, the store, the sync itself
    "run (bench/x.py:1);run_page (mkmw_flows/sync/template.py:9);send (httpx/_client.py:3) 6",
    "run (bench/x.py:1);run_page (mkmw_flows/sync/template.py:9);"
    "_once (mkmw_flows/mplus/session.py:5) 2",
    "run (bench/x.py:1);run_page (mkmw_flows/sync/template.py:9);"
    "execute (sqlalchemy/engine/base.py:7) 1",
    "run (bench/x.py:1);plan (mkmw_flows/sync/products/plan.py:4) 1",
    # outside: set-up, and an import that happens to pass through the sync package
    "seed (bench/x.py:2);send (httpx/_client.py:3) 5",
    "<module> (x.py:1);_call_with_frames_removed (<frozen importlib._bootstrap>:1);"
    "<module> (mkmw_flows/sync/template.py:1) 3",
    "",
]


def test_samples_are_summed_by_layer_inside_the_sync_only() -> None:
    summary = summarize(RAW)
    assert summary.samples == 10
    assert summary.left_out == 8
    layers = dict(summary.layers)
    assert layers["HTTP client stack (httpx, httpcore, h11)"] == 6
    assert layers["our API clients (mplus/, mijnwebwinkel/)"] == 2
    assert layers["state store (SQLAlchemy, state/)"] == 1
    assert layers["sync logic (sync/, mapping/, settings/)"] == 1
    assert summary.functions["send (httpx/_client.py)"] == 6
    page = render(summary)
    assert "| HTTP client stack (httpx, httpcore, h11) | 60% |" in page
    assert "10 samples inside the run (8 outside it left out)" in page


def test_a_profile_without_a_sync_says_so() -> None:
    assert "No sample inside the run" in render(summarize(["seed (bench/x.py:2) 4"]))
