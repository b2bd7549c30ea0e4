"""The periodic reminder run, and the adapters the letters use (configurable; defaults on disk)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.jobs.runner import periodic
from kulisser.letters import sms
from kulisser.letters.mailbox import MailboxSender, default_mailbox
from kulisser.letters.settings import LetterSettings

SMS_REMINDERS = "letters.sms_reminders"


@dataclass
class _Adapters:
    sms: sms.SmsSender | None = None
    mailbox: MailboxSender | None = None


_adapters = _Adapters()
_lock = threading.Lock()


def configure(*, sms_sender: sms.SmsSender | None = None, mailbox: MailboxSender | None = None) -> None:
    """Set the process's SMS sender and mailbox (a real gateway; a fake in tests)."""
    with _lock:
        _adapters.sms, _adapters.mailbox = sms_sender, mailbox


def _data_dir() -> Path:
    from kulisser.config import get_settings

    return Path(get_settings().data_dir)


def sms_sender() -> sms.SmsSender:
    """The configured SMS sender, else the logging default under the data folder."""
    with _lock:
        if _adapters.sms is None:
            _adapters.sms = sms.default_sender(_data_dir())
        return _adapters.sms


def mailbox(data_dir: Path | None = None) -> MailboxSender:
    """The configured mailbox, else the file drop under the (given or configured) data folder."""
    with _lock:
        if _adapters.mailbox is not None:
            return _adapters.mailbox
    return default_mailbox(data_dir or _data_dir())


@periodic(SMS_REMINDERS, every_seconds=15 * 60)
def send_sms_reminders(*, session: Session) -> None:
    """Send the reminders that are due (safe to run any number of times)."""
    settings = LetterSettings.from_env()
    if not settings.sms_reminders:
        return
    sms.send_due_reminders(session, now=utcnow(), days_before=settings.sms_reminder_days_before,
                           sender=sms_sender())
