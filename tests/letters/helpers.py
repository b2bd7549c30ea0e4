"""Letters about the route-coverage test's patient (tests/web/test_route_coverage.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from kulisser.db import utcnow
from kulisser.letters import printing, service
from kulisser.letters.merge import TZ
from tests import factories


def env_letter(e: Any, state: str = "ready") -> int:
    """A result letter about the Env's patient, by the world's secretary, in a state."""
    with e.database.session() as s:
        actor = factories.actor(s, e.world.secretary_id)
        letter = service.create_letter(s, actor=actor, patient_id=e.patient_id, kind="result",
                                       fields={"undersokning": "prover", "meddelande": "Bra"},
                                       ready=state != "draft")
        if state == "sent":
            service.act(s, actor=actor, letter_id=letter.id, op="sent")
        return letter.id


def env_batch(e: Any) -> int:
    """A print run of the unit's ready letters, holding one about the Env's patient."""
    env_letter(e)
    with e.database.session() as s:
        actor = factories.actor(s, e.world.secretary_id)
        return printing.create_batch(s, actor=actor, day=today()).id


def today() -> date:
    """Today in Sweden (the day a print run is for)."""
    return utcnow().astimezone(TZ).date()
