"""The demo unit's staff in the register: each demo login a person with an open-ended
assignment, and a locum who never logs in to Kulisser whose assignment ends in ten days.

The people's and assignments' HSA-ids are those of the demo's OpenID accounts
(`demo_accounts.json`, which the demo's test provider also reads), so that each demo login can
also log in through the provider; one of them has a second assignment at the demo's other unit.
The demo's logins keep open-ended assignments so that a demo database used for weeks still lets
everyone in; the seed draws nothing from `rng`, so the later packages' demo data stay the same.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.staff import register
from kulisser.staff import service as staff
from kulisser.staff.register_models import Purpose

PROFESSIONS = {"secretary": "Medicinsk sekreterare", "clinician": "Läkare",
               "manager": "Enhetschef", "admin": "Administratör"}
ACCOUNTS_FILE = Path(__file__).with_name("demo_accounts.json")
LOCUM = "vikarie"  # the provider account of the locum, who has no Kulisser login


@cache
def demo_accounts() -> dict[str, Any]:
    """The demo's OpenID accounts and the units of their extra assignments (one JSON file)."""
    data: dict[str, Any] = json.loads(ACCOUNTS_FILE.read_text(encoding="utf-8"))
    return data


def commissions(account: dict[str, Any]) -> list[str]:
    """An account's assignment HSA-ids, first the one at the demo clinic."""
    value = account.get("commissionHsaId", [])
    return [value] if isinstance(value, str) else list(value)


def seed(session: Session, *, rng: random.Random, now: datetime, unit_id: int, users: list[Any],
         patients: list[Any]) -> int:
    """Put the demo unit's staff in the register; return how many people."""
    actor = add_logins(session, now=now, unit_id=unit_id, users=users)
    today = staff.local_today(now)
    accounts = demo_accounts()["accounts"]
    locum_account = accounts[LOCUM]
    locum = register.create_person(session, actor=actor, now=now, values={
        "full_name": locum_account["name"], "hsa_id": locum_account["employeeHsaId"],
        "profession": "Medicinsk sekreterare (vikarie)",
        "email": "ingrid.vik@kulisser.example", "phone": "010-123 45 99"})
    register.add_assignment(session, actor=actor, person_id=locum.id, unit_id=unit_id,
                            purpose=Purpose.ADMINISTRATIVE.value, role=staff.Role.SECRETARY.value,
                            commission_hsa_id=commissions(locum_account)[0],
                            valid_from=today - timedelta(days=30),
                            valid_to=today + timedelta(days=10), now=now)
    return len(users) + 1


def add_logins(session: Session, *, now: datetime, unit_id: int, users: list[Any],
               first: int = 1) -> Any:
    """Each demo login a register person with an open-ended assignment at the demo unit (and
    the extra ones its account names); `first` numbers the fallback HSA-ids. Returns the
    manager's actor who wrote them."""
    managers = [u for u in staff.unit_members(session, unit_id=unit_id)
                if u.role == staff.Role.MANAGER]
    manager = next(u for u in [*managers, *users] if u.role == staff.Role.MANAGER)
    actor = staff.make_actor(manager, unit_id=unit_id)
    today = staff.local_today(now)
    data = demo_accounts()
    accounts, elsewhere = data["accounts"], data.get("commissionUnits", {})
    for n, user in enumerate(users, start=first):
        account = accounts.get(user.username, {})
        lines = commissions(account) or [f"SE2321000016-U{n:03d}"]
        person = register.create_person(session, actor=actor, username=user.username, now=now,
                                        values={"full_name": user.full_name,
                                                "hsa_id": account.get("employeeHsaId",
                                                                      f"SE2321000016-P{n:03d}"),
                                                "profession": PROFESSIONS.get(user.role, ""),
                                                "email": f"{user.username}@kulisser.example",
                                                "phone": f"010-123 45 {10 + n}"})
        register.add_assignment(session, actor=actor, person_id=person.id, unit_id=unit_id,
                                purpose=Purpose.CARE.value, role=user.role,
                                commission_hsa_id=lines[0],
                                valid_from=today - timedelta(days=365 + 60 * n), now=now)
        for commission in lines[1:]:
            other = session.scalar(select(staff.CareUnit.id).where(
                staff.CareUnit.hsa_id == elsewhere.get(commission, "")))
            if other is None:
                continue  # a database without the demo's other unit (a test's world)
            # The manager keeps the register for the demo's other clinic too.
            keeper = replace(actor, unit_ids=(*actor.unit_ids, other))
            register.add_assignment(session, actor=keeper, person_id=person.id, unit_id=other,
                                    purpose=Purpose.CARE.value, role=user.role,
                                    commission_hsa_id=commission,
                                    valid_from=today - timedelta(days=90), now=now)
    return actor
