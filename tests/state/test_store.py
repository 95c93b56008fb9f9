from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from mkmw_flows.state import LedgerEntry, Outcome, StateStore
from mkmw_flows.state.database import normalise_url
from mkmw_flows.state.models import utcnow


def _entry(**kw: object) -> LedgerEntry:
    base: dict[str, object] = dict(
        integration="shop1",
        run_id="run-1",
        flow="orders",
        entity="order",
        record_key="1001",
        outcome=Outcome.CREATED,
    )
    base.update(kw)
    return LedgerEntry(**base)  # type: ignore[arg-type]


def test_binding_found_from_either_side(store: StateStore) -> None:
    with store.transaction() as tx:
        tx.put_binding(
            "shop1", "variant", mplus_key="1001", shop_key="55", variant_key="Kleur=Rood|Maat=M"
        )
        tx.put_binding(
            "shop1", "variant", mplus_key="1002", shop_key="55", variant_key="Kleur=Rood|Maat=L"
        )
    by_mplus = store.find_binding("shop1", "variant", mplus_key="1002")
    assert by_mplus is not None and by_mplus.variant_key == "Kleur=Rood|Maat=L"
    by_shop = store.find_binding("shop1", "variant", shop_key="55", variant_key="Kleur=Rood|Maat=M")
    assert by_shop is not None and by_shop.mplus_key == "1001"
    assert store.find_binding("shop1", "variant", shop_key="55") is None  # no bare-article binding
    assert store.find_binding("other", "variant", mplus_key="1001") is None
    assert [b.mplus_key for b in store.bindings("shop1", "variant", shop_key="55")] == [
        "1001",
        "1002",
    ]
    assert set(store.bindings_by_mplus_keys("shop1", "variant", ["1001", "9999"])) == {"1001"}


def test_put_binding_updates_and_merges_hashes(store: StateStore) -> None:
    with store.transaction() as tx:
        tx.put_binding("s", "product", mplus_key="1", shop_key="10", field_hashes={"name": "a"})
    with store.transaction() as tx:
        tx.put_binding("s", "product", mplus_key="1", shop_key="11", field_hashes={"price": "b"})
    binding = store.find_binding("s", "product", mplus_key="1")
    assert binding is not None
    assert binding.shop_key == "11"
    assert binding.field_hashes == {"name": "a", "price": "b"}
    assert len(store.bindings("s", "product")) == 1


def test_shop_side_is_unique(store: StateStore) -> None:
    with store.transaction() as tx:
        tx.put_binding("s", "product", mplus_key="1", shop_key="10")
    with pytest.raises(IntegrityError), store.transaction() as tx:
        tx.put_binding("s", "product", mplus_key="2", shop_key="10")
    assert store.find_binding("s", "product", mplus_key="2") is None


def test_binding_and_cursor_land_together_or_not_at_all(store: StateStore) -> None:
    """A crash between the binding write and the cursor commit leaves neither visible."""
    with store.transaction() as tx:
        tx.put_binding("s", "product", mplus_key="1", shop_key="10")
        tx.set_cursor("s", "products.article_marker", "100")

    with pytest.raises(RuntimeError, match="halfway"), store.transaction() as tx:
        tx.put_binding("s", "product", mplus_key="2", shop_key="20")
        tx.set_cursor("s", "products.article_marker", "200")
        raise RuntimeError("process died halfway")

    assert store.find_binding("s", "product", mplus_key="2") is None
    assert store.get_cursor("s", "products.article_marker") == "100"


def test_database_error_halfway_rolls_back_everything(store: StateStore) -> None:
    with store.transaction() as tx:
        tx.put_binding("s", "product", mplus_key="1", shop_key="10")
    with pytest.raises(IntegrityError), store.transaction() as tx:
        tx.set_cursor("s", "c", "7")
        tx.put_binding("s", "product", mplus_key="3", shop_key="30")
        tx.put_binding("s", "product", mplus_key="4", shop_key="10")  # clashes with binding 1
    assert store.get_cursor("s", "c") is None
    assert store.find_binding("s", "product", mplus_key="3") is None


def test_cursor_set_rewind_delete(store: StateStore) -> None:
    assert store.get_cursor("s", "stock.stock_id") is None
    store.set_cursor("s", "stock.stock_id", "42")
    store.set_cursor("s", "stock.stock_id", "40")
    assert store.get_cursor("s", "stock.stock_id") == "40"
    assert [(c.name, c.value) for c in store.cursors("s")] == [("stock.stock_id", "40")]
    assert store.delete_cursor("s", "stock.stock_id") is True
    assert store.delete_cursor("s", "stock.stock_id") is False
    assert store.get_cursor("s", "stock.stock_id") is None


