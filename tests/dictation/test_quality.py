"""Quality figures: word alignment, draft error rate and marked-word recall, the monthly
aggregation in Stockholm time, the backlog buckets, the manager's page and its CSV."""

from __future__ import annotations

import csv
import io
import random
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from kulisser.db import Database, utcnow
from kulisser.dictation import catalog, quality
from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation, NoteVersion
from kulisser.dictation.quality import TZ, age_bucket, draft_quality, month_starts
from kulisser.dictation.storage import AudioStore
from kulisser.patients.models import Patient
from kulisser.speech.wer import EditOp, align, word_errors
from tests import factories
from tests.dictation import helpers

# A visit note's draft, word by word with the editor's attention marks, and the signed text.
# By hand: "sen" was replaced by "sedan" (marked), "eh" removed (not marked), "ingen feber"
# added; "tre" and "alvedon" were marked but kept ("Alvedon" differs only in case).
DRAFT_1 = [("Patienten", False), ("söker", False), ("för", False), ("buksmärta", False),
           ("sen", True), ("tre", True), ("dagar,", False), ("äter", False), ("alvedon", True),
           ("eh", False), ("vid", False), ("behov.", False)]
SIGNED_1 = "Patienten söker för buksmärta sedan tre dagar. Äter Alvedon vid behov, ingen feber."
WER_1 = 4 / 13  # 1 substitution + 2 deletions (ingen, feber) + 1 insertion (eh), 13 signed words
# "140/90." is one recognized word that normalizes to two, both marked; 140 became 145.
DRAFT_2 = [("Blodtrycket", False), ("140/90.", True)]
SIGNED_2 = "Blodtrycket 145/90."
WER_2 = 1 / 3


def op(kind: str, ref: int | None, hyp: int | None) -> EditOp:
    return EditOp(op=kind, ref=ref, hyp=hyp)


# -- alignment -------------------------------------------------------------------------------

def test_align_hand_made_examples() -> None:
    assert align(["a", "b"], ["a", "b"]) == [op("equal", 0, 0), op("equal", 1, 1)]
    assert align(["a", "b", "c", "d"], ["a", "x", "c", "d"]) == [
        op("equal", 0, 0), op("substitute", 1, 1), op("equal", 2, 2), op("equal", 3, 3)]
    assert align(["a", "b", "c"], ["a", "c"]) == [
        op("equal", 0, 0), op("delete", 1, None), op("equal", 2, 1)]
    assert align(["a", "c"], ["a", "b", "c"]) == [
        op("equal", 0, 0), op("insert", None, 1), op("equal", 1, 2)]
    assert align([], ["a", "b"]) == [op("insert", None, 0), op("insert", None, 1)]
    assert align(["a"], []) == [op("delete", 0, None)]
    assert align([], []) == []
    # Two substitutions cost as much as a deletion plus an insertion; ties go to fewer
    # substitutions only when the edit count is equal, so a shifted word is two edits.
    assert align(["x", "a", "b"], ["a", "b", "y"]) == [
        op("delete", 0, None), op("equal", 1, 0), op("equal", 2, 1), op("insert", None, 2)]


def test_align_agrees_with_word_errors_and_covers_every_word() -> None:
    rng = random.Random(7)
    vocabulary = ["och", "i", "att", "det", "som", "en", "på", "är"]
    for _ in range(400):
        ref = [rng.choice(vocabulary) for _ in range(rng.randrange(0, 10))]
        hyp = [rng.choice(vocabulary) for _ in range(rng.randrange(0, 10))]
        ops = align(ref, hyp)
        counted = word_errors(reference=" ".join(ref), hypothesis=" ".join(hyp))
        assert (sum(o.op == "substitute" for o in ops), sum(o.op == "delete" for o in ops),
                sum(o.op == "insert" for o in ops)) == (
            counted.substitutions, counted.deletions, counted.insertions)
        assert [o.ref for o in ops if o.ref is not None] == list(range(len(ref)))
        assert [o.hyp for o in ops if o.hyp is not None] == list(range(len(hyp)))
        for o in ops:
            if o.op in ("equal", "substitute"):
                assert o.ref is not None and o.hyp is not None
                assert (ref[o.ref] == hyp[o.hyp]) == (o.op == "equal")


