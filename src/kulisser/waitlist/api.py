"""JSON API for the waiting list: the unit's list, one entry, offers, excluded periods, the end."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from kulisser.bounds import Id
from kulisser.errors import Forbidden, NotFound
from kulisser.i18n import _
from kulisser.patients.service import Patient
from kulisser.staff import service as staff
from kulisser.waitlist import guarantee as g
from kulisser.waitlist import items, limits
from kulisser.waitlist import service as waitlist
from kulisser.waitlist.models import WaitlistEntry, local_today
from kulisser.waitlist.queries import EntryRow, WaitlistFilter
from kulisser.waitlist.schemas import (
    EntryCreate,
    EntryDetail,
    EntryEnd,
    EntryList,
    EntryOut,
    EventOut,
    FiguresOut,
    LimitRow,
    LimitsIn,
    LimitsOut,
    OfferAnswerIn,
    OfferIn,
    OfferOut,
    PeriodEndIn,
    PeriodIn,
    PeriodOut,
    ReasonIn,
)
from kulisser.web.api import auth_dependencies, error_responses
from kulisser.web.deps import Ctx, CurrentCtx
from kulisser.worklist.service import PatientRef, Priority, RecordRef, UserRef

router = APIRouter(prefix="/api/v1", tags=["waiting list"], responses=error_responses(401),
                   dependencies=auth_dependencies())
_ACT_ERRORS = error_responses(403, 404, 409, 422)


def _figures(fg: g.Figures) -> FiguresOut:
    return FiguresOut(as_of=fg.as_of, limit_days=fg.limit_days, days_waited=fg.days_waited,
                      days_medical=fg.days_medical, days_patient=fg.days_patient,
                      days_excluded=fg.days_excluded, days_counted=fg.days_counted,
                      guarantee_date=fg.guarantee_date, target_date=fg.target_date,
                      days_left=fg.days_left, breached=fg.breached, at_risk=fg.at_risk,
                      paused=fg.paused)


def _summary(e: WaitlistEntry, patient: Patient, fg: g.Figures) -> dict[str, Any]:
    return dict(
        id=e.id, unit_id=e.unit_id,
        patient=PatientRef(id=patient.id, name=patient.full_name, identifier=patient.display_id),
        wait_kind=g.WaitKind(e.wait_kind), wait_kind_label=e.kind_label, clock_start=e.clock_start,
        status=e.status, status_label=e.status_label, priority=Priority(e.priority),
        medical_target_date=e.medical_target_date, end_date=e.end_date,
        source=(RecordRef(type=e.source_type, id=e.source_id)
                if e.source_type and e.source_id is not None else None),
        figures=_figures(fg), created_at=e.created_at, updated_at=e.updated_at)


def _detail(session: Session, e: WaitlistEntry) -> EntryDetail:
    session.flush()
    patient = session.get(Patient, e.patient_id)
    assert patient is not None
    at_risk = limits.setting(session, unit_id=e.unit_id).at_risk_days
    quals = e.qualifications()
    names = staff.user_names(session, {ev.actor_id for ev in e.events if ev.actor_id is not None})
    return EntryDetail(
        **_summary(e, patient, e.figures(local_today(), at_risk_days=at_risk)),
        note=e.note, removed_reason=e.removed_reason,
        offers=[OfferOut(id=o.id, offered_on=o.offered_on, visit_date=o.visit_date,
                         informed=o.informed, response=g.OfferResponse(o.response),
                         response_label=o.response_label, responded_on=o.responded_on, note=o.note,
                         qualifies=quals[o.id].qualifies,
                         why_not=(quals[o.id].message or None)
                         if o.response == g.OfferResponse.DECLINED else None)
                for o in e.offers],
        excluded_periods=[PeriodOut(id=p.id, reason=g.Reason(p.reason), reason_label=p.reason_label,
                                    start=p.start_date, end=p.end_date, offer_id=p.offer_id,
                                    note=p.note, removed_at=p.removed_at,
                                    removed_reason=p.removed_reason) for p in e.periods],
        events=[EventOut(at=ev.at, type=ev.type, from_status=ev.from_status, to_status=ev.to_status,
                         reason=ev.reason, data=ev.data,
                         actor=UserRef(id=ev.actor_id, name=names.get(ev.actor_id, ""))
                         if ev.actor_id is not None else None) for ev in e.events],
        work_item_ids=[i.id for i in items.open_items(session, entry_id=e.id)])


def _out(r: EntryRow) -> EntryOut:
    return EntryOut(**_summary(r.entry, r.patient, r.figures))


@router.get("/waitlist", response_model=EntryList, summary="The unit's waiting list by urgency",
            responses=error_responses(422))
def list_entries(*, kind: g.WaitKind | None = None,
                 status: Annotated[str, Query(description="active, waiting, booked, closed, all")] = "active",
                 risk_days: Annotated[int | None, Query(ge=0, le=365,
                                               description="Only entries due within N days "
                                                           "(past ones included).")] = None,
                 ctx: CurrentCtx) -> EntryList:
    """Breached first, then the fewest days left; every patient listed is logged."""
    f = WaitlistFilter(kind=kind.value if kind else "", status=status,
                       risk_days="" if risk_days is None else str(risk_days))
    rows = waitlist.list_entries(ctx.db, actor=ctx.actor, f=f)
    return EntryList(items=[_out(r) for r in rows], total=len(rows))


@router.post("/waitlist", response_model=EntryDetail, status_code=201,
             summary="Put a patient on the waiting list", responses=error_responses(403, 404, 422))
def create(body: EntryCreate, ctx: CurrentCtx) -> EntryDetail:
    """The entry and its `waitlist` work item in the unit's queue."""
    e = waitlist.add_entry(ctx.db, actor=ctx.actor, patient_id=body.patient_id,
                           wait_kind=body.wait_kind.value, clock_start=body.clock_start,
                           priority=body.priority.value, note=body.note,
                           medical_target_date=body.medical_target_date,
                           source_type=body.source_type, source_id=body.source_id)
    return _detail(ctx.db, e)


