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


_adapters = _Adapters()
_lock = threading.Lock()


def configure(*, sms_sender: sms.SmsSender | None = None, mailbox: MailboxSender | None = None) -> None:
    """Set the process's SMS sender and mailbox in code (tests); None: the settings' choice."""
    with _lock:
        _adapters.sms, _adapters.mailbox = sms_sender, mailbox


def _settings(settings: Settings | None) -> Settings:
    from kulisser.config import get_settings

    return settings if settings is not None else get_settings()


def sms_sender(settings: Settings | None = None) -> sms.SmsSender:
    """The configured SMS sender: KULISSER_SMS_ADAPTER's, else the logging default."""
    with _lock:
        if _adapters.sms is None:
            chosen = _settings(settings)
            _adapters.sms = (build(chosen.sms_adapter, chosen) if chosen.sms_adapter
                             else sms.default_sender(chosen.outbox))
        return _adapters.sms


def mailbox(settings: Settings | None = None) -> MailboxSender:
    """The configured mailbox: KULISSER_MAILBOX_ADAPTER's, else the file drop in the outbox."""
    with _lock:
        if _adapters.mailbox is not None:
            return _adapters.mailbox
    chosen = _settings(settings)
    if chosen.mailbox_adapter:
        return build(chosen.mailbox_adapter, chosen)
    return default_mailbox(chosen.outbox)


def send_sms_reminders(*, session: Session, visits: sms.VisitSource) -> None:
    """Send the reminders due for the visits the source gives (safe to run any number of times).

    Booking owns the visits, so booking's periodic job (named SMS_REMINDERS) calls this.
    """
    from kulisser.config import get_settings

    settings = get_settings()
    if not settings.sms_reminders:
        return
    sms.send_due_reminders(session, now=utcnow(), days_before=settings.sms_reminder_days_before,
                           sender=sms_sender(), visits=visits)
