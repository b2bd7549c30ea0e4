"""Shortcuts for the referral tests: PDFs, a registered referral, an outgoing one."""

from __future__ import annotations

import io
import secrets
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import Database, utcnow
from kulisser.patients.models import Patient
from kulisser.referrals import service as referrals
from kulisser.referrals.messages import today_in_sweden
from kulisser.referrals.models import OutgoingReferral, Referral
from kulisser.referrals.storage import PdfStore, Upload
from kulisser.worklist.models import WorkItem
from tests import factories

HSA = "SE2321000016-VCN1"


def pdf_bytes(marker: str | None = None) -> bytes:
    """A small, complete PDF whose content differs per call (so its hash is new)."""
    marker = marker or secrets.token_hex(8)
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Marker (" + marker.encode() + b") >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")


def upload(content: bytes, name: str = "remiss.pdf") -> Upload:
    """One upload of these bytes."""
    return Upload(filename=name, content=io.BytesIO(content))


def today() -> date:
    """Today in Sweden."""
    return today_in_sweden(utcnow())


def identifier_of(session: Session, patient_id: int) -> str:
    """A patient's identity number as stored (12 digits)."""
    patient = session.get(Patient, patient_id)
    assert patient is not None
    return patient.id_value


def data(world: factories.World, *, identifier: str, issued_days_ago: int = 12,
         received_days_ago: int = 2, **changes: object) -> referrals.ReferralData:
    """Typed values of a referral (issued 12 days ago, arrived 2 days ago)."""
    values: dict[str, object] = dict(
        sender_name="Vårdcentralen Norr", sender_hsa_id=HSA,
        issued_on=(today() - timedelta(days=issued_days_ago)).isoformat(),
        received_on=(today() - timedelta(days=received_days_ago)).isoformat(),
        identifier=identifier, question="Bröstsmärta vid ansträngning. Utredning?",
        priority="normal", assessor_id=world.clinician_id)
    values.update(changes)
    return referrals.ReferralData(**values)  # type: ignore[arg-type]


def register(session: Session, world: factories.World, *, user_id: int | None = None,
             patient_id: int | None = None, store: PdfStore | None = None,
             files: list[bytes] | None = None, now: datetime | None = None,
             **changes: object) -> Referral:
    """Register a referral (about the world's first patient) as the world's secretary."""
    if "identifier" not in changes:
        changes["identifier"] = identifier_of(session, patient_id or world.patient_ids[0])
    actor = factories.actor(session, user_id or world.secretary_id)
    return referrals.register_referral(
        session, actor=actor, data=data(world, **changes),  # type: ignore[arg-type]
        store=store, uploads=[upload(f) for f in files or []], now=now)


def assessment_items(session: Session, referral_id: int) -> list[WorkItem]:
    """Every assessment item of a referral, oldest first."""
    return list(session.scalars(select(WorkItem).where(
        WorkItem.ref_type == "referral", WorkItem.ref_id == referral_id).order_by(WorkItem.id)))


def outgoing(session: Session, world: factories.World, *, user_id: int | None = None,
             **changes: object) -> OutgoingReferral:
    """A draft outgoing referral about the world's first patient, written by its clinician."""
    values: dict[str, object] = dict(
        patient_id=world.patient_ids[0], receiver_name="Kardiologiska kliniken",
        receiver_hsa_id="SE2321000016-KARD", question="Förmaksflimmer. Ablation?",
        anamnesis="Hjärtklappning sedan två år.", priority="normal")
    values.update(changes)
    actor = factories.actor(session, user_id or world.clinician_id)
    return referrals.create_outgoing(session, actor=actor,
                                     data=referrals.OutgoingData(**values))  # type: ignore[arg-type]


class EnvLike(Protocol):
    """What the route tables' Env offers (tests/web/test_route_coverage.py)."""

    database: Database
    world: factories.World
    patient_id: int
    data_dir: Path


def env_referral(e: EnvLike, *, confirm: bool = True) -> tuple[int, int]:
    """A referral about the Env's patient with one PDF: (referral id, attachment id)."""
    with e.database.session() as s:
        r = register(s, e.world, patient_id=e.patient_id, store=PdfStore(data_dir=Path(e.data_dir)),
                     files=[pdf_bytes()], confirm_receipt=confirm)
        return r.id, r.attachments[0].id


def env_outgoing(e: EnvLike, state: str = "draft") -> tuple[int, int | None]:
    """An outgoing referral about the Env's patient in a state: (id, reply PDF id or None)."""
    with e.database.session() as s:
        o = outgoing(s, e.world, patient_id=e.patient_id)
        actor = factories.actor(s, e.world.secretary_id)
        if state in ("sent", "replied"):
            referrals.send_outgoing(s, actor=actor, outgoing_id=o.id)
        if state == "replied":
            referrals.register_reply(s, actor=actor, outgoing_id=o.id, text="Svar",
                                     store=PdfStore(data_dir=Path(e.data_dir)),
                                     uploads=[upload(pdf_bytes())])
            return o.id, o.attachments[0].id
        return o.id, None


def env_identifier(e: EnvLike) -> str:
    """The Env patient's identity number."""
    with e.database.session() as s:
        return identifier_of(s, e.patient_id)


def env_asked(e: EnvLike) -> int:
    """A referral about the Env's patient that waits for the sender's answer."""
    referral_id, _attachment = env_referral(e)
    with e.database.session() as s:
        referrals.request_information(s, actor=factories.actor(s, e.world.clinician_id),
                                      referral_id=referral_id, question="EKG?")
    return referral_id
