"""The load benchmark's small version: the real server (2 workers) holds a 20-second burst.

Runs `benchmarks/load.py`'s own code against a fresh database of the suite's backend (so in
both the SQLite and the PostgreSQL pass: the freeze it guards against came from the pool and
the event loop on either): the demo's data, 32 clients without think time. It asserts only
what cannot depend on the machine's speed: no 5xx, no failed request (timeout or connection
error), the `/login` probe always answered, no double booking, and no answer outside the
scenario (which would mean the traffic itself is broken).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import load
from tests.conftest import exclusive, fresh_database_url

pytestmark = pytest.mark.load


def test_server_holds_a_burst_of_32_clients(tmp_path: Path) -> None:
    url, drop = fresh_database_url(tmp_path, "load")
    try:
        # make test runs its two passes at once: the two bursts take turns, not share the cores.
        with exclusive("load"):
            result = load.run(database_url=url, clients=32, day_seconds=0, burst_seconds=20,
                              timeout=30, secretaries=28, clinicians=4, queue_items=300, slots=600)
    finally:
        drop()  # type: ignore[operator]
    burst = result["phases"]["burst"]
    kinds = burst["kinds"]
    assert burst["status_5xx"] == 0, kinds
    assert burst["failed"] == 0, kinds
    assert burst["unexpected_4xx"] == 0, kinds
    assert burst["double_bookings"] == 0
    probe = burst["probe"]
    assert probe["answered"] > 0 and probe["failed"] == 0 and probe["status_5xx"] == 0, probe
    assert result["server_tracebacks"] == 0
    # Every kind of request of the scenario was sent and answered as the scenario expects.
    assert set(kinds) >= {"worklist_api", "worklist_html", "claim", "search", "book", "dictation"}, kinds
