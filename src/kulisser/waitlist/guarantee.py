"""The care-guarantee clock (vårdgarantin): pure date arithmetic, no database.

The rules as implemented (DOMAIN.md; HSL 9 kap 1 §, HSF 6 kap):

- Days are calendar days. The clock starts on `clock_start`: for a first visit the day the
  referral was ISSUED by the sender (not the day it arrived), or the day the patient sought
  contact when no referral was needed; for treatment the day of the decision to treat.
- The days waited are the days from `clock_start` up to, not including, the end date (the
  visit date once booked or done, otherwise today): a visit on `clock_start + limit` is within
  the guarantee, one a day later is not.
- An excluded period covers its start and end dates, both included. An open period (no end
  yet: the patient has not said when they are available again) runs up to the day before the
  end date, so while it is open the clock stands still. Days that two periods share are
  counted once; a day both medically caused and patient-chosen counts as medically caused
  (the patient could not have been given care that day whatever they chose).
- Medically caused waiting (medicinskt orsakad väntan) always counts as excluded.
- Patient-chosen waiting (patientvald väntan) counts ONLY when it rests on a declined offer
  for which all three hold: the patient had been told about the guarantee, the offered visit
  date lay on or before the guarantee date as it stood when the offer was made (counting the
  periods that had begun before that day), and the patient declined. The period is recorded
  by the secretary with dates: from the day the patient declined (or later) until the day they
  say they are available again (or left open until then). A period resting on an offer that
  does not qualify is not counted, whatever was recorded.
- The guarantee date is the last day on which the visit keeps the counted days within the
  limit: `clock_start + limit`, moved later by every excluded day that falls before it.
- Follow-ups (återbesök) are outside the guarantee: no limit and no guarantee date; they are
  followed against the clinician's medical target date (medicinskt måldatum).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from kulisser.i18n import N_, _

ONE_DAY = timedelta(days=1)
DEFAULT_AT_RISK_DAYS = 14


class WaitKind(StrEnum):
    """What the patient waits for."""

    FIRST_VISIT = "first_visit"
    TREATMENT = "treatment"
    FOLLOW_UP = "follow_up"


WAIT_KIND_LABELS = {
    WaitKind.FIRST_VISIT: N_("Nybesök"),
    WaitKind.TREATMENT: N_("Behandling"),
    WaitKind.FOLLOW_UP: N_("Återbesök"),
}
GUARANTEE_KINDS = (WaitKind.FIRST_VISIT, WaitKind.TREATMENT)
# The national guarantee: 90 days to a first visit in specialist care and 90 to treatment.
NATIONAL_LIMITS = {WaitKind.FIRST_VISIT: 90, WaitKind.TREATMENT: 90}


@dataclass(frozen=True)
class Region:
    """A region's promise: days per kind of wait (regions may promise less than the law)."""

    code: str
    label: str
    limits: dict[WaitKind, int]


# Built-in regions; a region's own rows in the database override these.
REGIONS: dict[str, Region] = {
    "": Region("", N_("Nationell vårdgaranti"), dict(NATIONAL_LIMITS)),
    "stockholm": Region("stockholm", "Region Stockholm",
                        {WaitKind.FIRST_VISIT: 30, WaitKind.TREATMENT: 90}),
}


class OfferResponse(StrEnum):
    """The patient's answer to an offered time."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


RESPONSE_LABELS = {
    OfferResponse.PENDING: N_("Obesvarat"),
    OfferResponse.ACCEPTED: N_("Accepterat"),
    OfferResponse.DECLINED: N_("Avböjt"),
}


class Reason(StrEnum):
    """Why days are not counted."""

    MEDICAL = "medical"
    PATIENT = "patient"


REASON_LABELS = {
    Reason.MEDICAL: N_("Medicinskt orsakad väntan"),
    Reason.PATIENT: N_("Patientvald väntan"),
}


@dataclass(frozen=True)
class OfferFact:
    """An offered time as the clock sees it."""

    offered_on: date
    visit_date: date
    response: str
    informed: bool
    responded_on: date | None = None
    key: int | None = None  # the stored offer's id; patient-chosen periods point at it

    @property
    def declined_on(self) -> date:
        """The day the patient said no (the offer day when no answer day was recorded)."""
        return self.responded_on or self.offered_on


@dataclass(frozen=True)
class PeriodFact:
    """An excluded period as the clock sees it (end None: still going on)."""

    start: date
    end: date | None
    reason: str
    offer_key: int | None = None
    key: int | None = None


@dataclass(frozen=True)
class Qualification:
    """Whether a declined offer makes patient-chosen waiting count, and if not, why."""

    offer_key: int | None
    qualifies: bool
    guarantee_date: date | None  # the guarantee date as it stood when the offer was made
    message: str  # Swedish; empty when it qualifies


@dataclass(frozen=True)
class Figures:
    """The computed waiting-time figures of one entry."""

    wait_kind: WaitKind
    clock_start: date
    as_of: date  # the end date: the visit date when booked or done, otherwise today
    ended: bool
    limit_days: int | None
    days_waited: int
    days_medical: int
    days_patient: int
    days_excluded: int
    days_counted: int
    guarantee_date: date | None
    target_date: date | None
    days_left: int | None  # calendar days from as_of to the due date; negative when past
    breached: bool
    at_risk: bool  # still waiting and due within the margin
    paused: bool  # an excluded period covers today: the clock stands still

    @property
    def due_date(self) -> date | None:
        """The date that matters: the guarantee date, or a follow-up's target date."""
        return self.guarantee_date if self.guarantee_date is not None else self.target_date

    @property
    def within_guarantee(self) -> bool | None:
        """For guarantee kinds: whether the counted days stay within the limit."""
        return None if self.limit_days is None else not self.breached