# -- one draft against its signed text ------------------------------------------------------

def _words(draft: list[tuple[str, bool]] | None, *, marks: bool = True) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i, (text, attention) in enumerate(draft or []):
        word: dict[str, object] = {"start": i * 0.4, "end": i * 0.4 + 0.3, "text": text,
                                   "probability": 0.5 if attention else 0.95}
        if marks:
            word["attention"] = attention
        out.append(word)
    return out


def test_draft_quality_by_hand() -> None:
    q = draft_quality(draft_text=" ".join(w for w, _ in DRAFT_1), draft_words=_words(DRAFT_1),
                      signed_text=SIGNED_1)
    assert (q.substitutions, q.deletions, q.insertions) == (1, 2, 1)
    assert (q.reference_words, q.hypothesis_words) == (13, 12)
    assert q.wer == pytest.approx(WER_1)
    assert (q.changed, q.marked, q.marked_changed, q.has_marks) == (2, 3, 1, True)  # recall 1/2
    q2 = draft_quality(draft_text="Blodtrycket 140/90.", draft_words=_words(DRAFT_2),
                       signed_text=SIGNED_2)
    assert q2.wer == pytest.approx(WER_2)
    assert (q2.changed, q2.marked, q2.marked_changed) == (1, 2, 1)


def test_a_draft_without_marks_counts_for_the_error_rate_only() -> None:
    q = draft_quality(draft_text="", draft_words=_words(DRAFT_1, marks=False), signed_text=SIGNED_1)
    assert q.wer == pytest.approx(WER_1) and not q.has_marks and q.marked_changed == 0
    month = quality.MonthFigures(start=datetime(2026, 1, 1).date())
    quality.summarize_drafts(month, [q])
    assert month.drafts == 1 and month.marked_drafts == 0 and month.recall is None


# -- the monthly report ---------------------------------------------------------------------

def add(s: Session, world: factories.World, *, uploaded: datetime, priority: str = "normal",
        seconds: float = 60.0, signed: datetime | None = None, closed: datetime | None = None,
        draft: list[tuple[str, bool]] | None = None, marks: bool = True, signed_text: str = "Text.",
        unit_id: int | None = None) -> Dictation:
    """A dictation row as it is after the flow (the timestamps are the test's clock)."""
    unit_id = unit_id or world.unit_id
    patient = world.patient_ids[0] if unit_id == world.unit_id else world.stranger_patient_id
    kind = catalog.default_note_type(s, unit_id=unit_id)
    d = Dictation(unit_id=unit_id, patient_id=patient, author_id=world.clinician_id,
                  note_type_id=kind.id, priority=priority,
                  status="signed" if signed else ("cancelled" if closed else "in_review"),
                  audio_sha256=secrets.token_hex(32), audio_format="wav",
                  audio_media_type="audio/wav", audio_duration_s=seconds, audio_size=1000,
                  uploaded_by_id=world.clinician_id, uploaded_at=uploaded, updated_at=uploaded,
                  signed_at=signed, signed_by_id=world.clinician_id if signed else None,
                  closed_at=closed or signed)
    if draft is not None:
        d.draft_text = " ".join(w for w, _ in draft)
        d.draft_words = _words(draft, marks=marks)
        d.drafted_at, d.draft_model, d.draft_language = uploaded + timedelta(minutes=1), "fake", "sv"
    if signed is not None:
        d.versions.append(NoteVersion(version=1, text=signed_text, signed_by_id=world.clinician_id,
                                      signed_at=signed))
    s.add(d)
    s.flush()
    return d


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_month_starts_follow_stockholm_time() -> None:
    # 23:30 UTC on 31 January is 00:30 on 1 February in Stockholm (UTC+1).
    assert month_starts(z("2026-01-31T23:30"), 2) == [datetime(2026, 1, 1).date(),
                                                      datetime(2026, 2, 1).date()]
    assert month_starts(z("2026-01-31T22:30"), 1) == [datetime(2026, 1, 1).date()]
    assert len(month_starts(z("2026-04-10T10:00"))) == 12
    assert month_starts(z("2026-04-10T10:00"))[0] == datetime(2025, 5, 1).date()


