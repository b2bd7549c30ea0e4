"""The access log's demo data: yesterday's reading of a few staff that the risk signals catch
(issue 13 item 8: "a few risk signals"), found by the signal rules themselves, so the manager's
`/logg/signaler` and her "Granska loggsignaler" item have something to review.

- Anna Lind (secretary) opens a patient with her own family name, a relative of hers;
- Karl Berg (clinician) reads three patients late in the evening, outside opening hours;
- Maja Ek (secretary) opens 60 distinct patients within half an hour.

Synthetic people only. Its own random generator, so that the packages seeded after it get the
same data as before.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kulisser.audit import items
from kulisser.audit.models import AuditEvent
from kulisser.audit.signal_rules import TZ, find_signals
from kulisser.identity import generate_personnummer
from kulisser.patients import service as patients

RELATIVE = ("Per", "Lind")  # shares the secretary Anna Lind's family name
MANY = 60  # distinct patients in half an hour (the rule's default limit is 50 within 60 minutes)


def _at(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=TZ)


def _read(user: Any, unit_id: int, patient_id: int, at: datetime) -> AuditEvent:
    return AuditEvent(at=at, user_id=user.id, username=user.username, role=user.role,
                      unit_id=unit_id, patient_id=patient_id, action="read", object_type="patient",
                      object_id=str(patient_id), outcome="allowed", login_method="password")


def seed(session: Session, *, now: datetime, unit_id: int, users: list[Any],
         patients: list[Any], **_ignored: object) -> None:
    """Write yesterday's telling audit rows, run the signal rules over that day, open the item."""
    by_name = {u.username: u for u in users}
    secretary, clinician, busy = by_name["sekreterare"], by_name["lakare"], by_name["sekreterare2"]
    relative = _relative(session, unit_id=unit_id, taken={p.id_value for p in patients})
    day = now.astimezone(TZ).date() - timedelta(days=1)
    rows = [_read(secretary, unit_id, relative.id, _at(day, 10, 12)),
            _read(secretary, unit_id, relative.id, _at(day, 10, 14))]
    rows += [_read(clinician, unit_id, p.id, _at(day, 22, 40 + 3 * n))
             for n, p in enumerate(patients[:3])]
    rows += [_read(busy, unit_id, p.id, _at(day, 13, n // 2, 30 * (n % 2)))
             for n, p in enumerate(patients[3:3 + MANY])]
    session.add_all(rows)
    session.flush()
    find_signals(session, day=day, now=now)
    items.sync_items(session, unit_ids=[unit_id], now=now)


def _relative(session: Session, *, unit_id: int, taken: set[str]) -> Any:
    """The secretary's relative: a patient of the demo unit with her family name."""
    rng = random.Random(13)
    ident = generate_personnummer(rng)
    while ident.value in taken:
        ident = generate_personnummer(rng)
    given, family = RELATIVE
    [relative] = patients.add_demo_patients(session, rows=[dict(
        id_kind=ident.kind.value, id_value=ident.value, given_name=given, family_name=family,
        phone=f"070-{rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        address="Lindvägen 3", postal_code="123 46", city="Kulisserstad",
        protected_identity=False)])
    session.flush()
    patients.add_demo_relations(session, unit_id=unit_id, patient_ids=[relative.id])
    return relative