Interval = tuple[date, date]  # both days included


def is_guarantee_kind(kind: str) -> bool:
    """Whether the kind of wait is covered by the care guarantee."""
    return kind in (k.value for k in GUARANTEE_KINDS)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same days (overlaps and neighbours joined)."""
    out: list[Interval] = []
    for a, b in sorted(i for i in intervals if i[1] >= i[0]):
        if out and a <= out[-1][1] + ONE_DAY:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def days_within(merged: Sequence[Interval], lo: date, hi: date) -> int:
    """How many days of the merged intervals fall within lo..hi (both included)."""
    if hi < lo:
        return 0
    total = 0
    for a, b in merged:
        a, b = max(a, lo), min(b, hi)
        if b >= a:
            total += (b - a).days + 1
    return total


def guarantee_date(clock_start: date, limit_days: int, merged: Sequence[Interval]) -> date:
    """The last allowed visit day: the (limit + 1)-th day from clock_start that is not excluded."""
    due = clock_start + timedelta(days=limit_days)
    for a, b in merged:
        if b < clock_start:
            continue
        a = max(a, clock_start)
        if a > due:
            break
        # Every excluded day on or before the due day pushes it one day later.
        due += timedelta(days=(b - a).days + 1)
    return due


def _intervals(periods: Iterable[PeriodFact], *, as_of: date, clock_start: date) -> list[Interval]:
    """Periods as day intervals from clock_start on; an open one runs to the day before as_of."""
    out = []
    for p in periods:
        end = p.end if p.end is not None else as_of - ONE_DAY
        start = max(p.start, clock_start)
        if end >= start:
            out.append((start, end))
    return out


def qualify_offers(*, wait_kind: str, clock_start: date, limit_days: int | None,
                   offers: Sequence[OfferFact], periods: Sequence[PeriodFact]
                   ) -> dict[int | None, Qualification]:
    """For every offer: does declining it make patient-chosen waiting count (and why not)?

    Offers are judged in the order they were made; the guarantee date "at that moment"
    counts the medically caused periods and the qualifying patient-chosen periods that had
    begun before the offer day.
    """
    found: dict[int | None, Qualification] = {}
    for offer in sorted(offers, key=lambda o: (o.offered_on, o.key or 0)):
        if not is_guarantee_kind(wait_kind) or limit_days is None:
            found[offer.key] = Qualification(offer.key, False, None,
                                             _("Återbesök omfattas inte av vårdgarantin."))
            continue
        earlier = [p for p in periods if p.start < offer.offered_on and (
            p.reason == Reason.MEDICAL or (p.offer_key in found and found[p.offer_key].qualifies))]
        at_offer = guarantee_date(clock_start, limit_days, merge(
            _intervals(earlier, as_of=offer.offered_on, clock_start=clock_start)))
        problems = []
        if offer.response != OfferResponse.DECLINED:
            problems.append(_("Erbjudandet är inte avböjt."))
        if not offer.informed:
            problems.append(_("Patienten hade inte fått information om vårdgarantin när tiden "
                              "erbjöds."))
        if offer.visit_date > at_offer:
            problems.append(_("Den erbjudna tiden {visit_date} låg efter garantidatumet {at_offer}, alltså "
                              "inte inom vårdgarantin.", visit_date=offer.visit_date.isoformat(),
                              at_offer=at_offer.isoformat()))
        found[offer.key] = Qualification(offer.key, not problems, at_offer, " ".join(problems))
    return found


def counted_periods(*, wait_kind: str, clock_start: date, limit_days: int | None,
                    offers: Sequence[OfferFact], periods: Sequence[PeriodFact]) -> list[PeriodFact]:
    """The periods that are not counted: all medical ones, patient ones on a qualifying decline."""
    quals = qualify_offers(wait_kind=wait_kind, clock_start=clock_start, limit_days=limit_days,
                           offers=offers, periods=periods)
    by_key = {o.key: o for o in offers}
    out = []
    for p in periods:
        if p.reason == Reason.MEDICAL:
            out.append(p)
        elif p.offer_key in quals and quals[p.offer_key].qualifies:
            # Patient-chosen waiting cannot begin before the patient said no.
            start = max(p.start, by_key[p.offer_key].declined_on)
            if p.end is None or p.end >= start:
                out.append(PeriodFact(start, p.end, p.reason, p.offer_key, p.key))
    return out


def compute(*, wait_kind: str, clock_start: date, limit_days: int | None, today: date,
            offers: Sequence[OfferFact] = (), periods: Sequence[PeriodFact] = (),
            end_date: date | None = None, medical_target_date: date | None = None,
            at_risk_days: int = DEFAULT_AT_RISK_DAYS) -> Figures:
    """The figures of one wait: days waited, excluded and counted, the due date, days left."""
    kind = WaitKind(wait_kind)
    as_of = end_date or today
    counted = counted_periods(wait_kind=kind, clock_start=clock_start, limit_days=limit_days,
                              offers=offers, periods=periods)
    medical = [p for p in counted if p.reason == Reason.MEDICAL]
    all_merged = merge(_intervals(counted, as_of=as_of, clock_start=clock_start))
    last = as_of - ONE_DAY
    days_waited = max(0, (as_of - clock_start).days)
    days_excluded = days_within(all_merged, clock_start, last)
    days_medical = days_within(merge(_intervals(medical, as_of=as_of, clock_start=clock_start)),
                               clock_start, last)
    days_counted = days_waited - days_excluded
    guarantee: date | None = None
    target: date | None = None
    days_left: int | None = None
    breached = False
    if is_guarantee_kind(kind) and limit_days is not None:
        guarantee = guarantee_date(clock_start, limit_days, all_merged)
        days_left = (guarantee - as_of).days
        breached = days_counted > limit_days
    elif medical_target_date is not None:
        target = medical_target_date
        days_left = (target - as_of).days
        breached = as_of > target
    paused = end_date is None and any(
        p.start <= today and (p.end is None or p.end >= today) for p in counted)
    return Figures(
        wait_kind=kind, clock_start=clock_start, as_of=as_of, ended=end_date is not None,
        limit_days=limit_days if is_guarantee_kind(kind) else None, days_waited=days_waited,
        days_medical=days_medical, days_patient=days_excluded - days_medical,
        days_excluded=days_excluded, days_counted=days_counted, guarantee_date=guarantee,
        target_date=target, days_left=days_left, breached=breached,
        # A booked or finished wait is no longer at risk (only breached, or not).
        at_risk=(end_date is None and not breached and days_left is not None
                 and days_left <= at_risk_days),
        paused=paused)


def backing_offer(*, wait_kind: str, clock_start: date, limit_days: int | None,
                  offers: Sequence[OfferFact], periods: Sequence[PeriodFact], start: date,
                  offer_key: int | None = None) -> tuple[int | None, str]:
    """The declined offer a new patient-chosen period rests on, or a Swedish reason why none.

    `periods` are the entry's other periods (an offer backs one period only). Without
    offer_key the latest qualifying decline on or before `start` is taken.
    """
    if not is_guarantee_kind(wait_kind):
        return None, (_("Återbesök omfattas inte av vårdgarantin, så ingen väntan räknas bort; "
                        "ändra det medicinska måldatumet i stället."))
    quals = qualify_offers(wait_kind=wait_kind, clock_start=clock_start, limit_days=limit_days,
                           offers=offers, periods=periods)
    used = {p.offer_key for p in periods if p.reason == Reason.PATIENT}
    declined = [o for o in offers if o.response == OfferResponse.DECLINED]
    if offer_key is not None:
        offer = next((o for o in offers if o.key == offer_key), None)
        if offer is None:
            return None, _("Erbjudandet finns inte för den här väntan.")
        if not quals[offer.key].qualifies:
            return None, _("Erbjudandet grundar inte patientvald väntan: {reason}",
                           reason=quals[offer.key].message)
        if offer.key in used:
            return None, _("Erbjudandet grundar redan en annan period av patientvald väntan.")
        if start < offer.declined_on:
            return None, (_("Patientvald väntan kan börja tidigast den dag patienten tackade nej "
                            "({declined_on}).", declined_on=offer.declined_on.isoformat()))
        return offer.key, ""
    usable = sorted((o for o in declined if quals[o.key].qualifies and o.key not in used
                     and o.declined_on <= start), key=lambda o: (o.declined_on, o.key or 0))
    if usable:
        return usable[-1].key, ""
    rule = (_("Patientvald väntan räknas bara när patienten har informerats om vårdgarantin, "
              "erbjudits en tid inom garantin och själv tackat nej."))
    if not declined:
        return None, rule + _(" Inget avböjt erbjudande är registrerat.")
    reasons = []
    for o in sorted(declined, key=lambda o: o.offered_on):
        when = o.offered_on.isoformat()
        if not quals[o.key].qualifies:
            reasons.append(f"Erbjudandet {when}: {quals[o.key].message}")
        elif o.key in used:
            reasons.append(_("Erbjudandet {when} grundar redan en annan period.", when=when))
        else:
            reasons.append(_("Erbjudandet {when} avböjdes först {declined_on}, efter periodens början.",
                             when=when, declined_on=o.declined_on.isoformat()))
    return None, rule + " " + " ".join(reasons)