def _limits(ctx: Ctx) -> LimitsOut:
    s = waitlist.setting(ctx.db, unit_id=ctx.actor.unit_id)
    rows = waitlist.limit_table(ctx.db, unit_id=ctx.actor.unit_id)
    return LimitsOut(region=s.region, at_risk_days=s.at_risk_days,
                     limits=[LimitRow(wait_kind=g.WaitKind(str(r["kind"])), label=str(r["label"]),
                                      region_days=int(str(r["region_days"])),
                                      unit_days=None if r["unit_days"] is None
                                      else int(str(r["unit_days"])), days=int(str(r["days"])))
                             for r in rows])


@router.get("/waitlist/limits", response_model=LimitsOut, summary="The unit's guarantee limits")
def get_limits(ctx: CurrentCtx) -> LimitsOut:
    """The unit's region, risk margin and the limit per kind of wait."""
    return _limits(ctx)


@router.put("/waitlist/limits", response_model=LimitsOut, summary="Change the unit's limits",
            responses=error_responses(403, 422))
def put_limits(body: LimitsIn, ctx: CurrentCtx) -> LimitsOut:
    """Managers: the region, the margin, and the unit's own limits (null: the region's)."""
    if not ctx.actor.is_manager:
        raise Forbidden(_("Endast enhetschef eller administratör kan ändra vårdgarantins gränser."))
    current_setting = waitlist.setting(ctx.db, unit_id=ctx.actor.unit_id)
    if body.region is not None or body.at_risk_days is not None:
        waitlist.set_setting(ctx.db, actor=ctx.actor,
                             region=current_setting.region if body.region is None else body.region,
                             at_risk_days=current_setting.at_risk_days if body.at_risk_days is None
                             else body.at_risk_days)
    for kind, days in body.limits.items():
        waitlist.set_limit(ctx.db, actor=ctx.actor, wait_kind=kind.value, days=days)
    return _limits(ctx)


@router.get("/waitlist/{entry_id}", response_model=EntryDetail, summary="One entry",
            responses=error_responses(403, 404))
def get(entry_id: Id, ctx: CurrentCtx) -> EntryDetail:
    """The entry with its figures, offers, excluded periods and history."""
    return _detail(ctx.db, waitlist.get_entry(ctx.db, actor=ctx.actor, entry_id=entry_id))


@router.post("/waitlist/{entry_id}/offers", response_model=EntryDetail, status_code=201,
             summary="Record an offered time", responses=_ACT_ERRORS)
def add_offer(entry_id: Id, body: OfferIn, ctx: CurrentCtx) -> EntryDetail:
    """An accepted offer books the visit; a decline may ground patient-chosen waiting."""
    offer = waitlist.record_offer(ctx.db, actor=ctx.actor, entry_id=entry_id,
                                  offered_on=body.offered_on, visit_date=body.visit_date,
                                  informed=body.informed, response=body.response.value,
                                  responded_on=body.responded_on, note=body.note)
    return _detail(ctx.db, offer.entry)


