"""The other domains' figures for the overview, each on a hand-made unit beside another unit
whose rows must not count: referrals awaiting assessment, results awaiting signature, the care
guarantee (compliance and breaches to come), record copies within target, coding completeness."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from kulisser.coding import service as coding
from kulisser.coding.models import CareContact
from kulisser.db import Database, utcnow
from kulisser.records import service as records
from kulisser.records.models import RecordRequest
from kulisser.referrals import service as referrals
from kulisser.referrals.models import Referral
from kulisser.results import service as results
from kulisser.results.models import Result
from kulisser.stats import aggregate
from kulisser.stats.aggregate import TZ, day_start, local_day
from kulisser.waitlist import service as waitlist
from kulisser.waitlist.models import ExcludedPeriod, WaitlistEntry
from kulisser.worklist import service as worklist
from tests import factories
from tests.conftest import Client

TODAY = date(2026, 12, 4)  # a Friday
NOW = datetime.combine(TODAY, time(11), tzinfo=TZ).astimezone(UTC)


def _referral(s: Session, w: factories.World, *, received: int, status: str = "registered",
              other: bool = False) -> None:
    day = TODAY - timedelta(days=received)
    s.add(Referral(unit_id=w.other_unit_id if other else w.unit_id,
                   patient_id=w.stranger_patient_id if other else w.patient_ids[0],
                   sender_name="Vårdcentralen", sender_hsa_id="SE1", issued_on=day,
                   received_on=day, question="?", status=status, registered_by_id=w.secretary_id))


def test_referrals_awaiting_assessment(database: Database, world: factories.World) -> None:
    with database.session() as s:
        for days, status in ((0, "registered"), (2, "received"), (3, "under_assessment"),
                             (14, "waiting_for_info"), (15, "registered"), (1, "replied"),
                             (4, "cancelled"), (30, "replied")):
            _referral(s, world, received=days, status=status)
        _referral(s, world, received=40, other=True)  # another unit's: never counted
        s.flush()
        a = referrals.awaiting_assessment(s, unit_id=world.unit_id, today=TODAY)
        received = referrals.received_between(s, unit_id=world.unit_id,
                                              first=TODAY - timedelta(days=6), last=TODAY)
    assert (a.total, a.age_0_2, a.age_3_14, a.age_over_14) == (5, 2, 2, 1)
    assert a.oldest_received_on == TODAY - timedelta(days=15)
    assert received == 4  # 0, 1, 2 and 3 days ago; the cancelled one is no referral received


def _result(s: Session, w: factories.World, *, received: timedelta, status: str = "to_sign",
            signed: datetime | None = None, other: bool = False) -> None:
    s.add(Result(unit_id=w.other_unit_id if other else w.unit_id, source_system="lab",
                 source_id=f"r{factories.unique('')}", source_format="csv", status=status,
                 title="Hb", received_at=NOW - received, received_by_id=w.secretary_id,
                 raw="{}", signed_at=signed))


def test_results_awaiting_signature(database: Database, world: factories.World) -> None:
    starts = (day_start(TODAY - timedelta(days=2)), day_start(TODAY - timedelta(days=14)))
    with database.session() as s:
        _result(s, world, received=timedelta(hours=1))
        _result(s, world, received=timedelta(days=3))
        _result(s, world, received=timedelta(days=20))
        _result(s, world, received=timedelta(days=1), status="unmatched")
        _result(s, world, received=timedelta(days=5), status="signed", signed=NOW - timedelta(days=1))
        _result(s, world, received=timedelta(days=50), status="signed",
                signed=NOW - timedelta(days=40))
        _result(s, world, received=timedelta(days=30), other=True)
        _result(s, world, received=timedelta(days=2), status="signed", signed=NOW, other=True)
        s.flush()
        a = results.awaiting_signature(s, unit_id=world.unit_id, day_starts=starts)
        signed = results.signed_between(s, unit_id=world.unit_id,
                                        start=day_start(TODAY - timedelta(days=6)),
                                        end=day_start(TODAY + timedelta(days=1)))
    assert (a.total, a.age_0_2, a.age_3_14, a.age_over_14, a.unmatched) == (3, 1, 1, 1, 1)
    assert a.oldest_received_at == NOW - timedelta(days=20)
    assert signed == 1


def _wait(s: Session, w: factories.World, *, start: int, status: str = "waiting",
          end: int | None = None, kind: str = "first_visit", other: bool = False,
          medical: tuple[int, int | None] | None = None) -> None:
    entry = WaitlistEntry(unit_id=w.other_unit_id if other else w.unit_id,
                          patient_id=w.stranger_patient_id if other else w.patient_ids[0],
                          wait_kind=kind, clock_start=TODAY - timedelta(days=start),
                          limit_days=None if kind == "follow_up" else 90, status=status,
                          end_date=None if end is None else TODAY + timedelta(days=end))
    if medical is not None:
        first, last = medical
        entry.periods.append(ExcludedPeriod(
            reason="medical", start_date=TODAY - timedelta(days=first),
            end_date=None if last is None else TODAY - timedelta(days=last)))
    s.add(entry)


def test_care_guarantee_compliance_and_breaches_to_come(database: Database,
                                                        world: factories.World) -> None:
    with database.session() as s:
        # Seen in the last week: 95 days (late), 58, exactly 90 (within), and 100 days of which
        # 10 medically caused (90 counted: within).
        _wait(s, world, start=100, status="done", end=-5)
        _wait(s, world, start=60, status="done", end=-2)
        _wait(s, world, start=93, status="booked", end=-3)
        _wait(s, world, start=105, status="done", end=-5, medical=(50, 41))
        _wait(s, world, start=200, status="done", end=-3, kind="follow_up")  # outside the guarantee
        _wait(s, world, start=150, status="done", end=-20)  # before the period
        _wait(s, world, start=150, status="done", end=-1, other=True)
        # Waiting now: due in 10 days, already past, due in 80 days, booked after its date
        # (due in 5), booked in time, and paused by an open medical period (due in 15).
        _wait(s, world, start=80)
        _wait(s, world, start=95)
        _wait(s, world, start=10)
        _wait(s, world, start=85, status="booked", end=20)
        _wait(s, world, start=85, status="booked", end=2)
        _wait(s, world, start=80, medical=(5, None))
        _wait(s, world, start=80, other=True)
        s.flush()
        c = waitlist.compliance(s, unit_id=world.unit_id, first=TODAY - timedelta(days=6),
                                last=TODAY)
        o = waitlist.outlook(s, unit_id=world.unit_id, today=TODAY, days=30)
    assert (c.ended, c.within) == (4, 3) and c.share == 75
    assert o.upcoming == {TODAY + timedelta(days=5): 1, TODAY + timedelta(days=10): 1,
                          TODAY + timedelta(days=15): 1}
    # Active: the six above and the one booked three days ago, not yet marked done.
    assert (o.upcoming_total, o.past_due, o.active) == (3, 1, 7)


def _request(s: Session, w: factories.World, *, status: str, handled: int | None = None,
             target: int = 0, breach: int = 2, kind: str = "copy", other: bool = False) -> None:
    received = TODAY - timedelta(days=5)
    s.add(RecordRequest(
        unit_id=w.other_unit_id if other else w.unit_id,
        patient_id=w.stranger_patient_id if other else w.patient_ids[0], kind=kind, status=status,
        received_on=received, channel="phone", requester_kind="patient", requester_name="P",
        scope="whole", delivery="post", target_date=received + timedelta(days=target),
        breach_date=received + timedelta(days=breach),
        handled_on=None if handled is None else TODAY - timedelta(days=handled)))


def test_record_copies_within_target(database: Database, world: factories.World) -> None:
    with database.session() as s:
        _request(s, world, status="delivered", handled=5, target=1)     # on receipt: in time
        _request(s, world, status="closed", handled=4, target=1)        # on its target day
        _request(s, world, status="delivered", handled=1, target=1)     # late
        _request(s, world, status="delivered", handled=20)              # another period
        _request(s, world, status="received", breach=2)                 # open, past breach
        _request(s, world, status="in_review", breach=10)               # open, in time
        _request(s, world, status="delivered", handled=2, target=4, kind="log_extract")
        _request(s, world, status="delivered", handled=2, target=4, other=True)
        _request(s, world, status="received", other=True)
        s.flush()
        f = records.copy_figures(s, unit_id=world.unit_id, first=TODAY - timedelta(days=6),
                                 last=TODAY, today=TODAY)
    assert (f.handled, f.within_target, f.open_now, f.open_past_breach) == (3, 2, 2, 1)


def _contact(s: Session, w: factories.World, *, on: date, kind: str = "doctor_visit",
             coded: bool = False, other: bool = False) -> None:
    s.add(CareContact(unit_id=w.other_unit_id if other else w.unit_id,
                      patient_id=w.stranger_patient_id if other else w.patient_ids[0],
                      contact_date=on, kind=kind, source="manual",
                      status="coded" if coded else "uncoded"))


def test_coding_completeness_of_the_month(database: Database, world: factories.World) -> None:
    with database.session() as s:
        for coded in (True, True, False):
            _contact(s, world, on=date(2026, 12, 2), coded=coded)
        _contact(s, world, on=date(2026, 12, 3), kind="phone")  # not reported
        _contact(s, world, on=date(2026, 11, 30))  # last month
        _contact(s, world, on=date(2026, 12, 1), other=True)
        s.flush()
        m = coding.month_completeness(s, unit_id=world.unit_id, month=TODAY)
    assert (m.month, m.reportable, m.coded) == (date(2026, 12, 1), 3, 2)
    assert m.report_due > date(2026, 12, 31)


def test_the_section_and_its_csv(client_as: Client, database: Database,
                                 world: factories.World) -> None:
    """Yesterday one call-back was done in time and one late; one referral waits today."""
    yesterday = local_day(utcnow()) - timedelta(days=1)
    ten = datetime.combine(yesterday, time(10), tzinfo=TZ)
    with database.session() as s:
        actor = factories.actor(s, world.secretary_id)
        for due_minutes in (60, 5):
            item = worklist.create_item(s, actor=actor, kind="callback", title="Ring", now=ten,
                                        due_at=ten + timedelta(minutes=due_minutes))
            item.complete(actor_id=world.secretary_id, now=ten + timedelta(minutes=30))
        _referral(s, world, received=3)
        _referral(s, world, received=3, other=True)
        s.flush()
        aggregate.rebuild(s, first=yesterday, last=yesterday, unit_ids=[world.unit_id])
    query = {"period": "vecka", "till": yesterday.isoformat()}
    page = client_as(world.manager_id).get("/oversikt", params=query)
    assert page.status_code == 200, page.text
    html = page.text
    facts = html[html.index('id="domain-facts"'):]
    assert re.search(r"Remisser att bedöma i dag</dt>\s*<dd>1 ", facts)
    assert re.search(r"Återuppringningar inom utsatt tid</dt>\s*<dd>50 %", facts)
    for key in ("intime", "shares", "awaiting", "breaches"):
        svg = re.search(rf'<svg [^>]*aria-labelledby="{key}-title.*?</svg>', html, re.S)
        assert svg is not None
        ET.fromstring(svg.group(0))  # noqa: S314 - our own server-rendered SVG
    assert 'id="table-domains"' in html and "/oversikt/domaner.csv?period=vecka" in html
    res = client_as(world.secretary_id).get("/oversikt/domaner.csv", params=query)
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Figur", "Del", "Avser", "Värde", "Föregående period"]
    found = {(r[0], r[1]): r[3] for r in rows[1:]}
    assert found[("Återuppringningar inom utsatt tid", "Andel (%)")] == "50,0"
    assert found[("Återuppringningar inom utsatt tid", "Totalt")] == "2"
    assert found[("Remisser att bedöma", "Totalt")] == "1"
    assert found[("Remisser att bedöma", "3–14 dagar")] == "1"
    # The overview's own CSV has the share per kind in its last columns.
    kinds = list(csv.reader(io.StringIO(client_as(world.manager_id).get(
        "/oversikt.csv", params=query).content.decode("utf-8-sig")), delimiter=";"))
    assert kinds[0][-3:] == ["Klara inom utsatt tid", "Andel inom utsatt tid (%)",
                             "Andel inom utsatt tid föregående period (%)"]
    assert next(r for r in kinds if r[0] == "Återuppringningar")[-3:-1] == ["1", "50,0"]
    assert client_as(world.clinician_id).get("/oversikt/domaner.csv").status_code == 403
    bad = client_as(world.manager_id).get("/oversikt/domaner.csv?period=decennium")
    assert 400 <= bad.status_code < 500
