"""The reminder run (booking's periodic job calls it), and the adapters the letters use."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from kulisser.adapters import build
from kulisser.db import utcnow
from kulisser.letters import sms
from kulisser.letters.mailbox import MailboxSender, default_mailbox

if TYPE_CHECKING:
    from kulisser.config import Settings

SMS_REMINDERS = "letters.sms_reminders"  # the job's name (booking registers it: booking/jobs.py)


@dataclass
class _Adapters:
    sms: sms.SmsSender | None = None
    mailbox: MailboxSender | None = None


# Test doubles only (configure()); without them each use builds the settings' adapter.
_overrides = _Adapters()
_lock = threading.Lock()


def configure(*, sms_sender: sms.SmsSender | None = None, mailbox: MailboxSender | None = None) -> None:
    """Use this SMS sender and mailbox in this process (tests); None: the settings' choice."""
    with _lock:
        _overrides.sms, _overrides.mailbox = sms_sender, mailbox


def sms_sender(settings: Settings) -> sms.SmsSender:
    """The SMS sender: KULISSER_SMS_ADAPTER's, else the logging default (or a test's)."""
    with _lock:
        if _overrides.sms is not None:
            return _overrides.sms
    if settings.sms_adapter:
        return build(settings.sms_adapter, settings)
    return sms.default_sender(settings.outbox)


def mailbox(settings: Settings) -> MailboxSender:
    """The mailbox: KULISSER_MAILBOX_ADAPTER's, else the file drop in the outbox (or a test's)."""
    with _lock:
        if _overrides.mailbox is not None:
            return _overrides.mailbox
    if settings.mailbox_adapter:
        return build(settings.mailbox_adapter, settings)
    return default_mailbox(settings.outbox)


def send_sms_reminders(*, session: Session, settings: Settings, visits: sms.VisitSource) -> None:
    """Send the reminders due for the visits the source gives (safe to run any number of times).

    Booking owns the visits, so booking's periodic job (named SMS_REMINDERS) calls this.
    """
    if not settings.sms_reminders:
        return
    sms.send_due_reminders(session, now=utcnow(), days_before=settings.sms_reminder_days_before,
                           sender=sms_sender(settings), visits=visits)
