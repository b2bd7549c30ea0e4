"""Demo history for "does speech recognition help": signed dictations of the past months,
reviewed from the draft or typed without one, each with a plausible editor activity history.

Rows are made directly (no audio file, no work items: they are history the figures read).
Reviews from the draft take about 1.5–3 active minutes per audio minute, typed ones about
3.5–5.5; each review has a pause or two (some over two minutes, which do not count), and
some are done in two sittings on two days.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kulisser.dictation import catalog, quality
from kulisser.dictation.models import (
    REVIEW_EMPTY,
    REVIEW_FROM_DRAFT,
    Dictation,
    DictationEvent,
    NoteVersion,
    ReviewActivity,
)
from kulisser.patients.service import Patient
from kulisser.staff.service import Role, User

MONTHS = 6
PER_MONTH = 9  # of which a third typed without a draft
SIGNED = [
    "Anamnes: Patienten söker för tilltagande andfåddhet sedan några veckor. Status: Hjärtljuden "
    "är regelbundna och lungorna är fria. Bedömning: Sannolikt ansträngningsutlöst astma.",
    "Anamnes: Hosta sedan två veckor, ingen feber. Status: Lungorna är fria. Bedömning: "
    "Sannolikt virusinfektion. Åtgärd: Åter vid försämring.",
    "Dina blodprover från förra veckan var normala. Vi ses på ditt planerade återbesök i vår.",
]
# What a recognizer makes of some words (the errors the secretary fixes).
MISHEARD = {"andfåddhet": "andfådd het", "regelbundna": "regel bundna", "ansträngningsutlöst":
            "ansträngnings utlöst", "virusinfektion": "virus infektion", "Åter": "Åt er"}


def _draft(text: str, rng: random.Random) -> str:
    words = [MISHEARD.get(w, w) if rng.random() < 0.7 else w for w in text.split()]
    return " ".join(w for w in words if rng.random() > 0.03)


def _moments(start: datetime, active_s: float, rng: random.Random, *, two_days: bool) -> list[datetime]:
    """Moments 10–30 s apart adding up to active_s, with breaks that do not count."""
    moments, at, done = [start], start, 0.0
    while done < active_s:
        step = min(rng.uniform(10, 30), active_s - done)
        at += timedelta(seconds=step)
        done += step
        moments.append(at)
        if rng.random() < 0.04:
            at += timedelta(minutes=rng.uniform(3, 25))  # the phone, a colleague, coffee
            moments.append(at)
        if two_days and done > active_s / 2:
            at += timedelta(days=1)
            moments.append(at)
            two_days = False
    return moments


def seed_history(session: Session, *, unit_id: int, users: list[User], patients: list[Patient],
                 now: datetime, seed: int = 15) -> int:
    """Signed dictations of the last months reviewed both ways; return how many were made."""
    rng = random.Random(seed)  # its own: the other demo data stays as it was
    clinicians = [u for u in users if u.role == Role.CLINICIAN]
    secretaries = [u for u in users if u.role == Role.SECRETARY]
    if not clinicians or not secretaries or not patients:
        return 0
    kind = catalog.default_note_type(session, unit_id=unit_id)
    made = 0
    # The months before the current one; uploads in their first 20 days, so signed within.
    for month_start in quality.month_starts(now, MONTHS + 1)[:-1]:
        for n in range(PER_MONTH):
            typed = n % 3 == 0
            author, writer = rng.choice(clinicians), rng.choice(secretaries)
            uploaded = quality.local_midnight(month_start) + timedelta(days=rng.uniform(0, 20))
            audio_s = rng.uniform(60, 240)
            per_minute = rng.uniform(3.5, 5.5) if typed else rng.uniform(1.5, 3.0)
            start = uploaded + timedelta(hours=rng.uniform(1, 20))
            moments = _moments(start, audio_s * per_minute, rng, two_days=rng.random() < 0.2)
            signed_at = moments[-1] + timedelta(hours=rng.uniform(2, 24))
            text = rng.choice(SIGNED)
            d = Dictation(unit_id=unit_id, patient_id=rng.choice(patients).id, author_id=author.id,
                          note_type_id=kind.id, status="signed", audio_sha256=secrets.token_hex(32),
                          audio_format="wav", audio_media_type="audio/wav", audio_duration_s=audio_s,
                          audio_size=int(audio_s * 32_000), uploaded_by_id=author.id,
                          uploaded_at=uploaded, updated_at=signed_at, draft_text=_draft(text, rng),
                          draft_model="demo", draft_language="sv",
                          drafted_at=uploaded + timedelta(minutes=2), text=text, text_revision=1,
                          text_saved_at=moments[-1], text_saved_by_id=writer.id,
                          sent_for_signature_at=moments[-1], signed_at=signed_at,
                          signed_by_id=author.id, closed_at=signed_at,
                          review_mode=REVIEW_EMPTY if typed else REVIEW_FROM_DRAFT)
            d.versions.append(NoteVersion(version=1, text=text, signed_by_id=author.id,
                                          signed_at=signed_at))
            session.add(d)
            session.flush()
            session.add_all(ReviewActivity(dictation_id=d.id, user_id=writer.id, at=at, kind="key")
                            for at in moments)
            # Its way through the statuses, as the dictation chain's figures read it.
            steps = [(uploaded, "uploaded", None, "dictated", author.id),
                     (d.drafted_at, "draft_ready", "dictated", "draft_ready", None),
                     (moments[0], "review_started", "draft_ready", "in_review", writer.id),
                     (moments[-1], "sent_for_signature", "in_review", "awaiting_signature",
                      writer.id),
                     (signed_at, "signed", "awaiting_signature", "signed", author.id)]
            session.add_all(DictationEvent(dictation_id=d.id, type=type_, actor_id=actor, at=at,
                                           data={}, from_status=before, to_status=after)
                            for at, type_, before, after, actor in steps)
            made += 1
    session.flush()
    return made
