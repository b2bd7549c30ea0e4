"""How long the demo's year of history takes to seed: the items, the aggregate, the whole demo.

Seeds the demo into a fresh SQLite file (or the empty database of ``--url``) and prints the
seconds spent writing the year of closed work items (``stats.demo_history``), building the
aggregate over every demo item (``stats.aggregate.refresh``), and the demo in all, with the
counts. Run with ``PYTHONPATH=src .venv/bin/python benchmarks/demo_history.py``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from kulisser import demo, migrate
from kulisser.db import Database
from kulisser.stats import aggregate, demo_history
from kulisser.worklist.models import WorkItem, WorkItemEvent

TIMES: dict[str, tuple[float, float]] = {}  # name -> (wall seconds, CPU seconds of this process)


def _timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[name] = (time.perf_counter() - start, time.process_time() - cpu)
    return run


def main() -> None:
    """Seed the demo once and print where its time went."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="an empty database (default: a fresh SQLite file)")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'demo.db'}"
    database = Database(url)
    migrate.upgrade(database.engine)
    demo_history.seed = _timed("history", demo_history.seed)
    aggregate.refresh = _timed("aggregate", aggregate.refresh)
    with database.session() as s:
        _timed("demo", demo.seed)(s)
    with database.session() as s:
        history = s.scalar(select(func.count()).select_from(WorkItem)
                           .where(WorkItem.description == demo_history.NOTE))
        events = s.scalar(select(func.count()).select_from(WorkItemEvent))
    print(f"database: {database.engine.dialect.name}")
    print(f"history items: {history}, work-item events in all: {events}")
    for name, label in (("history", "history seeding"), ("aggregate", "aggregate over every item"),
                        ("demo", "whole demo")):
        wall, cpu = TIMES[name]
        print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU (this process)")


if __name__ == "__main__":
    main()
