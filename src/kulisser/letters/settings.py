"""Settings of letters and reminders, read from KULISSER_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class LetterSettings:
    """How many days before a visit the SMS reminder goes out (0 = on the day itself)."""

    sms_reminder_days_before: int = 2
    sms_reminders: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LetterSettings:
        """KULISSER_SMS_REMINDER_DAYS_BEFORE (default 2), KULISSER_SMS_REMINDERS (on/off)."""
        env = os.environ if environ is None else environ
        days = env.get("KULISSER_SMS_REMINDER_DAYS_BEFORE", "").strip()
        enabled = env.get("KULISSER_SMS_REMINDERS", "").strip().lower()
        value = int(days) if days else cls.sms_reminder_days_before
        if not 0 <= value <= 60:
            raise ValueError("KULISSER_SMS_REMINDER_DAYS_BEFORE must be between 0 and 60")
        return cls(sms_reminder_days_before=value,
                   sms_reminders=enabled not in {"0", "false", "no", "off"})
