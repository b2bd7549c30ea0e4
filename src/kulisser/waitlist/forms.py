"""Form helpers of the waiting-list pages: dates and numbers as typed, choices in Swedish."""

from __future__ import annotations

from datetime import date

from kulisser import bounds
from kulisser.i18n import N_, _
from kulisser.waitlist import guarantee as g
from kulisser.worklist.service import PRIORITY_LABELS, Priority

DATE_HINT = N_("ÅÅÅÅ-MM-DD")


def parse_date(value: str, field: str, errors: dict[str, str], *, required: bool = True
               ) -> date | None:
    """A YYYY-MM-DD form value as a date; a Swedish message in errors when bad or missing."""
    text = value.strip()
    if not text:
        if required:
            errors[field] = _("Ange ett datum ({hint}).", hint=_(DATE_HINT))
        return None
    try:
        return bounds.parse_day(text)
    except ValueError:
        errors[field] = _("Ogiltigt datum; skriv t.ex. 2026-12-01.")
        return None


def parse_int(value: str, field: str, errors: dict[str, str], *, required: bool = False
              ) -> int | None:
    """A whole number as typed, or a Swedish message in errors."""
    text = value.strip()
    if not text:
        if required:
            errors[field] = _("Ange ett heltal.")
        return None
    number = bounds.parse_int(text)
    if number is None:
        errors[field] = _("Ange ett heltal.")
    return number


def kind_choices(*, with_follow_up: bool = True) -> list[tuple[str, str]]:
    """The kinds of wait for a select."""
    return [(k.value, _(g.WAIT_KIND_LABELS[k])) for k in g.WaitKind
            if with_follow_up or k is not g.WaitKind.FOLLOW_UP]


def priority_choices() -> list[tuple[str, str]]:
    """The priorities for a select."""
    return [(p.value, _(PRIORITY_LABELS[p])) for p in Priority]


def response_choices(*, pending: bool = True) -> list[tuple[str, str]]:
    """The answers to an offer for a select."""
    return [(r.value, _(g.RESPONSE_LABELS[r])) for r in g.OfferResponse
            if pending or r is not g.OfferResponse.PENDING]


def reason_choices() -> list[tuple[str, str]]:
    """The reasons for excluded days for a select."""
    return [(r.value, _(g.REASON_LABELS[r])) for r in g.Reason]


def rename(errors: dict[str, str], names: dict[str, str]) -> dict[str, str]:
    """Service error keys as the page's field names (one page holds several forms)."""
    return {names.get(k, k): v for k, v in errors.items()}
