"""Demo referrals: 20 incoming in every state (one assessment overdue), 4 outgoing.

Everything goes through the service, as a user would do it, at times between the referral's
arrival and now. PDFs are attached only where the demo server's data directory is known.
"""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from kulisser.config import Settings
from kulisser.patients.service import Patient
from kulisser.referrals import service as referrals
from kulisser.referrals.jobs import chase_unanswered
from kulisser.referrals.messages import SWEDEN, today_in_sweden
from kulisser.referrals.storage import PdfStore, Upload
from kulisser.staff import service as staff
from kulisser.staff.service import Role, User

SENDERS = [("Vårdcentralen Norr, Kulisserstad", "SE2321000016-VCN1"),
           ("Vårdcentralen Söder, Kulisserstad", "SE2321000016-VCS2"),
           ("Husläkarmottagningen Ängen", "SE2321000016-HLA3"),
           ("Akutmottagningen, Kulissernas sjukhus", "SE2321000016-AKU4")]
QUESTIONS = ["Tilltagande andfåddhet vid ansträngning. Hjärtsvikt? Önskar bedömning och ekokardiografi.",
             "Förmaksflimmer med snabb kammarfrekvens trots betablockerare. Ställningstagande till "
             "fortsatt behandling.",
             "Nydebuterad diabetes typ 2 med högt HbA1c. Önskar hjälp med insättning av behandling.",
             "Återkommande bröstsmärta, normalt vilo-EKG. Arbetsprov?",
             "Svårbehandlad hypertoni trots tre läkemedel. Utredning av sekundär orsak?",
             "Viktnedgång och trötthet, lätt anemi. Önskar utredning."]
# The 20 referrals: (how far they got, priority, days since arrival).
PLAN = [("received", "normal", 0), ("received", "high", 0), ("received", "normal", 1),
        ("received", "normal", 6),  # the overdue assessment (72 hours for normal priority)
        ("registered", "normal", 0), ("registered", "low", 0),
        ("started", "normal", 1), ("started", "high", 0),
        ("asked", "normal", 1), ("asked", "low", 2), ("answered", "normal", 2),
        ("accepted", "normal", 9), ("accepted", "high", 5), ("accepted", "normal", 14),
        ("accepted", "low", 20), ("accepted", "acute", 2),
        ("rejected", "normal", 7), ("rejected", "low", 12), ("forwarded", "normal", 4),
        ("cancelled", "normal", 3)]
RECEIVERS = [("Kardiologiska kliniken, Universitetssjukhuset", "SE2321000016-KARD"),
             ("Lungmottagningen, Kulissernas sjukhus", "SE2321000016-LUNG"),
             ("Fysiologiska kliniken", "SE2321000016-FYSL")]


def _store(data_dir: Path | None) -> PdfStore | None:
    if data_dir is not None:
        return PdfStore(data_dir=data_dir)
    from kulisser.config import ConfigError, get_settings

    try:
        settings = get_settings()
    except (ConfigError, ValueError):
        return None
    return PdfStore.from_settings(settings) if settings.mode == "demo" else None


