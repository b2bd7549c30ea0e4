"""Every registered kind against every worklist operation: a kind whose items a record owns never
has its item closed (or held) by the worklist, so its record and item stay consistent. The walk
reads the kind registry, so a new kind is covered without touching this test."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from kulisser.db import Database, utcnow
from kulisser.packages import setup
from kulisser.worklist import invariants
from kulisser.worklist import service as worklist
from kulisser.worklist.kinds import GENERIC_OPERATIONS, KindSpec, all_kinds
from kulisser.worklist.models import WorkItem
from kulisser.worklist.states import Operation, OwnedByRecord, Status, TransitionError, is_open
from tests import factories

setup()  # every installed package's kinds register, as in the app and the worker


def _prepared(s: Session, world: factories.World, spec: KindSpec, op: Operation) -> WorkItem:
    """A fresh item of the kind, in a status from which the operation is legal."""
    actor = factories.actor(s, world.secretary_id)
    item = worklist.create_item(s, actor=actor, kind=spec.code, title=f"Prov {spec.code}",
                                ref_type=spec.ref_type, ref_id=None)
    now = utcnow()
    if op in (Operation.HANDOVER, Operation.RESUME):
        item.claim(actor_id=world.secretary_id, now=now)
    if op is Operation.RESUME:
        item.hold(actor_id=world.secretary_id, reason="Väntar", now=now)
    s.flush()
    return item


def _owned(spec: KindSpec) -> bool:
    """A record owns the kind's items when the kind checks its records (and so closes its items)."""
    return spec.check is not None


def test_record_owned_kinds_allow_only_generic_operations() -> None:
    owned = [k for k in all_kinds() if _owned(k)]
    assert len(owned) >= 10  # dictation, referrals, results, waiting list, booking, letters
    assert {k.code: k.operations - GENERIC_OPERATIONS for k in owned} == {k.code: set() for k in owned}
    assert all(k.record_hint for k in owned)
    assert not _owned(invariants.UNOWNED)


@pytest.mark.parametrize("op", list(Operation))
def test_every_kind_and_operation_keeps_record_and_item_consistent(
        database: Database, world: factories.World, op: Operation) -> None:
    walked = 0
    for spec in all_kinds():
        with database.session() as s:
            item = _prepared(s, world, spec, op)
            was_open, status, events = is_open(item.status), item.status, len(item.events)
            try:
                worklist.perform(s, actor=factories.actor(s, world.secretary_id), item_id=item.id,
                                 operation=op, reason="Orsak", to_user_id=world.secretary2_id)
            except OwnedByRecord as exc:
                assert not spec.allows(op), spec.code
                assert (item.status, len(item.events)) == (status, events)  # nothing moved
                assert exc.message.startswith("Det går inte att")
                s.rollback()
                continue
            except TransitionError:
                s.rollback()
                continue
            assert spec.allows(op), (spec.code, op)
            if _owned(spec):
                # The record cannot have moved (the worklist knows no domain), so the item must
                # not have moved between open and closed, nor onto hold, either.
                assert is_open(item.status) == was_open, (spec.code, op)
                assert item.status != Status.ON_HOLD or status == Status.ON_HOLD, (spec.code, op)
            walked += 1
    assert walked > 0


def test_the_domain_itself_may_close_its_item(database: Database, world: factories.World) -> None:
    owned = next(k for k in all_kinds() if _owned(k))
    with database.session() as s:
        item = _prepared(s, world, owned, Operation.COMPLETE)
        actor = factories.actor(s, world.secretary_id)
        with pytest.raises(OwnedByRecord):
            worklist.perform(s, actor=actor, item_id=item.id, operation=Operation.COMPLETE)
        worklist.perform(s, actor=actor, item_id=item.id, operation=Operation.COMPLETE,
                         as_record=True)
        assert item.status == Status.COMPLETED