def test_ledger_queries(store: StateStore) -> None:
    store.append_ledger(
        [
            _entry(record_key="1", outcome=Outcome.CREATED),
            _entry(record_key="2", outcome=Outcome.FAILED, reason_code="VAT_UNMAPPED"),
            _entry(
                record_key="3",
                outcome=Outcome.FAILED,
                reason_code="PRODUCT_MISSING",
                run_id="run-2",
            ),
        ]
    )
    assert {e.record_key for e in store.ledger(run_id="run-1")} == {"1", "2"}
    assert [e.record_key for e in store.ledger(reason_code="PRODUCT_MISSING")] == ["3"]
    assert [e.outcome for e in store.ledger(record_key="2")] == [Outcome.FAILED]
    assert [e.record_key for e in store.ledger(integration="shop1", limit=2)] == ["3", "2"]
    assert store.ledger(integration="nope") == []


def test_purge_deletes_old_entries_and_their_personal_data(store: StateStore) -> None:
    now = utcnow()
    store.append_ledger(
        [
            _entry(
                record_key="old",
                personal_data=True,
                source_data={"email": "a@b.nl"},
                created_at=now - timedelta(days=40),
            ),
            _entry(
                record_key="new",
                personal_data=True,
                source_data={"email": "c@d.nl"},
                created_at=now - timedelta(days=2),
            ),
        ]
    )
    deleted, erased = store.purge("shop1", 30, now=now)
    assert (deleted, erased) == (1, 1)
    remaining = store.ledger()
    assert [e.record_key for e in remaining] == ["new"]
    assert remaining[0].source_data == {"email": "c@d.nl"}


def test_purge_applies_each_integrations_retention_to_its_own_records_only(
    store: StateStore,
) -> None:
    now = utcnow()

    def entry(integration: str, key: str, days: int) -> LedgerEntry:
        return _entry(
            integration=integration,
            record_key=key,
            personal_data=True,
            source_data={"email": f"{key}@example.nl"},
            sent_data={"name": key},
            created_at=now - timedelta(days=days),
        )

    # "short" keeps 7 days, "long" keeps 90; both share one state database
    store.append_ledger(
        [
            entry("short", "s-old", 10),
            entry("short", "s-new", 3),
            entry("long", "l-mid", 10),
            entry("long", "l-old", 100),
        ]
    )
    with store.transaction() as tx:
        tx.hold("short", "orders", "s-held", "PRODUCT_MISSING", "article 1 does not exist")
        tx.hold("long", "orders", "l-held", "PRODUCT_MISSING", "article 2 does not exist")

    assert store.purge("short", 7, now=now) == (1, 1)
    assert [e.record_key for e in store.ledger(integration="short")] == ["s-new"]
    long_entries = {e.record_key: e for e in store.ledger(integration="long")}
    assert set(long_entries) == {"l-mid", "l-old"}  # the 7 days of "short" do not reach "long"
    assert long_entries["l-mid"].source_data == {"email": "l-mid@example.nl"}
    assert long_entries["l-old"].sent_data == {"name": "l-old"}

    assert store.purge("long", 90, now=now) == (1, 1)
    assert [e.record_key for e in store.ledger(integration="long")] == ["l-mid"]
    assert [e.record_key for e in store.ledger(integration="short")] == ["s-new"]
    assert store.ledger(integration="short")[0].source_data == {"email": "s-new@example.nl"}
    # held records wait to be taken again: no retention removes them
    assert [h.record_key for h in store.held("short", "orders")] == ["s-held"]
    assert [h.record_key for h in store.held("long", "orders")] == ["l-held"]
    assert store.purge("unknown", 0, now=now) == (0, 0)
    assert len(store.ledger()) == 2


def test_purge_refuses_a_call_without_the_integration(store: StateStore) -> None:
    store.append_ledger([_entry(created_at=utcnow() - timedelta(days=40))])
    with pytest.raises(TypeError, match="integration"):
        store.purge(30, 30)  # type: ignore[arg-type]  # the old call shape, days first
    assert len(store.ledger()) == 1


def test_held_records_and_retry(store: StateStore) -> None:
    with store.transaction() as tx:
        tx.hold("s", "orders", "1001", "PRODUCT_MISSING", "article 123 does not exist")
        tx.hold("s", "orders", "1002", "VAT_UNMAPPED", "no vatCode for 6%")
    with store.transaction() as tx:
        tx.hold("s", "orders", "1001", "PRODUCT_MISSING", "article 123 does not exist")
    held = {h.record_key: h for h in store.held("s", "orders")}
    assert held["1001"].attempts == 2 and not held["1001"].retry_requested
    assert store.request_retry("s", reason_code="VAT_UNMAPPED") == 1
    assert [h.record_key for h in store.held("s", "orders") if h.retry_requested] == ["1002"]
    with store.transaction() as tx:
        tx.release("s", "orders", "1002")
    assert [h.record_key for h in store.held("s", "orders")] == ["1001"]
    with pytest.raises(ValueError):
        store.request_retry("s")


def test_url_normalisation(tmp_path: object) -> None:
    assert normalise_url("postgresql://u@h:5/db") == "postgresql+psycopg://u@h:5/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
    assert normalise_url("/tmp/a/state.db") == "sqlite:////tmp/a/state.db"