def _pdf(title: str) -> bytes:
    """A one-page PDF with a line of text (valid enough for any viewer)."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def seed(session: Session, *, rng: random.Random, now: datetime, unit_id: int, users: list[User],
         patients: list[Patient], data_dir: Path | None = None) -> int:
    """Register, assess and answer the demo referrals; return how many incoming were made."""
    store = _store(data_dir)
    secretaries = [u for u in users if u.role == Role.SECRETARY]
    clinicians = [u for u in users if u.role == Role.CLINICIAN]
    chosen = rng.sample(patients, len(PLAN) + 4)
    today = today_in_sweden(now)
    for n, (state, priority, age) in enumerate(PLAN):
        secretary = staff.make_actor(rng.choice(secretaries), unit_id=unit_id)
        doctor = staff.make_actor(rng.choice(clinicians), unit_id=unit_id)
        sender, hsa = rng.choice(SENDERS)
        # Registered on a Swedish working morning `age` days ago (today: an hour or so ago,
        # never later than now); the received date is that moment's Swedish calendar day.
        day = today - timedelta(days=age)
        morning = datetime.combine(day, time(8), tzinfo=SWEDEN).astimezone(UTC)
        at = min(morning + timedelta(minutes=rng.randint(0, 120)),
                 now - timedelta(minutes=rng.randint(1, 30)))
        received = today_in_sweden(at)
        uploads = ([Upload("remiss.pdf", io.BytesIO(_pdf(f"Remiss fran {hsa}")))]
                   if store is not None and n % 3 == 0 else [])
        patient = chosen[n]
        r = referrals.register_referral(session, actor=secretary, data=referrals.ReferralData(
            sender_name=sender, sender_hsa_id=hsa, identifier=patient.id_value,
            issued_on=(received - timedelta(days=rng.randint(1, 8))).isoformat(),
            received_on=received.isoformat(), question=rng.choice(QUESTIONS), priority=priority,
            assessor_id=doctor.user_id if rng.random() < 0.7 else None,
            confirm_receipt=state != "registered"), store=store, uploads=uploads, now=at)

        def step(t: datetime) -> datetime:
            return t + (now - t) * rng.uniform(0.2, 0.5)

        t = step(at)
        if state == "started":
            referrals.start_assessment(session, actor=doctor, referral_id=r.id, now=t)
        elif state in ("asked", "answered"):
            referrals.request_information(session, actor=doctor, referral_id=r.id, now=t,
                                          question="Finns aktuellt EKG och blodprover?")
            if state == "answered":
                referrals.register_answer(session, actor=secretary, referral_id=r.id, now=step(t),
                                          text="EKG och prover från förra veckan bifogas.")
        elif state == "accepted":
            referrals.accept(session, actor=doctor, referral_id=r.id, now=t,
                             note="Patienten kallas till nybesök.")
        elif state == "rejected":
            referrals.reject(session, actor=doctor, referral_id=r.id, now=t,
                             reason="Frågeställningen kan handläggas i primärvården. "
                                    "Återremittera vid utebliven effekt.")
        elif state == "forwarded":
            referrals.forward(session, actor=doctor, referral_id=r.id, now=t,
                              to_name="Endokrinologmottagningen", to_hsa_id="SE2321000016-ENDO",
                              reason="Frågan gäller endokrinologin.")
        elif state == "cancelled":
            referrals.cancel(session, actor=secretary, referral_id=r.id, now=t,
                             reason="Dubbelregistrerad")
    _seed_outgoing(session, rng=rng, now=now, unit_id=unit_id, clinicians=clinicians,
                   secretaries=secretaries, patients=chosen[len(PLAN):])
    return len(PLAN)


def _seed_outgoing(session: Session, *, rng: random.Random, now: datetime, unit_id: int,
                   clinicians: list[User], secretaries: list[User], patients: list[Patient]) -> None:
    # (state, days since written): a draft, one waiting, one chased (no reply in 40 days), one answered.
    for patient, (state, age) in zip(patients, [("draft", 0), ("sent", 10), ("sent", 40),
                                                ("replied", 20)], strict=True):
        doctor = staff.make_actor(rng.choice(clinicians), unit_id=unit_id)
        secretary = staff.make_actor(rng.choice(secretaries), unit_id=unit_id)
        receiver, hsa = rng.choice(RECEIVERS)
        written = now - timedelta(days=age, hours=rng.uniform(1, 4))
        o = referrals.create_outgoing(session, actor=doctor, now=written, data=referrals.OutgoingData(
            patient_id=patient.id, receiver_name=receiver, receiver_hsa_id=hsa,
            question=rng.choice(QUESTIONS), anamnesis="Tidigare frisk. Inga kända allergier."))
        if state == "draft":
            continue
        referrals.send_outgoing(session, actor=secretary, outgoing_id=o.id,
                                now=written + timedelta(hours=1))
        if state == "replied":
            referrals.register_reply(session, actor=secretary, outgoing_id=o.id,
                                     now=now - timedelta(days=2),
                                     text="Undersökningen visar normala fynd. Ingen åtgärd.")
    # The default number of days: the demo's referrals were sent at fixed ages.
    chase_unanswered(session, days=int(Settings.model_fields["referral_chase_days"].default), now=now)
