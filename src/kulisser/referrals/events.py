"""What the referrals tell other domains (kulisser.events): a referral was accepted.

Published inside the transaction of the decision; the waiting list subscribes and puts the
patient on the unit's list, so a failure there undoes the acceptance too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kulisser.events import Event
from kulisser.staff.service import Actor


@dataclass(frozen=True, kw_only=True)
class ReferralAccepted(Event):
    """A clinician accepted an incoming referral: the patient is to wait for a first visit."""

    referral_id: int
    actor: Actor
    at: datetime
    patient_id: int
    issued_on: date  # the care guarantee's clock starts on the day the sender issued it
    priority: str
    note: str = ""
