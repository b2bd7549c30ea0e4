"""A result's statuses and the signing clinician's follow-up, with their Swedish labels."""

from __future__ import annotations

from enum import StrEnum

from kulisser.i18n import N_


class ResultStatus(StrEnum):
    """Where a result is on its way from arrival to signature."""

    UNMATCHED = "unmatched"  # the patient could not be matched: a secretary matches it
    TO_SIGN = "to_sign"  # routed to the ordering clinician or the unit's queue
    SIGNED = "signed"  # vidimerat: seen and signed by a clinician, locked


STATUS_LABELS = {
    ResultStatus.UNMATCHED: N_("Att matcha"),
    ResultStatus.TO_SIGN: N_("Att vidimera"),
    ResultStatus.SIGNED: N_("Vidimerat"),
}


class FollowUp(StrEnum):
    """What the signing clinician decides should happen next."""

    NONE = "none"
    CALL = "call"
    VISIT = "visit"
    LETTER = "letter"


FOLLOW_UP_LABELS = {
    FollowUp.NONE: N_("Ingen åtgärd"),
    FollowUp.CALL: N_("Ring patienten"),
    FollowUp.VISIT: N_("Boka besök"),
    FollowUp.LETTER: N_("Skicka brev"),
}