@router.post("/waitlist/{entry_id}/offers/{offer_id}/answer", response_model=EntryDetail,
             summary="The patient's answer to a pending offer", responses=_ACT_ERRORS)
def answer_offer(entry_id: Id, offer_id: Id, body: OfferAnswerIn,
                 ctx: CurrentCtx) -> EntryDetail:
    """Accepted books the visit; declined may ground patient-chosen waiting."""
    offer = waitlist.respond_offer(ctx.db, actor=ctx.actor, entry_id=entry_id, offer_id=offer_id,
                                   response=body.response, responded_on=body.responded_on)
    return _detail(ctx.db, offer.entry)


@router.post("/waitlist/{entry_id}/excluded-periods", response_model=EntryDetail, status_code=201,
             summary="Record days that are not counted", responses=_ACT_ERRORS)
def add_period(entry_id: Id, body: PeriodIn, ctx: CurrentCtx) -> EntryDetail:
    """Patient-chosen waiting without a qualifying declined offer is refused (422, errors.offer_id)."""
    period = waitlist.add_excluded_period(ctx.db, actor=ctx.actor, entry_id=entry_id,
                                          reason=body.reason.value, start=body.start, end=body.end,
                                          offer_id=body.offer_id, note=body.note)
    return _detail(ctx.db, period.entry)


@router.post("/waitlist/{entry_id}/excluded-periods/{period_id}/end", response_model=EntryDetail,
             summary="End an open period", responses=_ACT_ERRORS)
def end_period(entry_id: Id, period_id: Id, body: PeriodEndIn,
               ctx: CurrentCtx) -> EntryDetail:
    """The patient is available again (or can be given care) after this day."""
    period = waitlist.end_excluded_period(ctx.db, actor=ctx.actor, entry_id=entry_id,
                                          period_id=period_id, end=body.end)
    return _detail(ctx.db, period.entry)


@router.post("/waitlist/{entry_id}/excluded-periods/{period_id}/remove", response_model=EntryDetail,
             summary="Withdraw a period recorded by mistake", responses=_ACT_ERRORS)
def remove_period(entry_id: Id, period_id: Id, body: ReasonIn,
                  ctx: CurrentCtx) -> EntryDetail:
    """The period stays in the history and is no longer counted."""
    period = waitlist.remove_excluded_period(ctx.db, actor=ctx.actor, entry_id=entry_id,
                                             period_id=period_id, reason=body.reason)
    return _detail(ctx.db, period.entry)


@router.post("/waitlist/{entry_id}/end", response_model=EntryDetail,
             summary="The visit is booked or done", responses=_ACT_ERRORS)
def end(entry_id: Id, body: EntryEnd, ctx: CurrentCtx) -> EntryDetail:
    """The clock stops at the visit date; booked again with another date rebooks."""
    return _detail(ctx.db, waitlist.end_entry(ctx.db, actor=ctx.actor, entry_id=entry_id,
                                              status=body.status, visit_date=body.visit_date))


@router.post("/waitlist/{entry_id}/reopen", response_model=EntryDetail,
             summary="A booked visit fell through", responses=_ACT_ERRORS)
def reopen(entry_id: Id, body: ReasonIn, ctx: CurrentCtx) -> EntryDetail:
    """The patient waits again from the same clock start."""
    return _detail(ctx.db, waitlist.reopen_entry(ctx.db, actor=ctx.actor, entry_id=entry_id,
                                                 reason=body.reason))


@router.post("/waitlist/{entry_id}/remove", response_model=EntryDetail,
             summary="Take off the list without a visit", responses=_ACT_ERRORS)
def remove(entry_id: Id, body: ReasonIn, ctx: CurrentCtx) -> EntryDetail:
    """With a reason (care elsewhere, no longer needed ...); its work item is cancelled."""
    return _detail(ctx.db, waitlist.remove_entry(ctx.db, actor=ctx.actor, entry_id=entry_id,
                                                 reason=body.reason))


@router.get("/patients/{patient_id}/waitlist", response_model=EntryList,
            summary="A patient's waits at the unit", responses=error_responses(403, 404))
def patient_waits(patient_id: Id, ctx: CurrentCtx) -> EntryList:
    """Active ones first; the access is logged."""
    if ctx.db.get(Patient, patient_id) is None:
        raise NotFound(_("Patienten finns inte."))
    rows = waitlist.patient_entries(ctx.db, actor=ctx.actor, patient_id=patient_id)
    return EntryList(items=[_out(r) for r in rows], total=len(rows))
