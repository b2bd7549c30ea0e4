"""Sending a kept report through the digital-mailbox adapter, once per report and recipient.

A unit's report goes to the unit's managers; the region's to the addresses configured in
``KULISSER_REPORT_RECIPIENTS`` (comma-separated: e-mail addresses, HSA-ids or whatever the
region's mailbox adapter delivers to). Each hand-over is a ``stats_report_send`` row; a
recipient with a row is not sent to again, and the adapter's reference is derived from the
report's content and the recipient, so a retry after a crash is idempotent there too.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import _
from kulisser.letters import service as letters
from kulisser.staff import service as staff
from kulisser.staff.service import Actor, Role
from kulisser.stats import report
from kulisser.stats.report_models import MonthlyReport, ReportSend

if TYPE_CHECKING:
    from kulisser.config import Settings

log = logging.getLogger("kulisser.stats.report")


@dataclass(frozen=True)
class Recipient:
    """Someone a report goes to: a stable key, a name to show, and what the adapter gets."""

    key: str
    name: str
    address: dict[str, Any]


def configured(settings: Settings) -> list[str]:
    """The region's recipients from the settings, in order, each once."""
    raw = settings.report_recipients
    seen: list[str] = []
    for part in raw.replace(";", ",").split(","):
        if part.strip() and part.strip() not in seen:
            seen.append(part.strip())
    return seen


def recipients(session: Session, *, settings: Settings, report_row: MonthlyReport) -> list[Recipient]:
    """Whom the report goes to: the unit's managers, or the region's configured addresses."""
    if report_row.unit_id is None:
        return [Recipient(key=f"address:{a}"[:200], name=a,
                          address={"kind": "address", "address": a})
                for a in configured(settings)]
    managers = [u for u in staff.unit_members(session, unit_id=report_row.unit_id)
                if u.role == Role.MANAGER.value]
    return [Recipient(key=f"user:{u.username}", name=u.full_name,
                      address={"kind": "staff", "username": u.username, "name": u.full_name,
                               "hsa_id": u.hsa_id})
            for u in managers]


def sends_of(session: Session, *, report_ids: list[int]) -> dict[int, list[ReportSend]]:
    """The sends recorded for each report, oldest first."""
    found: dict[int, list[ReportSend]] = {i: [] for i in report_ids}
    if report_ids:
        for row in session.scalars(select(ReportSend).where(ReportSend.report_id.in_(report_ids))
                                   .order_by(ReportSend.id)):
            found[row.report_id].append(row)
    return found


def reference(report_row: MonthlyReport, recipient: Recipient) -> str:
    """The adapter's reference of one hand-over: the report, its content and the recipient."""
    digest = hashlib.sha256(recipient.key.encode()).hexdigest()[:12]
    return f"rapport-{report_row.id}-{report_row.sha256[:12]}-{digest}"


def send(session: Session, *, settings: Settings, report_row: MonthlyReport, now: datetime,
         actor: Actor | None = None, tolerate_failures: bool = False) -> list[ReportSend]:
    """Hand the report to each recipient not yet sent to; return the new sends.

    ``actor`` None: the monthly job, which tolerates a failing adapter per recipient (logged,
    tried again on its next run) instead of losing the month's reports with it.
    """
    if actor is not None and not report.may_make(actor, region=report_row.unit_id is None):
        raise Forbidden(_("Bara enhetschefen skapar och skickar rapporten."))
    wanted = recipients(session, settings=settings, report_row=report_row)
    if not wanted:
        raise ValidationFailed({"mottagare": _(
            "Rapporten har inga mottagare: enheten har ingen enhetschef."
            if report_row.unit_id is not None else
            "Regionens mottagare är inte inställda (KULISSER_REPORT_RECIPIENTS).")})
    done = {s.recipient for s in sends_of(session, report_ids=[report_row.id])[report_row.id]}
    pdf = report.read_pdf(Path(settings.data_dir), report_row)
    made: list[ReportSend] = []
    for who in wanted:
        if who.key in done:
            continue
        envelope = {"document": "stats_report", "report_id": report_row.id,
                    "title": report_row.title, "month": f"{report_row.month:%Y-%m}",
                    "version": report_row.version,
                    "scope": "region" if report_row.unit_id is None else "unit",
                    "unit_id": report_row.unit_id, "recipient": who.address,
                    "created_at": now.isoformat()}
        try:
            ref = letters.send_document(settings=settings, reference=reference(report_row, who),
                                        pdf=pdf, envelope=envelope)
        except Exception:
            if not tolerate_failures:
                raise
            log.exception("report %s: the mailbox adapter failed for one recipient", report_row.id)
            continue
        row = ReportSend(report_id=report_row.id, recipient=who.key, recipient_name=who.name[:200],
                         reference=ref[:200], sent_at=now,
                         sent_by_id=actor.user_id if actor else None)
        session.add(row)
        made.append(row)
    session.flush()
    return made
