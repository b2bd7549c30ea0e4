"""The default standard times per kind of work: assumptions stated on the page, each with why.

A default is a starting point for the unit manager, not a measurement: every figure here is
either a rough estimate from how the work is done in this application or a plain guess, and
the page says which. A kind of work that is not the secretaries' (a clinician's signature, a
manager's review) has 0 minutes, stated as such; a kind whose work varies too much to guess has
no default at all and is shown as "no standard time", never counted as zero in silence.
"""

from __future__ import annotations

from dataclasses import dataclass

from kulisser.i18n import N_

# Hours of one full-time equivalent (årsarbetare) per month, for the gap in FTE: 40 hours a week
# is 173 hours a month on average, less the weekday public holidays (about 8 hours a month).
# Leave and sick days are not taken off here: the manager enters the hours actually staffed.
HOURS_PER_FTE = 165


@dataclass(frozen=True)
class Default:
    """A kind's default standard time (None: no default) and where it comes from, in Swedish."""

    minutes: int | None
    why: str


_CLINICIAN = N_("Klinikerns arbete, inte sekreterarens.")
_MANAGER = N_("Chefens eller administratörens arbete, inte sekreterarens.")
_COUNTED_ELSEWHERE = N_("Påminnelse om ett annat ärende, vars arbete räknas i sin egen typ.")

DEFAULTS: dict[str, Default] = {
    "callback": Default(6, N_(
        "Uppskattning: ett samtal på 3–4 minuter och en kort anteckning. Justera efter enhetens "
        "samtal.")),
    "letter": Default(5, N_(
        "Uppskattning: brevet skapas av systemet; kontroll, utskrift och kuvertering. Gissning att "
        "justera.")),
    "dictation": Default(20, N_(
        "Uppskattning: ett diktat på cirka 4 minuter tar 4–5 gånger sin längd att skriva ut och "
        "granska. Justera efter enhetens diktatlängd (se diktatkvaliteten).")),
    "dictation-question": Default(5, N_(
        "Gissning att justera: en fråga till den som dikterat och svaret in i texten.")),
    "dictation-redo": Default(5, N_("Gissning att justera: be om ny inspelning och följ upp.")),
    "signature": Default(0, _CLINICIAN),
    "result-review": Default(0, _CLINICIAN),
    "referral-assessment": Default(0, _CLINICIAN),
    "result-unmatched": Default(10, N_("Gissning att justera: leta upp patienten och matcha svaret.")),
    "referral-chase": Default(10, N_(
        "Gissning att justera: ett samtal eller brev till mottagaren och en anteckning.")),
    "waitlist": Default(15, N_("Gissning att justera: registrera på väntelistan, planera och erbjuda tid.")),
    "booking-rebook": Default(10, N_("Uppskattning: ett samtal till patienten, ny tid och nytt brev.")),
    "record-request": Default(30, N_(
        "Gissning att justera: sammanställa, maska och skicka en journalkopia; stora begäranden tar"
        " mycket längre.")),
    "coding": Default(5, N_("Gissning att justera: kontrollera och komplettera koderna för en kontakt.")),
    "coding-report": Default(30, N_(
        "Gissning att justera: granska och skicka månadens rapport till patientregistret.")),
    "unowned": Default(0, _COUNTED_ELSEWHERE),
    "escalation": Default(0, _COUNTED_ELSEWHERE),
    "audit-signals": Default(0, _MANAGER),
    "access-order-line": Default(0, _MANAGER),
    "access-review": Default(0, _MANAGER),
    "access-analyses": Default(0, _MANAGER),
}

NO_DEFAULT = N_(
    "Ingen standardtid: arbetet varierar för mycket för att gissa. Ange enhetens egen tid, "
    "annars räknas typen inte.")
