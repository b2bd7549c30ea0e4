"""What record requests tell other packages: a copy or extract went out (no patient data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kulisser.events import Event


@dataclass(frozen=True, kw_only=True)
class RecordReleased(Event):
    """A request was delivered: what went to whom, when and how (ids and codes only)."""

    request_id: int
    release_id: int
    unit_id: int
    patient_id: int
    delivered_on: date
    how: str  # states.Delivery
    requester_kind: str  # states.RequesterKind
    outcome: str  # states.Outcome
