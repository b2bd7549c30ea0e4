"""The demo's schedules: both demo clinicians planned for three weeks, visits booked, the list bookable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kulisser.booking.calendar import local
from kulisser.booking.models import Appointment, Resource, Slot
from kulisser.db import Database
from kulisser.staff import service as staff
from kulisser.staff.models import User
from kulisser.waitlist import service as waitlist
from tests.conftest import demo_database_url

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    url, drop, _made = demo_database_url(tmp_path_factory.mktemp("bdemo"), "bookingdemo", now=NOW)
    database = Database(url)
    yield database
    database.engine.dispose()
    drop()  # type: ignore[operator]


def test_both_demo_clinicians_have_three_weeks_of_slots(seeded: Database) -> None:
    with seeded.session() as s:
        for username in ("lakare", "lakare2"):
            user = s.scalar(select(User).where(User.username == username))
            assert user is not None
            resource = s.scalar(select(Resource).where(Resource.user_id == user.id))
            assert resource is not None and resource.name == user.full_name
            days = {
                local(x.start_at).date()
                for x in s.scalars(select(Slot).where(Slot.resource_id == resource.id))
            }
            assert min(days) == NOW.date() and max(days) >= NOW.date() + timedelta(days=17)
            assert max(days) < NOW.date() + timedelta(days=21)
            assert all(d.weekday() < 5 for d in days)


def test_demo_has_booked_visits_and_a_bookable_waiting_list(seeded: Database) -> None:
    with seeded.session() as s:
        statuses = dict(
            s.execute(select(Appointment.status, func.count()).group_by(Appointment.status)).all()
        )
        assert statuses["booked"] >= 30 and statuses["cancelled"] == 1
        from_list = s.scalars(select(Appointment).where(Appointment.waitlist_entry_id.is_not(None))).all()
        assert len(from_list) == 4
        assert any(e.type == "rebooked" for a in s.scalars(select(Appointment)) for e in a.events)
        secretary = s.scalar(select(User).where(User.username == "sekreterare"))
        assert secretary is not None
        actor = staff.make_actor(secretary, unit_id=from_list[0].unit_id)
        waiting = waitlist.list_entries(s, actor=actor, f=waitlist.WaitlistFilter(status="waiting"),
                                        limit=50, object_type=None, now=NOW)
        assert len(waiting) >= 10  # left for the demo user to book
        assert not {r.entry.id for r in waiting} & {a.waitlist_entry_id for a in from_list}


def test_demo_keeps_the_interpreter_need_internal_and_prints_no_internal_note(seeded: Database) -> None:
    from kulisser.letters.models import Letter

    with seeded.session() as s:
        visits = list(s.scalars(select(Appointment)))
        notes = {a.internal_note for a in visits if a.internal_note}
        assert any("tolk" in n.lower() for n in notes)
        assert any(a.patient_message for a in visits)
        assert not any("Behöver tolk" in a.patient_message for a in visits)
        for letter in s.scalars(select(Letter).where(Letter.source_type == "appointment")):
            printed = " ".join(letter.fields.values())
            assert not any(n in printed for n in notes), letter.id
