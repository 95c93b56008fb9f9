"""One MplusClient used from several threads at once (the orders flow's write threads).

Every answer reaches the thread that asked, and the call counters count every call.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from mkmw_flows.mplus.models import Relation

from .conftest import Served

THREADS = 8
EACH = 5


def test_calls_from_threads_get_their_own_answers_and_are_all_counted(served: Served) -> None:
    client = served.client

    def work(thread: int) -> list[tuple[str, int, int]]:
        seen = []
        for i in range(EACH):
            email = f"draad{thread}-{i}@example.nl"
            created = client.create_relation(Relation(name=f"Draad {thread}.{i}", email=email))
            found = client.find_relation_by_email(email)
            assert found is not None
            seen.append((email, created.relation_number, found.relation_number))
        return seen

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = [row for rows in pool.map(work, range(THREADS)) for row in rows]

    assert len(results) == THREADS * EACH
    # each thread found the relation it created, and no two creates got the same number
    assert all(created == found for _, created, found in results)
    assert len({created for _, created, _ in results}) == THREADS * EACH
    for email, number, _ in results:
        assert served.emulator.backend.relations[number]["email"] == email
    assert client.stats.calls("createRelation") == THREADS * EACH
    assert client.stats.calls("findRelationV2") == THREADS * EACH
    assert client.stats.total_calls == 2 * THREADS * EACH
