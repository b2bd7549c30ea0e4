"""A unit's month of work for the monthly-report tests: made, aggregated, and read back."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.stats import aggregate
from kulisser.stats.report_jobs import due_month
from kulisser.stats.report_sections import add_months, month_end
from kulisser.worklist import service as worklist
from tests import factories

INCOMING, DONE = 7, 3  # the month's tasks, and how many of them were done


@dataclass(frozen=True)
class Month:
    """The month seeded and what it holds."""

    month: date
    incoming: int = INCOMING
    done: int = DONE


def seed_month(session: Session, world: factories.World, *, now: datetime | None = None) -> Month:
    """The month the monthly job reports now: 7 tasks made in it, 3 done 5 hours later, one
    task the month before; the unit's aggregate rebuilt for both months."""
    now = now or utcnow()
    month = due_month(now)
    actor = factories.actor(session, world.secretary_id)
    noon = datetime.combine(month.replace(day=10), time(12), tzinfo=aggregate.TZ)
    for n in range(INCOMING):
        item = worklist.create_item(session, actor=actor, kind="task", title=f"Uppgift {n}",
                                    now=noon + timedelta(minutes=n),
                                    due_at=noon + timedelta(days=30))
        if n < DONE:
            item.complete(actor_id=world.secretary_id, now=noon + timedelta(hours=5))
    before = noon - timedelta(days=31)
    worklist.create_item(session, actor=actor, kind="task", title="Förra månaden", now=before,
                         due_at=before + timedelta(days=2))
    session.flush()
    aggregate.rebuild(session, first=add_months(month, -1), last=month_end(month),
                      unit_ids=[world.unit_id], now=now)
    return Month(month=month)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it (layout kept, so a table row stays one line)."""
    assert pdf.startswith(b"%PDF-")
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                         check=True)
    return out.stdout.decode("utf-8")


class RecordingMailbox:
    """A mailbox adapter that keeps what it was handed (letters and documents)."""

    def __init__(self) -> None:
        self.documents: list[dict[str, Any]] = []

    def send(self, *, letter_id: int, pdf: bytes, envelope: dict[str, Any]) -> str:
        """A letter (not used by the report)."""
        return f"letter-{letter_id}"

    def send_document(self, *, reference: str, pdf: bytes, envelope: dict[str, Any]) -> str:
        """Keep the document's reference, envelope and size."""
        self.documents.append({"reference": reference, "envelope": envelope, "size": len(pdf)})
        return reference
