"""The checks of what a user typed for a new wait and an offer: pure, before anything is loaded.

Each raises ValidationFailed with a Swedish message per field, or returns the cleaned values;
the operations in service.py call them before they touch an entry.
"""

from __future__ import annotations

from datetime import date, timedelta

from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.waitlist import guarantee as g
from kulisser.worklist.service import Priority

MAX_PAST_YEARS = 5
NOTE_MAX = 2000


def check_text(value: str, field: str, limit: int, errors: dict[str, str]) -> str:
    """The text stripped; a Swedish message in errors when it is over the limit."""
    text = value.strip()
    if len(text) > limit:
        errors[field] = _("Högst {limit} tecken.", limit=limit)
    return text


def check_new_entry(*, wait_kind: str, clock_start: date, priority: str, note: str,
                    medical_target_date: date | None, source_type: str | None, today: date) -> str:
    """Check a new entry's kind, dates, priority, note and source; the cleaned note."""
    errors: dict[str, str] = {}
    if wait_kind not in {k.value for k in g.WaitKind}:
        errors["wait_kind"] = _("Välj nybesök, behandling eller återbesök.")
    if clock_start > today:
        errors["clock_start"] = _("Väntetiden kan inte börja i framtiden.")
    elif clock_start < today - timedelta(days=365 * MAX_PAST_YEARS):
        errors["clock_start"] = _("Datumet ligger mer än {max_past_years} år bakåt; kontrollera det.",
                                  max_past_years=MAX_PAST_YEARS)
    if priority not in {p.value for p in Priority}:
        errors["priority"] = _("Okänd prioritet.")
    if wait_kind == g.WaitKind.FOLLOW_UP:
        if medical_target_date is None:
            errors["medical_target_date"] = _("Ange det medicinska måldatumet för återbesöket.")
        elif medical_target_date < clock_start:
            errors["medical_target_date"] = _("Måldatumet kan inte ligga före väntetidens start.")
    elif medical_target_date is not None and not errors.get("wait_kind"):
        errors["medical_target_date"] = (_("Medicinskt måldatum anges bara för återbesök; nybesök och "
                                           "behandling följs mot vårdgarantin."))
    note = check_text(note, "note", NOTE_MAX, errors)
    if source_type is not None and not 0 < len(source_type) <= 40:
        errors["source_type"] = _("Ogiltig källa.")
    if errors:
        raise ValidationFailed(errors)
    return note


def check_offer(*, clock_start: date, offered_on: date, visit_date: date, response: str,
                responded_on: date | None, note: str, today: date) -> tuple[date | None, str]:
    """Check an offer's days, response and note; the response's day (None while pending) and
    the cleaned note."""
    errors: dict[str, str] = {}
    if offered_on > today:
        errors["offered_on"] = _("Ett erbjudande kan inte registreras i förväg.")
    elif offered_on < clock_start:
        errors["offered_on"] = _("Erbjudandet kan inte ligga före väntetidens start.")
    if visit_date < offered_on:
        errors["visit_date"] = _("Den erbjudna tiden kan inte ligga före dagen då den erbjöds.")
    if response not in {r.value for r in g.OfferResponse}:
        errors["response"] = _("Välj obesvarat, accepterat eller avböjt.")
    elif response == g.OfferResponse.PENDING:
        responded_on = None
    else:
        responded_on = responded_on or offered_on
        if responded_on < offered_on or responded_on > today:
            errors["responded_on"] = _("Svarsdagen ska ligga mellan erbjudandet och i dag.")
    note = check_text(note, "note", 500, errors)
    if errors:
        raise ValidationFailed(errors)
    return responded_on, note
