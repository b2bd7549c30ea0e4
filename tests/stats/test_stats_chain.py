"""The dictation chain's daily aggregate against hand-made histories: time in each step (per
visit, a question to the author counted as its own step), the two targets at exactly 2 and 14
days around Stockholm midnight, cancelled dictations left out and unusable ones leaving their
step; and the refresh job equal to a full recount on random histories."""

from __future__ import annotations

import contextlib
import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kulisser.db import Database, utcnow
from kulisser.dictation.catalog import default_note_type
from kulisser.dictation.models import Dictation
from kulisser.stats import aggregate, chain
from kulisser.stats.chain_models import ChainDay
from kulisser.stats.models import Watermark
from kulisser.worklist.service import TransitionError
from tests import factories

D = date(2026, 11, 10)  # a Tuesday, in Stockholm winter time (UTC+1)


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A Stockholm wall-clock time relative to D, as an aware datetime."""
    return datetime.combine(D + timedelta(days=day_offset), time(hour, minute), tzinfo=aggregate.TZ)


def dictate(s: Session, world: factories.World, when: datetime) -> Dictation:
    """A dictation recorded at a moment (no audio file: the chain reads statuses only)."""
    d = Dictation(unit_id=world.unit_id, patient_id=world.patient_ids[0], author_id=world.clinician_id,
                  note_type=default_note_type(s, unit_id=world.unit_id), audio_sha256="0" * 64,
                  audio_format="wav", audio_media_type="audio/wav", audio_duration_s=30.0,
                  audio_size=1, uploaded_by_id=world.clinician_id, uploaded_at=when, updated_at=when)
    s.add(d)
    d.record("uploaded", actor_id=world.clinician_id, now=when, to_status=d.status)
    s.flush()
    return d


def review(d: Dictation, world: factories.World, when: datetime) -> None:
    """The secretary's first saved text."""
    d.save_text(actor_id=world.secretary_id, text="Anamnes: mår bra.", now=when)


def test_known_histories(database: Database, world: factories.World) -> None:
    sec, doc = world.secretary_id, world.clinician_id
    with database.session() as s:
        a = dictate(s, world, at(0, 9))
        a.store_draft(text="utkast", words=[], model="m", language="sv", now=at(0, 9, 10))
        review(a, world, at(1, 10))                                       # draft: 24 h 50 min
        a.return_to_author(actor_id=sec, question="Vilken dos?", now=at(1, 11))  # review: 1 h
        a.answer_question(actor_id=doc, answer="5 mg", now=at(3, 11))    # returned: 48 h
        a.send_for_signature(actor_id=sec, now=at(3, 12))                # review again: 1 h
        a.sign(actor_id=doc, now=at(5, 12))                              # signature: 48 h
        # Dictated at Stockholm midnight starting D: its 2 days end at the end of D+2.
        b = dictate(s, world, at(0, 0))
        # A minute before that midnight: dictated on D-1, late at the end of D+2.
        c = dictate(s, world, at(-1, 23, 59))
        # In the record on D+1; never signed: unsigned after 14 days from the end of D+15.
        e = dictate(s, world, at(0, 8))
        review(e, world, at(1, 7))
        e.send_for_signature(actor_id=sec, now=at(1, 8))
        # Sent at the midnight that ends D+2: not late at the end of D+2, nor after.
        f = dictate(s, world, at(0, 12))
        review(f, world, at(2, 20))
        f.send_for_signature(actor_id=sec, now=at(3, 0))
        cancelled = dictate(s, world, at(0, 8))
        cancelled.cancel(actor_id=sec, reason="Dubblett", now=at(4, 8))
        unusable = dictate(s, world, at(0, 8))
        unusable.mark_unusable(actor_id=sec, reason="Brus", now=at(1, 8))
        s.flush()
        assert b.id and c.id
        rows = chain.compute(s, unit_id=world.unit_id, first=D - timedelta(days=1),
                             last=D + timedelta(days=16), now=at(20, 12))

    def row(offset: int, step: str) -> chain._Row:
        return rows.get((D + timedelta(days=offset), step), chain._Row())

    # Flow on D: a, b, e, f and the unusable one dictated (c the day before; the cancelled
    # one never counts); a left "dictated" after 10 minutes (the draft).
    assert (row(-1, "dictated").entered, row(0, "dictated").entered) == (1, 5)
    assert row(0, "dictated").left == 1 and row(0, "dictated").hours_hist == {"1": 1}
    assert row(1, "draft_ready").left == 1 and row(1, "draft_ready").hours_hist == {"25": 1}
    # Review: a's first stay (1 h) ended by the question on D+1, e's (stayed 1 h) too;
    # the answer brings a back to review, which it enters again on D+3.
    assert row(1, "in_review").left == 2 and row(1, "in_review").hours_hist == {"1": 2}
    assert row(1, "returned").entered == 1 and row(3, "returned").hours_hist == {"48": 1}
    assert row(3, "in_review").entered == 1
    assert row(5, "awaiting_signature").hours_hist == {"48": 1} and row(5, "signed").entered == 1
    assert row(1, "unusable").entered == 1 and row(1, "dictated").left == 2
    # Waiting at the end of D: b, c, e, f and the unusable one in "dictated", a in draft.
    assert row(0, "dictated").waiting == 5 and row(0, "draft_ready").waiting == 1
    assert row(0, "dictated").waiting_0_2 == 5
    # Not in the record after 2 days: at the end of D+1 c is 2 days old (fine); at the end of
    # D+2, c (3 days) is late but b (2 days, dictated at midnight) and f are not.
    assert sum(row(1, st).not_in_record_2 for st in chain.STEPS) == 0
    assert row(2, "dictated").not_in_record_2 == 1
    assert row(2, "in_review").waiting == 1 and row(2, "in_review").not_in_record_2 == 0
    # At the end of D+3: b is late too; a (answered, then sent), e and f await signature.
    assert row(3, "dictated").not_in_record_2 == 2
    assert row(3, "in_review").waiting == 0 and row(3, "awaiting_signature").waiting == 3
    assert row(3, "awaiting_signature").not_in_record_2 == 0
    # Unsigned after 14 days: e and f at the end of D+15 (15 days), not D+14; b and c too.
    assert sum(row(14, st).unsigned_14 for st in chain.STEPS) == 1  # c, dictated on D-1
    assert row(15, "awaiting_signature").unsigned_14 == 2
    assert row(15, "dictated").unsigned_14 == 2 and row(15, "dictated").waiting_over_14 == 2
    assert row(15, "dictated").waiting_3_14 == 0 and row(14, "dictated").waiting_3_14 == 1
    # The cancelled one never waited anywhere (it was counted in no row).
    assert sum(r.waiting for (d, _s), r in rows.items() if d == D) == 6