def test_monthly_figures_across_month_boundaries(db: Session, world: factories.World) -> None:
    now = z("2026-04-10T10:00")  # the window: May 2025 .. April 2026, Stockholm months
    # January 23:30 local; signed 01:30 on 1 February local: 2 h, signed in February.
    add(db, world, uploaded=z("2026-01-31T22:30"), seconds=90, signed=z("2026-02-01T00:30"),
        draft=DRAFT_1, signed_text=SIGNED_1)
    # 00:30 on 1 February local; signed 36 h later.
    add(db, world, uploaded=z("2026-01-31T23:30"), seconds=30, signed=z("2026-02-02T11:30"),
        draft=DRAFT_2, signed_text=SIGNED_2)
    # March, high priority, a draft without attention marks that was right: 2 h.
    add(db, world, uploaded=z("2026-03-02T08:00"), priority="high", signed=z("2026-03-02T10:00"),
        draft=[("Status", False), ("utan", False), ("anmärkning.", False)], marks=False,
        signed_text="Status utan anmärkning.")
    # 23:30 on 31 March local (CEST, UTC+2 since 29 March): March, and still open.
    add(db, world, uploaded=z("2026-03-31T21:30"))
    # 00:30 on 1 April local; acute; no draft (recognition failed): 4 h, turnaround only.
    add(db, world, uploaded=z("2026-03-31T22:30"), priority="acute", signed=z("2026-04-01T02:30"))
    # 23:30 on 30 April 2025 local: before the window.
    add(db, world, uploaded=z("2025-04-30T21:30"), closed=z("2025-05-02T08:00"))
    # 00:30 on 1 May 2025 local: the first month; open until 5 June (cancelled).
    add(db, world, uploaded=z("2025-04-30T22:30"), closed=z("2025-06-05T08:00"))
    # Another unit's dictation never counts.
    add(db, world, uploaded=z("2026-02-10T10:00"), unit_id=world.other_unit_id)
    db.flush()

    report = quality.unit_report(db, unit_id=world.unit_id, now=now)
    by_month = {m.start.strftime("%Y-%m"): m for m in report.months}
    assert (report.months[0].start.isoformat(), report.months[-1].start.isoformat()) == (
        "2025-05-01", "2026-04-01")
    assert {k: m.uploaded for k, m in by_month.items() if m.uploaded} == {
        "2025-05": 1, "2026-01": 1, "2026-02": 1, "2026-03": 2, "2026-04": 1}
    assert by_month["2026-01"].audio_minutes == pytest.approx(1.5)
    assert by_month["2026-02"].audio_minutes == pytest.approx(0.5)
    assert {k: m.signed for k, m in by_month.items() if m.signed} == {
        "2026-02": 2, "2026-03": 1, "2026-04": 1}
    feb, mar, apr = by_month["2026-02"], by_month["2026-03"], by_month["2026-04"]
    assert feb.turnaround_hours == {"acute": None, "high": None, "normal": 19.0, "low": None}
    assert feb.turnaround_counts["normal"] == 2
    assert mar.turnaround_hours["high"] == pytest.approx(2.0)
    assert apr.turnaround_hours["acute"] == pytest.approx(4.0)
    # Draft quality: February has both hand-computed drafts; recall (1 + 1) / (2 + 1).
    assert feb.drafts == 2 and feb.marked_drafts == 2
    assert feb.wer_mean == pytest.approx((WER_1 + WER_2) / 2)
    assert feb.wer_median == pytest.approx((WER_1 + WER_2) / 2)
    assert (feb.changed_words, feb.marked_changed_words) == (3, 2)
    assert feb.recall == pytest.approx(2 / 3)
    assert mar.drafts == 1 and mar.wer_mean == 0.0 and mar.marked_drafts == 0 and mar.recall is None
    assert apr.drafts == 0 and apr.wer_mean is None and apr.signed == 1  # no draft: turnaround only
    # Backlog at each month's end: January's end (00:00 1 Feb local) finds the first
    # dictation 30 minutes old; March's end finds the open one 30 minutes old.
    assert by_month["2026-01"].backlog == {"under_1d": 1, "1_3d": 0, "3_7d": 0, "1_2w": 0, "over_2w": 0}
    assert by_month["2026-02"].backlog_total == 0
    assert by_month["2026-03"].backlog["under_1d"] == 1 and by_month["2026-03"].backlog_total == 1
    assert by_month["2025-05"].backlog["over_2w"] == 1  # open 1 May-5 June
    assert by_month["2025-06"].backlog_total == 0
    # Now (10 April, 12:00 local) the March dictation is 9.5 days old.
    assert report.backlog_now == {"under_1d": 0, "1_3d": 0, "3_7d": 0, "1_2w": 1, "over_2w": 0}


