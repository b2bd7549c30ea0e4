"""Errors that services raise and both pages and the API turn into clear messages."""

from __future__ import annotations

from kulisser.i18n import N_, _


class ValidationFailed(ValueError):
    """Bad input: a Swedish message per field; nothing has been stored."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(LookupError):
    """The record does not exist (or is not visible to the user)."""

    def __init__(self, message: str = N_("Hittades inte.")) -> None:
        message = _(message)
        super().__init__(message)
        self.message = message


class Forbidden(PermissionError):
    """The user's role does not allow this (not a patient-data access question)."""

    def __init__(self, message: str = N_("Du har inte behörighet till detta.")) -> None:
        message = _(message)
        super().__init__(message)
        self.message = message
