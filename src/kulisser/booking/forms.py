"""Reading the booking pages' form fields: typed text in, values or Swedish field errors out."""

from __future__ import annotations

from datetime import date, time

from kulisser import bounds
from kulisser.errors import ValidationFailed
from kulisser.i18n import _


class FormErrors(dict[str, str]):
    """Field errors collected while parsing; raise() when any."""

    def raise_if_any(self) -> None:
        """Raise ValidationFailed with the collected errors, if there are any."""
        if self:
            raise ValidationFailed(dict(self))


def opt_int(text: str | None, field: str, errors: FormErrors) -> int | None:
    """An optional whole number (an id from a select)."""
    value = (text or "").strip()
    if not value:
        return None
    number = bounds.parse_int(value)
    if number is None:
        errors[field] = _("Ogiltigt val.")
    return number


def opt_date(text: str | None, field: str, errors: FormErrors) -> date | None:
    """An optional date written as ÅÅÅÅ-MM-DD."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        return bounds.parse_day(value)
    except ValueError:
        errors[field] = _("Skriv datumet som ÅÅÅÅ-MM-DD.")
        return None


def opt_time(text: str | None, field: str, errors: FormErrors) -> time | None:
    """An optional wall-clock time written as tt:mm."""
    value = (text or "").strip().replace(".", ":")
    if not value:
        return None
    try:
        parsed = time.fromisoformat(value if len(value) > 2 else f"{value}:00")
    except ValueError:
        errors[field] = _("Skriv tiden som tt:mm, t.ex. 08:30.")
        return None
    if parsed.tzinfo is not None:
        # Python reads "08:30Z" and "08:30+01:00"; a schedule's times are Swedish wall-clock.
        errors[field] = _("Skriv tiden utan tidszon (svensk tid), t.ex. 08:30.")
        return None
    return parsed.replace(second=0, microsecond=0)


def renamed(errors: dict[str, str], names: dict[str, str]) -> dict[str, str]:
    """A service's field errors under the form's own field names."""
    return {names.get(k, k): v for k, v in errors.items()}
