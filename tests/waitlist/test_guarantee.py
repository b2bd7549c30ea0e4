"""The care-guarantee clock, table-driven: every rule of vårdgarantin the issue lists, plus dates.

Pure logic (no database). Each case states the facts and the figures they must give; a
day-by-day reference implementation then checks the interval arithmetic on random cases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from kulisser.waitlist import guarantee as g
from kulisser.waitlist.guarantee import OfferFact, PeriodFact

D = date.fromisoformat


def declined(key: int, offered: str, visit: str, *, informed: bool = True,
             answered: str | None = None) -> OfferFact:
    return OfferFact(offered_on=D(offered), visit_date=D(visit), response="declined",
                     informed=informed, responded_on=D(answered) if answered else None, key=key)


def medical(start: str, end: str | None) -> PeriodFact:
    return PeriodFact(start=D(start), end=D(end) if end else None, reason="medical")


def chosen(start: str, end: str | None, offer: int) -> PeriodFact:
    return PeriodFact(start=D(start), end=D(end) if end else None, reason="patient", offer_key=offer)


@dataclass
class Case:
    """Facts of one wait and the figures they must give (None: not checked)."""

    id: str
    kind: str = "first_visit"
    clock_start: str = "2026-03-01"
    limit: int | None = 90
    today: str = "2026-04-10"
    end: str | None = None
    target: str | None = None
    offers: list[OfferFact] = field(default_factory=list)
    periods: list[PeriodFact] = field(default_factory=list)
    # expected
    waited: int | None = None
    medical: int = 0
    patient: int = 0
    counted: int | None = None
    guarantee: str | None = None
    left: int | None = None
    breached: bool = False
    at_risk: bool = False
    paused: bool = False


# 2026-03-01 + 90 days = 2026-05-30 (31 + 30 + 29 days in March, April, May).
CASES = [
    Case("plain wait, still waiting", today="2026-04-10", waited=40, counted=40,
         guarantee="2026-05-30", left=50),
    Case("plain wait, visit on the guarantee date is within it", end="2026-05-30", today="2026-06-15",
         waited=90, counted=90, guarantee="2026-05-30", left=0),
    Case("plain wait, visit one day after the guarantee date breaches it", end="2026-05-31",
         waited=91, counted=91, guarantee="2026-05-30", left=-1, breached=True),
    Case("plain wait, at risk inside the margin", today="2026-05-20", waited=80, counted=80,
         guarantee="2026-05-30", left=10, at_risk=True),
    # Issued 2026-02-20, arrived 2026-03-02: the clock runs from the issue date, so by
    # 2026-05-25 the wait is breached (94 days) although only 84 days passed since arrival.
    Case("referral issued days before it arrived: clock from the issue date",
         clock_start="2026-02-20", today="2026-05-25", waited=94, counted=94,
         guarantee="2026-05-21", left=-4, breached=True),
    Case("self-referral: clock from the day the patient sought contact", clock_start="2026-04-01",
         today="2026-04-01", waited=0, counted=0, guarantee="2026-06-30", left=90),
    Case("patient-chosen waiting after a declined offer within the guarantee",
         offers=[declined(1, "2026-04-01", "2026-04-15", answered="2026-04-02")],
         periods=[chosen("2026-04-02", "2026-04-21", 1)], end="2026-06-10", today="2026-06-10",
         waited=101, patient=20, counted=81, guarantee="2026-06-19", left=9),
    Case("a declined offer that came too late (visit after the guarantee date) excludes nothing",
         offers=[declined(1, "2026-05-20", "2026-06-05")],
         periods=[chosen("2026-05-20", "2026-06-10", 1)], end="2026-06-20", today="2026-06-20",
         waited=111, counted=111, guarantee="2026-05-30", left=-21, breached=True),
    Case("a decline without having been told of the guarantee excludes nothing",
         offers=[declined(1, "2026-04-01", "2026-04-15", informed=False, answered="2026-04-02")],
         periods=[chosen("2026-04-02", "2026-04-21", 1)], end="2026-06-10", today="2026-06-10",
         waited=101, counted=101, guarantee="2026-05-30", left=-11, breached=True),
    Case("an accepted offer is no decline: a patient period on it excludes nothing",
         offers=[OfferFact(D("2026-04-01"), D("2026-04-15"), "accepted", True, key=1)],
         periods=[chosen("2026-04-02", "2026-04-21", 1)], today="2026-04-30",
         waited=60, counted=60, guarantee="2026-05-30", left=30),
    Case("medically caused waiting is not counted and moves the guarantee date",
         periods=[medical("2026-03-10", "2026-03-29")], today="2026-04-10",
         waited=40, medical=20, counted=20, guarantee="2026-06-19", left=70),
    Case("two excluded periods, medical and patient-chosen, shown apart",
         offers=[declined(1, "2026-04-01", "2026-04-20", answered="2026-04-02")],
         periods=[medical("2026-03-10", "2026-03-19"), chosen("2026-04-02", "2026-04-11", 1)],
         end="2026-06-10", today="2026-06-10", waited=101, medical=10, patient=10, counted=81,
         guarantee="2026-06-19", left=9),
    Case("overlapping periods are counted once",
         periods=[medical("2026-03-10", "2026-03-29"), medical("2026-03-20", "2026-04-08")],
         today="2026-04-20", waited=50, medical=30, counted=20, guarantee="2026-06-29", left=70),
    Case("a day both medical and patient-chosen counts once, as medical",
         offers=[declined(1, "2026-04-05", "2026-04-12")],
         periods=[medical("2026-04-01", "2026-04-10"), chosen("2026-04-05", "2026-04-14", 1)],
         end="2026-05-01", today="2026-05-01", waited=61, medical=10, patient=4, counted=47,
         guarantee="2026-06-13", left=43),
    Case("patient-chosen days never start before the decline",
         offers=[declined(1, "2026-04-01", "2026-04-15", answered="2026-04-05")],
         periods=[chosen("2026-04-01", "2026-04-14", 1)], today="2026-04-30",
         waited=60, patient=10, counted=50, guarantee="2026-06-09", left=40),
    Case("an open period stops the clock until the patient is available again",
         periods=[medical("2026-04-01", None)], today="2026-04-11", waited=41, medical=10,
         counted=31, guarantee="2026-06-09", left=59, paused=True),
    Case("the open period one day later: same days left, guarantee date one day later",
         periods=[medical("2026-04-01", None)], today="2026-04-12", waited=42, medical=11,
         counted=31, guarantee="2026-06-10", left=59, paused=True),
    Case("a period before the clock start is clipped to it",
         clock_start="2026-03-10", periods=[medical("2026-03-01", "2026-03-14")],
         today="2026-04-10", waited=31, medical=5, counted=26, guarantee="2026-06-13", left=64),
    Case("a future period moves the guarantee date but not the days counted so far",
         periods=[medical("2026-05-01", "2026-05-10")], today="2026-04-10",
         waited=40, counted=40, guarantee="2026-06-09", left=60),
    Case("regional limit: 30 days to a first visit (Region Stockholm)", limit=30,
         today="2026-03-25", waited=24, counted=24, guarantee="2026-03-31", left=6, at_risk=True),
    Case("regional limit breached on day 31", limit=30, today="2026-04-01", waited=31, counted=31,
         guarantee="2026-03-31", left=-1, breached=True),
    Case("treatment: 90 days from the decision to treat", kind="treatment",
         clock_start="2026-01-10", today="2026-04-10", waited=90, counted=90,
         guarantee="2026-04-10", left=0, at_risk=True),
    Case("follow-up against its medical target date: at risk", kind="follow_up", limit=None,
         clock_start="2026-01-15", target="2026-04-15", today="2026-04-10", waited=85, counted=85,
         left=5, at_risk=True),
    Case("follow-up past its medical target date", kind="follow_up", limit=None,
         clock_start="2026-01-15", target="2026-04-15", today="2026-04-20", waited=95, counted=95,
         left=-5, breached=True),
    Case("follow-up: a declined offer excludes nothing (no guarantee)", kind="follow_up", limit=None,
         clock_start="2026-01-15", target="2026-04-15", today="2026-04-10",
         offers=[declined(1, "2026-03-01", "2026-03-10")],
         periods=[chosen("2026-03-01", "2026-03-20", 1)], waited=85, counted=85, left=5,
         at_risk=True),
    # Calendar edges: leap years and month ends.
    Case("leap year: 2028-02-01 + 90 days is 2028-05-01", clock_start="2028-02-01",
         today="2028-02-01", waited=0, counted=0, guarantee="2028-05-01", left=90),
    Case("common year: 2027-02-01 + 90 days is 2027-05-02", clock_start="2027-02-01",
         today="2027-02-01", waited=0, counted=0, guarantee="2027-05-02", left=90),
    Case("month end, common year: 2027-01-31 + 30 is 2027-03-02", limit=30,
         clock_start="2027-01-31", today="2027-02-28", waited=28, counted=28,
         guarantee="2027-03-02", left=2, at_risk=True),
    Case("month end, leap year: 2028-01-31 + 30 is 2028-03-01", limit=30,
         clock_start="2028-01-31", today="2028-02-29", waited=29, counted=29,
         guarantee="2028-03-01", left=1, at_risk=True),
    Case("a period over 29 February is three days", clock_start="2028-02-01",
         periods=[medical("2028-02-28", "2028-03-01")], today="2028-03-10", waited=38, medical=3,
         counted=35, guarantee="2028-05-04", left=55),
    Case("over new year", clock_start="2028-12-31", end="2029-01-01", today="2029-01-05",
         waited=1, counted=1, guarantee="2029-03-31", left=89),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_guarantee_figures(case: Case) -> None:
    f = g.compute(wait_kind=case.kind, clock_start=D(case.clock_start), limit_days=case.limit,
                  today=D(case.today), offers=case.offers, periods=case.periods,
                  end_date=D(case.end) if case.end else None,
                  medical_target_date=D(case.target) if case.target else None, at_risk_days=14)
    assert f.days_waited == case.waited
    assert (f.days_medical, f.days_patient) == (case.medical, case.patient)
    assert f.days_excluded == case.medical + case.patient
    assert f.days_counted == case.counted == f.days_waited - f.days_excluded
    assert f.guarantee_date == (D(case.guarantee) if case.guarantee else None)
    assert f.target_date == (D(case.target) if case.target else None)
    assert f.days_left == case.left
    assert (f.breached, f.at_risk, f.paused) == (case.breached, case.at_risk, case.paused)
    if f.guarantee_date is not None:
        # The guarantee date and the counted days tell the same story.
        assert f.breached == (f.as_of > f.guarantee_date) == (f.days_counted > (case.limit or 0))
        assert f.within_guarantee is (not case.breached)
    else:
        assert f.limit_days is None and f.within_guarantee is None


def test_offer_judged_against_the_guarantee_date_when_it_was_made() -> None:
    # The guarantee date was 2026-05-30; a medical period before the offer moved it to
    # 2026-06-09, so a visit offered for 2026-06-05 lay within the guarantee.
    offers = [declined(1, "2026-05-25", "2026-06-05")]
    early = [medical("2026-03-10", "2026-03-19")]
    quals = g.qualify_offers(wait_kind="first_visit", clock_start=D("2026-03-01"), limit_days=90,
                             offers=offers, periods=early)
    assert quals[1].qualifies and quals[1].guarantee_date == D("2026-06-09")
    # A period that began only after the offer does not count at the moment of the offer.
    late = [medical("2026-05-26", "2026-06-04")]
    quals = g.qualify_offers(wait_kind="first_visit", clock_start=D("2026-03-01"), limit_days=90,
                             offers=offers, periods=late)
    assert not quals[1].qualifies and quals[1].guarantee_date == D("2026-05-30")
    assert "låg efter garantidatumet 2026-05-30" in quals[1].message


def test_an_earlier_qualifying_decline_moves_the_date_for_a_later_offer() -> None:
    offers = [declined(1, "2026-04-01", "2026-04-10"), declined(2, "2026-05-28", "2026-06-08")]
    periods = [chosen("2026-04-01", "2026-04-20", 1)]  # 20 days: guarantee date 2026-06-19
    quals = g.qualify_offers(wait_kind="first_visit", clock_start=D("2026-03-01"), limit_days=90,
                             offers=offers, periods=periods)
    assert quals[1].qualifies and quals[2].qualifies
    assert quals[2].guarantee_date == D("2026-06-19")


def test_qualification_messages_say_why() -> None:
    offers = [declined(1, "2026-04-01", "2026-04-15", informed=False),
              declined(2, "2026-05-20", "2026-06-05"),
              OfferFact(D("2026-04-01"), D("2026-04-15"), "pending", True, key=3)]
    quals = g.qualify_offers(wait_kind="first_visit", clock_start=D("2026-03-01"), limit_days=90,
                             offers=offers, periods=[])
    assert "inte fått information om vårdgarantin" in quals[1].message
    assert "2026-06-05 låg efter garantidatumet 2026-05-30" in quals[2].message
    assert "inte avböjt" in quals[3].message
    assert not any(q.qualifies for q in quals.values())


def _backing(offers: list[OfferFact], start: str, periods: list[PeriodFact] | None = None,
             offer_key: int | None = None, kind: str = "first_visit") -> tuple[int | None, str]:
    return g.backing_offer(wait_kind=kind, clock_start=D("2026-03-01"), limit_days=90,
                           offers=offers, periods=periods or [], start=D(start), offer_key=offer_key)


def test_patient_period_needs_a_qualifying_decline() -> None:
    key, why = _backing([], "2026-04-02")
    assert key is None and "Inget avböjt erbjudande" in why and "informerats om vårdgarantin" in why
    key, why = _backing([declined(1, "2026-04-01", "2026-04-15", informed=False)], "2026-04-02")
    assert key is None and "Erbjudandet 2026-04-01" in why and "inte fått information" in why
    key, why = _backing([declined(1, "2026-05-20", "2026-06-05")], "2026-05-21")
    assert key is None and "låg efter garantidatumet" in why


def test_patient_period_takes_the_latest_usable_decline() -> None:
    offers = [declined(1, "2026-04-01", "2026-04-10"), declined(2, "2026-04-20", "2026-04-28")]
    assert _backing(offers, "2026-04-25") == (2, "")
    assert _backing(offers, "2026-04-05") == (1, "")  # the later decline came after the start
    used = [chosen("2026-04-20", "2026-04-30", 2)]
    assert _backing(offers, "2026-05-02", periods=used) == (1, "")


def test_patient_period_refusals_for_a_named_offer() -> None:
    offers = [declined(1, "2026-04-01", "2026-04-10", answered="2026-04-03")]
    assert _backing(offers, "2026-04-02", offer_key=1)[1].startswith(
        "Patientvald väntan kan börja tidigast den dag patienten tackade nej (2026-04-03)")
    assert "redan" in _backing(offers, "2026-04-05", offer_key=1,
                               periods=[chosen("2026-04-03", "2026-04-04", 1)])[1]
    assert _backing(offers, "2026-04-05", offer_key=9)[1] == "Erbjudandet finns inte för den här väntan."
    assert _backing(offers, "2026-04-05", offer_key=1) == (1, "")
    assert "Återbesök omfattas inte" in _backing(offers, "2026-04-05", kind="follow_up")[1]


def test_merge_joins_overlaps_and_neighbours() -> None:
    merged = g.merge([(D("2026-01-05"), D("2026-01-10")), (D("2026-01-01"), D("2026-01-03")),
                      (D("2026-01-11"), D("2026-01-12")), (D("2026-01-02"), D("2026-01-04"))])
    assert merged == [(D("2026-01-01"), D("2026-01-12"))]
    assert g.days_within(merged, D("2026-01-10"), D("2026-01-20")) == 3


def _reference(clock_start: date, limit: int, today: date, periods: list[tuple[date, date]]
               ) -> tuple[int, date]:
    """Day by day: the days counted by today, and the last day a visit keeps within the limit."""
    excluded = {p0 + timedelta(days=i) for p0, p1 in periods for i in range((p1 - p0).days + 1)}

    def counted(visit: date) -> int:
        return sum(1 for i in range((visit - clock_start).days)
                   if clock_start + timedelta(days=i) not in excluded)

    visit = clock_start
    while counted(visit + timedelta(days=1)) <= limit:
        visit += timedelta(days=1)
    return counted(today), visit


def test_interval_arithmetic_matches_counting_day_by_day() -> None:
    rng = random.Random(4)
    for _ in range(300):
        start = date(2027, 1, 1) + timedelta(days=rng.randrange(800))
        limit = rng.choice([30, 60, 90])
        today = start + timedelta(days=rng.randrange(200))
        spans = []
        for _p in range(rng.randrange(4)):
            a = start + timedelta(days=rng.randrange(-10, 150))
            spans.append((a, a + timedelta(days=rng.randrange(40))))
        f = g.compute(wait_kind="treatment", clock_start=start, limit_days=limit, today=today,
                      periods=[PeriodFact(a, b, "medical") for a, b in spans])
        clipped = [(max(a, start), b) for a, b in spans if b >= start]
        counted, last = _reference(start, limit, today, clipped)
        assert (f.days_counted, f.guarantee_date) == (counted, last), (start, limit, today, spans)