def test_backlog_buckets(db: Session, world: factories.World) -> None:
    day = timedelta(days=1)
    assert [age_bucket(a) for a in (timedelta(hours=2), day, 2.9 * day, 3 * day, 6.9 * day,
                                     7 * day, 13.9 * day, 14 * day, 400 * day)] == [
        "under_1d", "1_3d", "1_3d", "3_7d", "3_7d", "1_2w", "1_2w", "over_2w", "over_2w"]
    now = z("2026-06-15T12:00")
    for age in (timedelta(hours=2), 2 * day, 5 * day, 10 * day, 20 * day, 21 * day):
        add(db, world, uploaded=now - age)
    add(db, world, uploaded=now - 4 * day, closed=now - day)  # closed: not in the backlog
    add(db, world, uploaded=now - 4 * day, signed=now - 2 * day)
    add(db, world, uploaded=now - 3 * day, unit_id=world.other_unit_id)
    report = quality.unit_report(db, unit_id=world.unit_id, now=now)
    assert report.backlog_now == {"under_1d": 1, "1_3d": 1, "3_7d": 1, "1_2w": 1, "over_2w": 2}
    # At the end of May (00:00 1 June local) only the two oldest were open: 5.4 and 6.4 days.
    assert report.months[-2].backlog == {"under_1d": 0, "1_3d": 0, "3_7d": 2, "1_2w": 0, "over_2w": 0}


