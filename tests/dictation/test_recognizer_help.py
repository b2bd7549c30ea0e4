"""Does speech recognition help? Active review time on hand-made histories, starting from an
empty text, the figure per unit and month, the quality page's section and its CSV."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import Database, utcnow
from kulisser.dictation import catalog, quality, recognizer_help
from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation, DictationEvent, NoteVersion, ReviewActivity
from kulisser.dictation.quality import TZ, draft_quality
from kulisser.dictation.review_time import active_seconds
from kulisser.dictation.storage import AudioStore
from kulisser.errors import Forbidden, ValidationFailed
from tests import factories
from tests.dictation import helpers

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # The draft comparisons are cached per (database, id, times): ids repeat between tests.
    quality.clear_cache()


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


# -- the pure active-time function -------------------------------------------------------------

def test_active_time_of_hand_made_histories() -> None:
    assert active_seconds([]) == 0
    assert active_seconds([at(0)]) == 0
    # Every 30 s for five minutes: all of it.
    assert active_seconds([at(i / 2) for i in range(11)]) == 300
    # A gap of exactly two minutes counts; a second more does not.
    assert active_seconds([at(0), at(2)]) == 120
    assert active_seconds([at(0), at(2) + timedelta(seconds=1)]) == 0
    # A 20-minute coffee break between two stretches of 3 and 4 minutes.
    assert active_seconds([at(0), at(1), at(2), at(3), at(23), at(25), at(27)]) == 7 * 60
    # Order does not matter (moments may arrive out of order from two tabs).
    assert active_seconds([at(3), at(0), at(1.5)]) == 180


def test_two_sessions_on_two_days() -> None:
    day1 = [at(i) for i in range(0, 11)]  # 10 minutes
    day2 = [at(24 * 60 + i / 2) for i in range(0, 13)]  # 6 minutes the next morning
    assert active_seconds(day1 + day2) == 16 * 60


# -- recording and starting empty --------------------------------------------------------------

def _drafted(db: Session, world: factories.World, store: AudioStore) -> Dictation:
    d = helpers.upload(db, world, store=store)
    d.store_draft(text="Patienten mår bra.", words=[], model="fake", language="sv", now=utcnow())
    db.flush()
    return d


def _moments(db: Session, dictation_id: int) -> list[tuple[str, datetime]]:
    return [(r.kind, r.at) for r in db.scalars(select(ReviewActivity).where(
        ReviewActivity.dictation_id == dictation_id).order_by(ReviewActivity.at))]


def test_saves_and_heartbeats_are_recorded_sparsely(db: Session, world: factories.World,
                                                    store: AudioStore) -> None:
    d = _drafted(db, world, store)
    secretary = factories.actor(db, world.secretary_id)
    dictations.save_text(db, actor=secretary, dictation_id=d.id, text="A", now=at(0))
    dictations.save_text(db, actor=secretary, dictation_id=d.id, text="AB", now=at(0.1))  # 6 s later
    dictations.record_activity(db, actor=secretary, dictation_id=d.id, kind="key", now=at(0.5))
    dictations.record_activity(db, actor=secretary, dictation_id=d.id, kind="play", now=at(1))
    assert [k for k, _ in _moments(db, d.id)] == ["save", "key", "play"]
    assert d.review_mode == "draft"
    with pytest.raises(ValidationFailed):
        dictations.record_activity(db, actor=secretary, dictation_id=d.id, kind="text", now=at(2))
    clinician = factories.actor(db, world.clinician_id)
    with pytest.raises(Forbidden):
        dictations.record_activity(db, actor=clinician, dictation_id=d.id, kind="key", now=at(2))


def test_start_from_empty_keeps_the_draft_and_records_the_way(db: Session, world: factories.World,
                                                              store: AudioStore) -> None:
    d = _drafted(db, world, store)
    secretary = factories.actor(db, world.secretary_id)
    dictations.start_from_empty(db, actor=secretary, dictation_id=d.id, now=at(0))
    assert d.status == "in_review" and d.review_mode == "empty"
    assert d.text == d.note_type.template_text and "Patienten" not in d.text
    assert d.draft_text == "Patienten mår bra."  # kept, to insert again and for the figures
    types = [e.type for e in db.scalars(select(DictationEvent).where(
        DictationEvent.dictation_id == d.id))]
    assert types[-2:] == ["review_started", "started_empty"]
    assert [k for k, _ in _moments(db, d.id)] == ["empty"]
    # Later saves do not turn it back into a review from the draft ...
    dictations.save_text(db, actor=secretary, dictation_id=d.id, text="Egen text", now=at(1))
    assert d.review_mode == "empty"
    # ... but taking the draft back does.
    dictations.record_activity(db, actor=secretary, dictation_id=d.id, kind="restore", now=at(2))
    assert d.review_mode == "draft" and d.events[-1].type == "draft_restored"


def test_a_review_without_any_draft_counts_as_typed(db: Session, world: factories.World,
                                                   store: AudioStore) -> None:
    d = helpers.upload(db, world, store=store)
    helpers.bring_to(db, world, d, "in_review")
    assert d.review_mode == "empty"


# -- the figure on hand-made dictations --------------------------------------------------------

def add(db: Session, world: factories.World, *, mode: str | None, audio_s: float,
        active_min: list[float], signed: datetime, draft: str | None = "a b c d",
        signed_text: str = "a b c d", unit_id: int | None = None) -> Dictation:
    """A signed dictation with activity moments at the given minutes after T0 (30 s apart)."""
    unit_id = unit_id or world.unit_id
    kind = catalog.default_note_type(db, unit_id=unit_id)
    patient = world.patient_ids[0] if unit_id == world.unit_id else world.stranger_patient_id
    d = Dictation(unit_id=unit_id, patient_id=patient, author_id=world.clinician_id,
                  note_type_id=kind.id, status="signed", audio_sha256=secrets.token_hex(32),
                  audio_format="wav", audio_media_type="audio/wav", audio_duration_s=audio_s,
                  audio_size=1000, uploaded_by_id=world.clinician_id, uploaded_at=signed - timedelta(days=1),
                  signed_at=signed, signed_by_id=world.clinician_id, closed_at=signed,
                  draft_text=draft, review_mode=mode, text=signed_text)
    d.versions.append(NoteVersion(version=1, text=signed_text, signed_by_id=world.clinician_id,
                                  signed_at=signed))
    db.add(d)
    db.flush()
    for minute in active_min:
        db.add(ReviewActivity(dictation_id=d.id, user_id=world.secretary_id, kind="key",
                              at=signed - timedelta(days=1) + timedelta(minutes=minute)))
    db.flush()
    return d


def _span(minutes: float) -> list[float]:
    """Moments every 30 s over `minutes` minutes of work."""
    return [i / 2 for i in range(int(minutes * 2) + 1)]


def test_the_figure_by_hand(db: Session, world: factories.World) -> None:
    signed = datetime(2026, 3, 15, 12, tzinfo=UTC)
    # From the draft: 4 and 6 active minutes on 2-minute recordings -> 2 and 3 per audio minute.
    add(db, world, mode="draft", audio_s=120, active_min=_span(4), signed=signed,
        draft="a b c d", signed_text="a b x d")  # 3 of 4 draft words kept, WER 1/4
    add(db, world, mode="draft", audio_s=120, active_min=_span(3) + [23 + m for m in _span(3)],
        signed=signed, draft="a b", signed_text="a b")  # 6 minutes in two sittings; WER 0
    # Typed: 9, 12 and 15 minutes on 3-minute recordings -> 3, 4, 5 per audio minute.
    for minutes in (9, 12, 15):
        add(db, world, mode="empty", audio_s=180, active_min=_span(minutes), signed=signed)
    # Not counted: no activity, no known way, another month, another unit.
    add(db, world, mode="draft", audio_s=60, active_min=[], signed=signed)
    add(db, world, mode=None, audio_s=60, active_min=_span(5), signed=signed)
    add(db, world, mode="draft", audio_s=60, active_min=_span(5), signed=signed + timedelta(days=30))
    other = factories.make_unit(db)
    catalog.default_note_type(db, unit_id=other.id)
    add(db, world, mode="empty", audio_s=60, active_min=_span(5), signed=signed, unit_id=other.id)

    fig = dictations.recognizer_help(db, unit_id=world.unit_id, month=date(2026, 3, 1))
    assert (fig.draft_count, fig.draft_minutes_per_audio_minute) == (2, 2.5)
    assert (fig.empty_count, fig.empty_minutes_per_audio_minute) == (3, 4.0)
    assert (fig.draft_words, fig.kept_words, fig.kept_share) == (6, 5, 5 / 6)
    assert fig.wer_median == pytest.approx(1 / 8)  # median of 1/4 and 0
    # One place for the draft's logic: the quality module's comparison.
    assert draft_quality(draft_text="a b c d", draft_words=None, signed_text="a b x d").kept == 3
    # Any day of the month names the month.
    assert dictations.recognizer_help(db, unit_id=world.unit_id, month=date(2026, 3, 31)) == fig
    empty = dictations.recognizer_help(db, unit_id=world.unit_id, month=date(2026, 1, 1))
    assert (empty.draft_count, empty.empty_count, empty.kept_share, empty.wer_median) == (0, 0, None, None)


def test_the_month_is_stockholm_time(db: Session, world: factories.World) -> None:
    # 23:30 UTC on 31 March is 1 April in Stockholm.
    add(db, world, mode="empty", audio_s=60, active_min=_span(2),
        signed=datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
    assert dictations.recognizer_help(db, unit_id=world.unit_id, month=date(2026, 3, 1)).empty_count == 0
    assert dictations.recognizer_help(db, unit_id=world.unit_id, month=date(2026, 4, 1)).empty_count == 1


# -- the page, the CSV and the editor's routes -------------------------------------------------

def _this_month(db: Session, world: factories.World) -> str:
    signed = utcnow() - timedelta(minutes=1)
    add(db, world, mode="draft", audio_s=120, active_min=_span(4), signed=signed)
    add(db, world, mode="empty", audio_s=60, active_min=_span(3), signed=signed)
    db.commit()
    return signed.astimezone(TZ).strftime("%Y-%m")


def test_the_quality_page_shows_both_ways(db: Session, world: factories.World,
                                          manager_client: TestClient) -> None:
    month = _this_month(db, world)
    html = manager_client.get("/diktat/kvalitet").text
    assert "Hjälper taligenkänningen?" in html and 'aria-labelledby="help-title help-desc"' in html
    assert helpers.table_row(html, f"help-{month}")[1:] == ["2,0", "1", "3,0", "1", "100,0 %", "0,0 %"]
    assert 'href="/diktat/kvalitet-taligenkanning.csv"' in html


def test_the_csv(db: Session, world: factories.World, manager_client: TestClient) -> None:
    month = _this_month(db, world)
    response = manager_client.get("/diktat/kvalitet-taligenkanning.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, data = rows[0], rows[1:]
    assert len(data) == 12
    row = dict(zip(header, next(r for r in data if r[0] == month), strict=True))
    assert row["Granskade från utkast"] == "1" and row["Skrivna utan utkast"] == "1"
    assert row["Median aktiva minuter per ljudminut, från utkast"] == "2,00"
    assert row["Median aktiva minuter per ljudminut, utan utkast"] == "3,00"
    assert row["Andel behållna utkastord (%)"] == "100,0"


@pytest.mark.parametrize("who", ["secretary_id", "clinician_id"])
def test_the_figure_is_for_managers(app: FastAPI, database: Database, world: factories.World,
                                    who: str) -> None:
    with TestClient(app) as client:
        factories.login_client(client, database, getattr(world, who))
        assert client.get("/diktat/kvalitet-taligenkanning.csv").status_code == 403


@pytest.fixture()
def app_store(app: FastAPI) -> AudioStore:
    return AudioStore(data_dir=Path(app.state.settings.data_dir))


def test_the_editor_routes(database: Database, world: factories.World, app_store: AudioStore,
                           secretary_client: TestClient, app: FastAPI) -> None:
    with database.session() as s:
        did = _drafted(s, world, app_store).id
        s.commit()
    page = secretary_client.get(f"/diktat/{did}").text
    assert 'id="empty-form"' in page and "Börja från tom text" in page
    assert f'data-activity-url="/diktat/{did}/aktivitet"' in page
    beat = secretary_client.post(f"/diktat/{did}/aktivitet", data={"kind": "key"})
    assert beat.status_code == 204
    assert secretary_client.post(f"/diktat/{did}/aktivitet", data={"kind": "x"}).status_code == 422
    done = secretary_client.post(f"/diktat/{did}/tom", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/diktat/{did}"
    page = secretary_client.get(f"/diktat/{did}").text
    assert 'id="empty-form"' not in page and 'id="insert-draft"' in page  # the draft to restore
    with database.session() as s:
        d = s.get(Dictation, did)
        assert d is not None and d.review_mode == "empty"
        assert [k for k, _ in _moments(s, did)] == ["key", "empty"]
    with TestClient(app) as clinician:
        factories.login_client(clinician, database, world.clinician_id)
        assert clinician.post(f"/diktat/{did}/aktivitet", data={"kind": "key"}).status_code == 403
        assert clinician.post(f"/diktat/{did}/tom").status_code == 403


def test_the_demo_history_has_both_ways_in_each_month(db: Session, world: factories.World) -> None:
    from kulisser.dictation import demo_history
    from kulisser.patients.models import Patient
    from kulisser.staff.models import User

    users = list(db.scalars(select(User).where(User.id.in_([world.secretary_id, world.clinician_id]))))
    patients = list(db.scalars(select(Patient).where(Patient.id.in_(world.patient_ids))))
    now = utcnow()
    made = demo_history.seed_history(db, unit_id=world.unit_id, users=users, patients=patients, now=now)
    assert made == demo_history.MONTHS * demo_history.PER_MONTH
    months = [f for f in recognizer_help.last_months(db, unit_id=world.unit_id, now=now)
              if f.draft_count or f.empty_count]
    assert len(months) == demo_history.MONTHS
    for f in months:
        assert f.draft_count and f.empty_count, f
        assert f.draft_minutes_per_audio_minute is not None and f.empty_minutes_per_audio_minute is not None
        assert f.draft_minutes_per_audio_minute < f.empty_minutes_per_audio_minute
        assert f.kept_share is not None and 0.5 < f.kept_share < 1
