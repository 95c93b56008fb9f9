"""The hostile-input corpus: one small declarative entry per bad input.

A :class:`Case` says what is planted where (``plant``), which flow run takes it (``group``),
what must come out (``expect``: a ledger reason code, ``created`` / ``updated`` for input that
must survive intact, or ``error:<TypedError>`` for a flow that must stop with a clear message)
and what must not have been written (``check``). Cases of one group share one flow run, so a
bad record always travels in a batch with good ones.

The entries are split by kind: bad records in corpus_data.py, hostile answers in
corpus_answers.py; the records, planting helpers and checks they use are in corpus_kit.py.
"""

from __future__ import annotations

from .corpus_answers import READ_ANSWERS, WRITE_ANSWERS
from .corpus_data import ORDER_DATA, STOCK_DATA
from .corpus_kit import Case, Group

GROUPS: dict[str, Group] = {
    "orders": Group("orders", settings={"status_write_back": {"imported": 6}}),
    "orders-stop": Group("orders", sequential=True),
    "stock": Group("stock"),
}

#: Every case, in table order (cases of one group share one flow run).
CASES: list[Case] = [*ORDER_DATA, *WRITE_ANSWERS, *READ_ANSWERS, *STOCK_DATA]