@pytest.fixture()
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements the database runs while the test runs."""
    seen: list[str] = []

    def listen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", listen)
    yield seen
    event.remove(database.engine, "before_cursor_execute", listen)


def test_the_number_of_queries_does_not_grow_with_the_dictations(
        database: Database, statements: list[str]) -> None:
    now = z("2026-06-15T12:00")
    counts = []
    for n in (2, 40):
        with database.session() as s:
            world = factories.make_world(s, patients=1)
            for i in range(n):
                add(s, world, uploaded=now - timedelta(days=i % 30, hours=3), priority="normal",
                    signed=now - timedelta(days=i % 30), draft=DRAFT_2, signed_text=SIGNED_2)
            s.flush()
            quality.clear_cache()
            statements.clear()
            report = quality.unit_report(s, unit_id=world.unit_id, now=now)
            counts.append(len(statements))
            assert sum(m.drafts for m in report.months) == n
            statements.clear()
            quality.unit_report(s, unit_id=world.unit_id, now=now)  # the drafts are cached now
            assert len(statements) == counts[-1] - 1
    assert counts[0] == counts[1] <= 5


def test_version_1_is_compared_not_a_later_correction(
        db: Session, world: factories.World, store: AudioStore) -> None:
    secretary = factories.actor(db, world.secretary_id)
    clinician = factories.actor(db, world.clinician_id)
    d = helpers.upload(db, world, store=store)
    d.store_draft(text=" ".join(w for w, _ in DRAFT_1), words=_words(DRAFT_1), model="fake",
                  language="sv", now=utcnow())
    dictations.save_text(db, actor=secretary, dictation_id=d.id, text=SIGNED_1)
    dictations.send_for_signature(db, actor=secretary, dictation_id=d.id)
    dictations.sign(db, actor=clinician, dictation_id=d.id)
    dictations.correct_signed(db, actor=clinician, dictation_id=d.id, reason="Fel dos",
                              text="Helt annan text efter rättelsen.")
    db.flush()
    assert d.signed_at is not None
    report = quality.unit_report(db, unit_id=world.unit_id)
    month = next(m for m in report.months if m.drafts)
    assert month.start == d.signed_at.astimezone(TZ).date().replace(day=1)
    assert month.wer_mean == pytest.approx(WER_1) and month.recall == pytest.approx(0.5)


# -- the page and the CSV --------------------------------------------------------------------

def _signed_this_month(db: Session, world: factories.World) -> tuple[str, str]:
    """Two signed dictations with the hand-made drafts and an open one; (month key, family)."""
    now = utcnow()
    signed = now - timedelta(minutes=1)
    add(db, world, uploaded=signed - timedelta(hours=3), signed=signed, draft=DRAFT_1,
        signed_text=SIGNED_1)
    add(db, world, uploaded=signed - timedelta(hours=5), signed=signed, draft=DRAFT_2,
        signed_text=SIGNED_2)
    add(db, world, uploaded=now - timedelta(days=2), seconds=120)
    patient = db.get(Patient, world.patient_ids[0])
    assert patient is not None
    db.commit()
    return signed.astimezone(TZ).strftime("%Y-%m"), patient.family_name


def test_the_manager_sees_the_figures(db: Session, world: factories.World,
                                      manager_client: TestClient) -> None:
    month, family = _signed_this_month(db, world)
    response = manager_client.get("/diktat/kvalitet")
    assert response.status_code == 200
    html = response.text
    assert 'href="/diktat/kvalitet" aria-current="page"' in html
    assert html.count("<svg class=\"chart\"") == 4  # and the recognizer's help (test_recognizer_help)
    mean = (WER_1 + WER_2) / 2 * 100
    assert helpers.table_row(html, f"drafts-{month}")[1:] == [
        "2", f"{mean:.1f} %".replace(".", ","), f"{mean:.1f} %".replace(".", ","), "3", "2",
        "66,7 %"]
    volume = helpers.table_row(html, f"volume-{month}")
    assert volume[3] == "2" and volume[6] == "4,0 h (2)"  # normal: median of 3 h and 5 h
    assert helpers.table_row(html, "backlog-now") == ["0", "1", "0", "0", "0", "1"]
    assert family not in html  # aggregates only: no patient on the page


@pytest.mark.parametrize("who", ["secretary_id", "clinician_id"])
def test_the_page_is_for_managers_only(app: object, database: Database, world: factories.World,
                                       who: str) -> None:
    with TestClient(app) as client:  # type: ignore[arg-type]
        factories.login_client(client, database, getattr(world, who))
        assert client.get("/diktat/kvalitet").status_code == 403
        assert client.get("/diktat/kvalitet.csv").status_code == 403


def test_csv_export(db: Session, world: factories.World, manager_client: TestClient) -> None:
    month, family = _signed_this_month(db, world)
    response = manager_client.get("/diktat/kvalitet.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    body = response.content.decode("utf-8-sig")
    assert family not in body and "\r\n" in body
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    header, data = rows[0], rows[1:]
    assert header[:4] == ["Månad", "Uppladdade diktat", "Ljudminuter", "Signerade diktat"]
    assert header[-1] == "Markerade ords träffsäkerhet (%)"
    assert len(data) == 12 and all(len(r) == len(header) for r in data)
    row = dict(zip(header, next(r for r in data if r[0] == month), strict=True))
    assert row["Signerade diktat"] == "2"
    assert row["Median ledtid normal (timmar)"] == "4,0"
    assert row["Ordfelfrekvens medel (%)"] == f"{(WER_1 + WER_2) / 2 * 100:.1f}".replace(".", ",")
    assert row["Ändrade utkastord"] == "3" and row["Varav markerade"] == "2"
    assert row["Markerade ords träffsäkerhet (%)"] == "66,7"
    assert row["Median ledtid akut (timmar)"] == ""
