"""The region administrator role (issue 15 item 6): who may hand it out, and how a login gets it.

She is created as every user is: by `kulisser user add --role region_admin` (a login of its own,
with a unit membership that only anchors her session), or in the staff register by an
administrator (a unit manager may not hand out a view of every unit)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from kulisser.cli import build_parser
from kulisser.db import utcnow
from kulisser.errors import ValidationFailed
from kulisser.staff import register
from kulisser.staff import service as staff
from kulisser.staff.models import ROLE_LABELS, Role
from tests import factories
from tests.staff.helpers import hsa, person


def test_the_role_has_a_swedish_name_and_the_cli_takes_it() -> None:
    assert ROLE_LABELS[Role.REGION_ADMIN] == "Regionadministratör"
    args = build_parser().parse_args(["user", "add", "rebecka", "--name", "Rebecka Lund",
                                      "--role", "region_admin", "--unit", "SE2321000016-R1"])
    assert args.role == "region_admin"


def test_only_an_administrator_hands_out_the_role(db: Session, world: factories.World) -> None:
    manager = factories.actor(db, world.manager_id)
    user = factories.make_user(db, world.unit_id, Role.SECRETARY)
    p = person(db, manager, username=user.username)
    start = (utcnow() - timedelta(days=1)).date()
    with pytest.raises(ValidationFailed) as refused:
        register.add_assignment(db, actor=manager, person_id=p.id, unit_id=world.unit_id,
                                purpose="administrative", role="region_admin",
                                commission_hsa_id=hsa("U"), valid_from=start)
    assert refused.value.errors == {"role": "Bara en administratör kan ge rollen regionadministratör."}
    admin = factories.actor(db, factories.make_user(db, world.unit_id, Role.ADMIN).id)
    register.add_assignment(db, actor=admin, person_id=p.id, unit_id=world.unit_id,
                            purpose="administrative", role="region_admin",
                            commission_hsa_id=hsa("U"), valid_from=start)
    # Her login now acts as a region administrator in that unit, whatever its own role says.
    access = staff.request_access(db, user_id=user.id, unit_id=world.unit_id)
    assert access is not None and access.role is Role.REGION_ADMIN