def _rows(s: Session, unit_id: int) -> list[tuple[object, ...]]:
    return [(r.day, r.step, r.entered, r.left, round(r.hours_sum, 6), dict(r.hours_hist), r.waiting,
             r.waiting_0_2, r.waiting_3_14, r.waiting_over_14, r.not_in_record_2, r.unsigned_14)
            for r in s.scalars(select(ChainDay).where(ChainDay.unit_id == unit_id)
                               .order_by(ChainDay.day, ChainDay.step))]


def _step(d: Dictation, world: factories.World, move: str, clock: datetime) -> None:
    sec, doc = world.secretary_id, world.clinician_id
    if move == "draft":
        d.store_draft(text="utkast", words=[], model="m", language="sv", now=clock)
    elif move == "save":
        review(d, world, clock)
    elif move == "send":
        d.send_for_signature(actor_id=sec, now=clock)
    elif move == "return":
        d.return_to_author(actor_id=sec, question="Vilken dos?", now=clock)
    elif move == "answer":
        d.answer_question(actor_id=doc, answer="5 mg", now=clock)
    elif move == "sign":
        d.sign(actor_id=doc, now=clock)
    elif move == "correct":
        d.correct(actor_id=doc, text=f"Rättad {clock.isoformat()}", reason="Fel dos", now=clock)
    elif move == "unusable":
        d.mark_unusable(actor_id=sec, reason="Brus", now=clock)
    else:
        d.cancel(actor_id=sec, reason="Fel patient", now=clock)


def test_random_histories_refreshed_step_by_step_equal_a_full_recount(
        database: Database, world: factories.World) -> None:
    """Dictations drafted, reviewed, returned, answered, sent, signed, corrected, marked unusable
    and cancelled (some long after they were dictated) over 20 days, the job run after each half
    day: its rows equal a full recount, and running it twice changes nothing."""
    rng = random.Random(15)
    base = utcnow().replace(microsecond=0) - timedelta(days=20)
    moves = ["draft", *["save"] * 3, *["send"] * 3, "return", "answer", "answer", *["sign"] * 4,
             "correct", "unusable", "cancel"]
    with database.session() as s:
        s.execute(delete(Watermark).where(Watermark.name == chain.JOB))
        s.add(Watermark(name=chain.JOB, until=base))
    ids: list[int] = []
    clock = base
    for step in range(40):
        clock = base + timedelta(hours=12 * step)
        with database.session() as s:
            for _n in range(rng.randint(0, 3)):
                clock += timedelta(minutes=rng.randint(1, 90))
                ids.append(dictate(s, world, clock).id)
            found = list(s.scalars(select(Dictation).where(Dictation.id.in_(ids)).order_by(Dictation.id)))
            for d in rng.sample(found, k=min(len(found), 4)):
                clock += timedelta(minutes=rng.randint(1, 60))
                # A move not allowed from its status leaves the dictation as it was.
                with contextlib.suppress(TransitionError):
                    _step(d, world, rng.choice(moves), clock)
        with database.session() as s:
            chain.refresh(s, now=clock + timedelta(minutes=5))
    with database.session() as s:
        incremental = _rows(s, world.unit_id)
        chain.refresh(s, now=clock + timedelta(minutes=5))
        assert _rows(s, world.unit_id) == incremental
        chain.rebuild(s, first=aggregate.local_day(base), last=aggregate.local_day(clock),
                      now=clock + timedelta(minutes=5), unit_ids=[world.unit_id])
        assert _rows(s, world.unit_id) == incremental
        statuses = {d.status for d in s.scalars(select(Dictation).where(Dictation.id.in_(ids)))}
    assert {"signed", "cancelled", "unusable", "returned"} <= statuses
    assert len(incremental) > 40 and any(r[10] for r in incremental)  # type: ignore[misc]
