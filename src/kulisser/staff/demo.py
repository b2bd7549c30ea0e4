"""The demo unit's staff in the register: each demo login a person with an open-ended
assignment, and a locum who never logs in to Kulisser whose assignment ends in ten days.

The demo's logins keep open-ended assignments so that a demo database used for weeks still lets
everyone in; the seed draws nothing from `rng`, so the later packages' demo data stay the same.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kulisser.staff import register
from kulisser.staff import service as staff
from kulisser.staff.register_models import Purpose

PROFESSIONS = {"secretary": "Medicinsk sekreterare", "clinician": "Läkare",
               "manager": "Enhetschef", "admin": "Administratör"}


def seed(session: Session, *, rng: random.Random, now: datetime, unit_id: int, users: list[Any],
         patients: list[Any]) -> int:
    """Put the demo unit's staff in the register; return how many people."""
    manager = next(u for u in users if u.role == staff.Role.MANAGER)
    actor = staff.make_actor(manager, unit_id=unit_id)
    today = staff.local_today(now)
    for n, user in enumerate(users, start=1):
        person = register.create_person(session, actor=actor, username=user.username, now=now,
                                        values={"full_name": user.full_name,
                                                "hsa_id": f"SE2321000016-P{n:03d}",
                                                "profession": PROFESSIONS.get(user.role, ""),
                                                "email": f"{user.username}@kulisser.example",
                                                "phone": f"010-123 45 {10 + n}"})
        register.add_assignment(session, actor=actor, person_id=person.id, unit_id=unit_id,
                                purpose=Purpose.CARE.value, role=user.role,
                                commission_hsa_id=f"SE2321000016-U{n:03d}",
                                valid_from=today - timedelta(days=365 + 60 * n), now=now)
    locum = register.create_person(session, actor=actor, now=now, values={
        "full_name": "Ingrid Vik", "hsa_id": "SE2321000016-P100",
        "profession": "Medicinsk sekreterare (vikarie)",
        "email": "ingrid.vik@kulisser.example", "phone": "010-123 45 99"})
    register.add_assignment(session, actor=actor, person_id=locum.id, unit_id=unit_id,
                            purpose=Purpose.ADMINISTRATIVE.value, role=staff.Role.SECRETARY.value,
                            commission_hsa_id="SE2321000016-U100",
                            valid_from=today - timedelta(days=30),
                            valid_to=today + timedelta(days=10), now=now)
    return len(users) + 1
