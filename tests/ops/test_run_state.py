"""The run's verdict and its bounded warnings, as plain functions (no Prefect server)."""

from __future__ import annotations

import logging

import pytest

from mkmw_flows.flows.common import LOG_RECORDS, log_problems
from mkmw_flows.state import Outcome
from mkmw_flows.sync.reasons import EXPLANATIONS, FIXES, Reason, explain
from mkmw_flows.sync.report import RecordResult, RunReport


def _report(*results: RecordResult, dry_run: bool = False) -> RunReport:
    return RunReport("orders", "winkel", "run-1", dry_run=dry_run, results=list(results))


def _held(key: str, reason: Reason, entity: str = "order") -> RecordResult:
    return RecordResult(entity, key, Outcome.FAILED, reason, f"{key} is held.", hold=True)


def test_every_reason_has_an_explanation_and_a_fix() -> None:
    assert set(EXPLANATIONS) == set(Reason) == set(FIXES)
    assert all(FIXES[r].strip() for r in Reason)
    assert explain("PAYMENT_UNMAPPED") == (
        EXPLANATIONS[Reason.PAYMENT_UNMAPPED],
        FIXES[Reason.PAYMENT_UNMAPPED],
    )
    assert explain("NOT_A_CODE") == ("", "") and explain(None) == ("", "")


def test_a_clean_run_has_no_name_and_skips_on_purpose_stay_clean() -> None:
    report = _report(
        RecordResult("order", "1", Outcome.CREATED),
        RecordResult("order", "2", Outcome.SKIPPED, Reason.STATUS_NOT_IMPORTED, "not paid"),
    )
    assert report.verdict() == (None, "")


def test_held_partly_failed_and_dry_run_name_counts_per_entity_and_reasons() -> None:
    held = _report(
        *[_held(str(n), Reason.PAYMENT_UNMAPPED) for n in range(5)],
        _held("6", Reason.VAT_UNMAPPED),
        RecordResult("order", "7", Outcome.CREATED),
        _held("20001", Reason.STOCK_ARTICLE_UNKNOWN, entity="stock"),
        RecordResult("stock", "20002", Outcome.UPDATED),
    )
    assert held.verdict() == (
        "Held",
        "6 of 7 orders, 1 of 2 stock levels held: PAYMENT_UNMAPPED ×5, VAT_UNMAPPED ×1, "
        "STOCK_ARTICLE_UNKNOWN ×1",
    )
    final = RecordResult("order", "9", Outcome.FAILED, Reason.REJECTED_BY_MPLUS, "no", hold=False)
    partly = _report(final, RecordResult("order", "8", Outcome.CREATED))
    assert partly.verdict() == (
        "Partly failed",
        "1 of 2 orders failed or held: REJECTED_BY_MPLUS ×1",
    )
    plan = _report(
        _held("1", Reason.VAT_UNMAPPED), RecordResult("order", "2", Outcome.CREATED), dry_run=True
    )
    assert plan.verdict() == (
        "Dry run",
        "Plan only, nothing written; planned: 1 created, 1 failed; "
        "1 of 2 orders would be held: VAT_UNMAPPED ×1",
    )
    assert _report(dry_run=True).verdict() == (
        "Dry run",
        "Plan only, nothing written; planned: no records",
    )


def test_a_record_met_twice_in_one_run_counts_once_by_how_it_ended() -> None:
    """A full products run takes held products first and meets them again in the feed.

    Seen on a real server: 10 held products of 57 showed as "20 of 67 products held".
    """
    held = [_held(str(n), Reason.OPTION_LIST_MISSING, "product") for n in range(3)]
    fixed = RecordResult("product", "9", Outcome.UPDATED)
    report = _report(
        *held,
        _held("9", Reason.OPTION_LIST_MISSING, "product"),  # held before, goes through below
        *held,
        fixed,
        RecordResult("product", "10", Outcome.UNCHANGED),
    )
    assert report.verdict() == ("Held", "3 of 5 products held: OPTION_LIST_MISSING ×3")
    report.held_before = set()
    assert [r.key for r in report.new_held_reasons()["OPTION_LIST_MISSING"]] == ["0", "1", "2"]


def test_new_held_reasons_compare_with_what_was_held_when_the_run_started() -> None:
    report = _report(_held("1", Reason.PAYMENT_UNMAPPED), _held("2", Reason.VAT_UNMAPPED))
    assert report.new_held_reasons() == {}  # not read: never guess "new"
    report.held_before = {("orders", "PAYMENT_UNMAPPED"), ("stock", "VAT_UNMAPPED")}
    assert list(report.new_held_reasons()) == ["VAT_UNMAPPED"]  # per flow
    report.dry_run = True
    assert report.new_held_reasons() == {}


def test_warnings_are_bounded_and_name_every_reason_and_fix(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="mkmw_flows")
    records = [_held(str(n), Reason.PAYMENT_UNMAPPED) for n in range(LOG_RECORDS)]
    records += [_held(str(10_000 + n), Reason.VAT_UNMAPPED) for n in range(9_950)]
    assert log_problems(_report(*records)) == 10_000
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(lines) == LOG_RECORDS + 2  # 50 records, the remainder, VAT_UNMAPPED's fix
    assert lines[0] == (
        f"order 0 held [PAYMENT_UNMAPPED]: 0 is held. Fix: {FIXES[Reason.PAYMENT_UNMAPPED]}"
    )
    assert lines[LOG_RECORDS].startswith(
        "... and 9950 more held or failed records (VAT_UNMAPPED ×9950)"
    )
    assert "mkmw ledger show --integration winkel --run run-1" in lines[LOG_RECORDS]
    assert lines[-1] == (
        f"VAT_UNMAPPED: {EXPLANATIONS[Reason.VAT_UNMAPPED]} Fix: {FIXES[Reason.VAT_UNMAPPED]}"
    )