def test_repr_hides_password() -> None:
    store = StateStore("sqlite:///:memory:")
    assert "sqlite" in repr(store)
    pg = normalise_url("postgresql://user:hunter22@127.0.0.1:1/db")
    from sqlalchemy.engine import make_url

    assert "hunter22" not in make_url(pg).render_as_string(hide_password=True)


def test_repairs_owed_are_recorded_kept_and_cleared_per_integration(store: StateStore) -> None:
    with store.transaction() as tx:
        tx.owe_repairs("shop1", "lists", {"55": "100", "56": "101"}, "options added to list 5001")
        tx.owe_repairs("shop2", "lists", {"55": "900"}, "options added to list 7001")
    first = {r.shop_key: r for r in store.repairs_owed("shop1", "lists")}
    assert {k: r.mplus_key for k, r in first.items()} == {"55": "100", "56": "101"}
    with store.transaction() as tx:  # owed again before it was settled: one row, first date kept
        tx.owe_repairs("shop1", "lists", {"55": "100"}, "options added to list 5002")
    again = {r.shop_key: r for r in store.repairs_owed("shop1", "lists")}
    assert len(again) == 2 and again["55"].detail == "options added to list 5002"
    assert again["55"].created_at == first["55"].created_at
    # a transaction that fails clears nothing
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.clear_repairs("shop1", "lists", ["55"])
        raise RuntimeError("crash before the commit")
    assert len(store.repairs_owed("shop1", "lists")) == 2
    with store.transaction() as tx:
        tx.clear_repairs("shop1", "lists", ["55", "404"])
    assert [r.shop_key for r in store.repairs_owed("shop1", "lists")] == ["56"]
    assert [r.mplus_key for r in store.repairs_owed("shop2", "lists")] == ["900"]
    assert store.repairs_owed("shop1", "images") == []


def test_put_bindings_inserts_new_and_merges_into_existing(store: StateStore) -> None:
    """One call writes new rows and updates stored ones, merging hashes and extra."""
    with store.transaction() as tx:
        tx.put_binding(
            "s", "article", mplus_key="1", shop_key="10", field_hashes={"name": "a"}, extra={"x": 1}
        )
    before = store.find_binding("s", "article", mplus_key="1")
    assert before is not None
    with store.transaction() as tx:
        tx.put_bindings(
            "s",
            "article",
            [
                {"mplus_key": "1", "shop_key": "11", "field_hashes": {"price": "p"}},
                {"mplus_key": 2, "shop_key": "20", "variant_key": "Kleur=Rood", "extra": {"v": 7}},
                {"mplus_key": "3", "shop_key": "30", "field_hashes": None, "extra": None},
            ],
        )
    one = store.find_binding("s", "article", mplus_key="1")
    assert one is not None and one.id == before.id
    assert (one.shop_key, one.variant_key) == ("11", "")
    assert one.field_hashes == {"name": "a", "price": "p"}
    assert one.extra == {"x": 1}
    assert one.synced_at >= before.synced_at
    two = store.find_binding("s", "article", shop_key="20", variant_key="Kleur=Rood")
    assert two is not None and two.mplus_key == "2" and two.extra == {"v": 7}
    three = store.find_binding("s", "article", mplus_key="3")
    assert three is not None and three.field_hashes == {} and three.extra == {}
    assert [b.mplus_key for b in store.bindings("s", "article")] == ["1", "2", "3"]
    assert store.bindings("s", "product") == []


def test_put_bindings_merges_rows_of_one_key_in_order(store: StateStore) -> None:
    """Two rows for one key in a batch act as two put_binding calls, the later one last."""
    with store.transaction() as tx:
        tx.put_binding("s", "article", mplus_key="5", shop_key="50", field_hashes={"a": "1"})
        tx.put_bindings(
            "s",
            "article",
            [
                {"mplus_key": "5", "shop_key": "51", "field_hashes": {"b": "2"}},
                {"mplus_key": "5", "shop_key": "52", "field_hashes": {"a": "3"}},
                {"mplus_key": "6", "shop_key": "60", "extra": {"k": "x"}},
                {"mplus_key": "6", "shop_key": "61", "extra": {"l": "y"}},
            ],
        )
    five = store.find_binding("s", "article", mplus_key="5")
    assert five is not None and five.shop_key == "52"
    assert five.field_hashes == {"a": "3", "b": "2"}
    six = store.find_binding("s", "article", mplus_key="6")
    assert six is not None and six.shop_key == "61" and six.extra == {"k": "x", "l": "y"}
    assert len(store.bindings("s", "article")) == 2


def test_put_bindings_clash_rolls_back_the_whole_batch(store: StateStore) -> None:
    with store.transaction() as tx:
        tx.put_binding("s", "article", mplus_key="1", shop_key="10")
    with pytest.raises(IntegrityError), store.transaction() as tx:
        tx.set_cursor("s", "c", "9")
        tx.put_bindings(
            "s",
            "article",
            [{"mplus_key": "7", "shop_key": "70"}, {"mplus_key": "8", "shop_key": "10"}],
        )
    assert store.find_binding("s", "article", mplus_key="7") is None
    assert store.get_cursor("s", "c") is None
    assert len(store.bindings("s", "article")) == 1
