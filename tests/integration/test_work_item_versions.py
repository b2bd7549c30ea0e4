"""No lost update on a shared queue: every item change is a compare-and-set on its version."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import Database
from kulisser.staff.actor import Actor
from kulisser.staff.models import Role
from kulisser.worklist import service as wl
from kulisser.worklist.concurrency import StaleItem, parse_if_match
from kulisser.worklist.models import WorkItem, WorkItemEvent
from tests import factories
from tests.factories import World

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Stockholm
THREADS = 32


def _item(db: Session, actor: Actor, **kw: object) -> WorkItem:
    return wl.create_item(db, actor=actor, kind="task", title="Ring patienten", now=NOW, **kw)


def _claims(db: Session, item_id: int) -> int:
    return len(db.scalars(select(WorkItemEvent).where(WorkItemEvent.work_item_id == item_id,
                                                      WorkItemEvent.type == "claimed")).all())


def _race(database: Database, item_id: int, actors: list[Actor],
          expected_version: int | None) -> tuple[list[int], list[BaseException]]:
    """Every actor claims the item at once in its own thread and transaction."""
    barrier = threading.Barrier(len(actors))
    won: list[int] = []
    lost: list[BaseException] = []
    lock = threading.Lock()

    def claim(actor: Actor) -> None:
        barrier.wait()
        try:
            with database.session() as s:
                wl.perform(s, actor=actor, item_id=item_id, operation="claim",
                           expected_version=expected_version)
        except BaseException as exc:  # every outcome is counted below
            with lock:
                lost.append(exc)
        else:
            with lock:
                won.append(actor.user_id)

    threads = [threading.Thread(target=claim, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return won, lost


@pytest.mark.parametrize("expected_version", [1, None], ids=["with-version", "old-client"])
def test_32_threads_claim_one_item_exactly_one_wins(database: Database,
                                                    expected_version: int | None) -> None:
    with database.session() as s:
        unit = factories.make_unit(s)
        users = [factories.make_user(s, unit, Role.SECRETARY) for _ in range(THREADS)]
        actors = [factories.actor_for(u) for u in users]
        item_id = _item(s, actors[0]).id
    won, lost = _race(database, item_id, actors, expected_version)
    assert len(won) == 1, (won, lost)
    # Every loser is told the item is taken: a conflict, not a database error.
    assert all(isinstance(e, StaleItem) for e in lost), [repr(e) for e in lost]
    assert len(lost) == THREADS - 1
    with database.session() as s:
        item = s.get(WorkItem, item_id)
        assert item is not None
        assert item.owner_id == won[0]
        assert item.version == 2
        assert _claims(s, item_id) == 1


def test_stale_claim_says_who_took_it_and_when(db: Session, world: World) -> None:
    anna = factories.make_user(db, world.unit_id, Role.SECRETARY, full_name="Anna Lind")
    me = factories.actor(db, world.secretary_id)
    item = _item(db, me)
    seen = item.version
    wl.perform(db, actor=factories.actor_for(anna), item_id=item.id, operation="claim",
               now=NOW + timedelta(minutes=42))
    with pytest.raises(StaleItem) as err:
        wl.perform(db, actor=me, item_id=item.id, operation="claim", expected_version=seen,
                   now=NOW + timedelta(minutes=43))
    assert err.value.code == "stale"
    assert err.value.message.startswith("Ärendet togs av Anna Lind 10:42")
    assert err.value.version == seen + 1
    assert item.owner_id == anna.id
    assert _claims(db, item.id) == 1


def test_claim_without_version_only_on_an_unowned_item(db: Session, world: World) -> None:
    me, colleague = factories.actor(db, world.secretary_id), factories.actor(db, world.secretary2_id)
    item = _item(db, me)
    wl.perform(db, actor=colleague, item_id=item.id, operation="claim", now=NOW)
    wl.perform(db, actor=colleague, item_id=item.id, operation="hold", reason="Väntar", now=NOW)
    with pytest.raises(StaleItem):
        wl.perform(db, actor=me, item_id=item.id, operation="claim", now=NOW)
    # With the version she saw (the colleague's on-hold pile), the claim is deliberate.
    wl.perform(db, actor=me, item_id=item.id, operation="claim", expected_version=item.version,
               now=NOW)
    assert item.owner_id == me.user_id


def test_every_change_bumps_the_version_and_a_stale_one_is_refused(db: Session, world: World) -> None:
    me = factories.actor(db, world.secretary_id)
    item = _item(db, me)
    v = item.version
    wl.add_comment(db, actor=me, item_id=item.id, text="Ringt en gång", expected_version=v, now=NOW)
    assert item.version == v + 1
    with pytest.raises(StaleItem):
        wl.add_comment(db, actor=me, item_id=item.id, text="Igen", expected_version=v, now=NOW)
    with pytest.raises(StaleItem):
        wl.change_due(db, actor=me, item_id=item.id, due_at=NOW + timedelta(days=1), reason="Sjuk",
                      expected_version=v, now=NOW)
    with pytest.raises(StaleItem):
        wl.perform(db, actor=me, item_id=item.id, operation="start", expected_version=v, now=NOW)
    wl.perform(db, actor=me, item_id=item.id, operation="start", expected_version=v + 1, now=NOW)
    assert item.version == v + 2
    assert item.status == "in-progress"


def test_if_match_header_parsing() -> None:
    assert parse_if_match(None) is None
    assert parse_if_match('"7"') == 7
    assert parse_if_match('W/"3", "4"') == 3
    assert parse_if_match("*") == "*"
    with pytest.raises(ValueError):
        parse_if_match('"abc"')
