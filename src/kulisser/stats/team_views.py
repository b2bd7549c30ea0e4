"""The team's load (``/oversikt/team``), one's own week (``/oversikt/min-vecka``) and absences.

Counts per person and kind, no patient: these pages write no audit rows. A manager sees every
secretary's row; a secretary sees the team totals and her own row only. Marking someone away
and moving her items are forms with the usual CSRF token; the move goes through the worklist's
operations (``team_actions``), which check and log each item as every action does.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kulisser.bounds import parse_int
from kulisser.db import utcnow
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import N_, _
from kulisser.staff import service as staff
from kulisser.staff.service import Role
from kulisser.stats import charts, service, team, team_actions
from kulisser.stats.aggregate import local_day
from kulisser.stats.service import PERIOD_LABELS
from kulisser.web import csv as csv_export
from kulisser.web.deps import Ctx, CurrentCtx, FormStr
from kulisser.web.templating import render

router = APIRouter(include_in_schema=False)

ALLOWED = (Role.SECRETARY, Role.MANAGER, Role.ADMIN)
WEEKDAYS = (N_("mån"), N_("tis"), N_("ons"), N_("tor"), N_("fre"), N_("lör"), N_("sön"))
MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def _check(ctx: Ctx) -> None:
    if ctx.actor.role not in ALLOWED:
        raise Forbidden(_("Översikten är till för sekreterare och enhetschefer."))


def day_label(d: date) -> str:
    """A short Swedish date with its weekday: "lör 5 dec"."""
    return f"{_(WEEKDAYS[d.weekday()])} {d.day} {_(MONTHS[d.month - 1])}"


def visible(ctx: Ctx, t: team.Team) -> list[team.Person]:
    """The rows the actor may see: every person for a manager, her own row for a secretary."""
    return t.people if ctx.actor.is_manager else t.only(ctx.actor.user_id)


def _team(ctx: Ctx, period: str | None, till: str | None) -> tuple[team.Team, service.Period]:
    _check(ctx)
    now = utcnow()
    chosen = service.parse_period(period or service.Period.WEEK.value)
    until = service.parse_day(till, default=local_day(now))
    first, last, _ps, _pe = service.period_bounds(chosen, until)
    return team.balance(ctx.db, unit_id=ctx.actor.unit_id, first=first, last=last, now=now), chosen


def _charts(t: team.Team, rows: list[team.Person]) -> dict[str, Any]:
    labels = [label for _c, label in t.kinds]
    return {
        "kinds": charts.bar_chart(
            "team-kinds", title=_("Teamets öppna ärenden per typ"),
            desc=_("{n} öppna ärenden hos teamet och i enhetens kö, {o} försenade.",
                   n=t.total.open_total, o=t.total.overdue_total),
            labels=labels, series=[(_("Öppna"), [float(t.total.open[c]) for c, _l in t.kinds]),
                                   (_("Försenade"), [float(t.total.overdue[c]) for c, _l in t.kinds])]),
        "people": charts.bar_chart(
            "team-people", title=_("Öppna och försenade per person"),
            desc=_("Personerna i bokstavsordning, inte rangordnade."),
            labels=[p.name for p in rows] + [_("Enhetens kö")],
            series=[(_("Öppna"), [float(p.load.open_total) for p in rows] + [float(t.queue.open_total)]),
                    (_("Försenade"), [float(p.load.overdue_total) for p in rows]
                     + [float(t.queue.overdue_total)])]),
    }


def _page(request: Request, ctx: Ctx, *, period: str | None = None, till: str | None = None,
          errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    t, chosen = _team(ctx, period, till)
    rows = visible(ctx, t)
    today = local_day(utcnow())
    names = {m.id: m.full_name for m in staff.unit_member_names(ctx.db, unit_id=ctx.actor.unit_id)}
    open_of = {p.user_id: p.load for p in t.people}
    absences = [{"absence": a, "name": names.get(a.user_id, ""), "now": a.first_day <= today,
                 "may_change": staff.may_mark_absent(ctx.actor, a.user_id),
                 "load": open_of.get(a.user_id) if (ctx.actor.is_manager or
                                                    a.user_id == ctx.actor.user_id) else None}
                for a in staff.unit_absences(ctx.db, unit_id=ctx.actor.unit_id, from_day=today)]
    away_today = {p.user_id for p in t.absent}
    colleagues = [(uid, name) for uid, name in names.items() if uid not in away_today]
    markable = ([(p.user_id, p.name) for p in t.people] if ctx.actor.is_manager
                else [(ctx.actor.user_id, ctx.actor.full_name)])
    query = {"period": chosen.value, "till": till or ""}
    return render(request, "stats/team.html", {
        "nav": "overview", "t": t, "rows": rows, "manager": ctx.actor.is_manager,
        "charts": _charts(t, rows), "periods": PERIOD_LABELS, "period": chosen, "query": query,
        "absences": absences, "colleagues": colleagues, "markable": markable,
        "errors": errors or {}, "values": values or {}, "number": charts.number,
        "day_label": day_label, "today": today.isoformat(),
        "moved": request.query_params.get("flyttade"),
        "skipped": request.query_params.get("kvar")}, status_code=status_code)


@router.get("/oversikt/team")
def team_page(request: Request, ctx: CurrentCtx, period: str | None = None,
              till: str | None = None) -> Response:
    """Who carries what: open and overdue items per secretary and kind, hand-overs, absences."""
    return _page(request, ctx, period=period, till=till)


@router.get("/oversikt/team.csv")
def team_csv(ctx: CurrentCtx, period: str | None = None, till: str | None = None) -> Response:
    """The team's figures as CSV: one row per person (as visible) and kind, then the totals."""
    t, chosen = _team(ctx, period, till)
    header = [_("Namn"), _("Typ"), _("Öppna"), _("Försenade"), _("Överlämnade till"),
              _("Överlämnade från"), _("Frånvarande i dag")]
    out: list[list[object]] = []
    named = [(p.name, p.load, _("ja") if p.away is not None else _("nej")) for p in visible(ctx, t)]
    named += [(_("Enhetens kö"), t.queue, ""), (_("Teamet"), t.team, ""),
              (_("Teamet och kön"), t.total, "")]
    for name, load, away in named:
        out += [[name, label, load.open[c], load.overdue[c], load.handed_in[c], load.handed_out[c],
                 away] for c, label in t.kinds]
    return csv_export.attachment(csv_export.document(header, out),
                                 f"kulisser-team-{chosen.value}-{t.end.isoformat()}.csv")


def _form_user(raw: str) -> int:
    value = parse_int(raw)
    if value is None:
        raise ValidationFailed({"user_id": _("Välj en person.")})
    return value


@router.post("/oversikt/franvaro")
def absence_add(request: Request, ctx: CurrentCtx, user_id: FormStr = "", first_day: FormStr = "",
                last_day: FormStr = "") -> Response:
    """Mark a secretary away from one day to another (herself, or anyone by the manager)."""
    _check(ctx)
    values = {"user_id": user_id, "first_day": first_day, "last_day": last_day}
    try:
        staff.mark_absent(ctx.db, actor=ctx.actor, user_id=_form_user(user_id),
                          first_day=first_day, last_day=last_day)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _page(request, ctx, errors=exc.errors, values=values, status_code=422)
    return RedirectResponse("/oversikt/team#franvaro", status_code=303)


@router.post("/oversikt/franvaro/ta-bort")
def absence_remove(ctx: CurrentCtx, absence_id: FormStr = "") -> Response:
    """Take an absence back."""
    _check(ctx)
    value = parse_int(absence_id)
    if value is None:
        raise ValidationFailed({"absence_id": _("Välj en frånvaro.")})
    staff.remove_absence(ctx.db, actor=ctx.actor, absence_id=value)
    return RedirectResponse("/oversikt/team#franvaro", status_code=303)


@router.post("/oversikt/franvaro/lamna-over")
def absence_hand_over(request: Request, ctx: CurrentCtx, user_id: FormStr = "",
                      to: FormStr = "") -> Response:
    """In one action, offer an absent secretary's open items to the queue or hand them to one
    colleague ("to" is "queue" or a colleague's id)."""
    _check(ctx)
    target = None if to == "queue" else parse_int(to)
    try:
        if to != "queue" and target is None:
            raise ValidationFailed({"to_user_id": _("Välj kön eller en kollega.")})
        outcome = team_actions.hand_over_absent(ctx.db, actor=ctx.actor, user_id=_form_user(user_id),
                                                to_user_id=target)
    except ValidationFailed as exc:
        ctx.db.rollback()
        return _page(request, ctx, errors=exc.errors, values={"user_id": user_id, "to": to},
                     status_code=422)
    return RedirectResponse(f"/oversikt/team?flyttade={len(outcome.moved)}"
                            f"&kvar={len(outcome.skipped)}#franvaro", status_code=303)


def _week(ctx: Ctx, vecka: str | None) -> team.MyWeek:
    _check(ctx)
    now = utcnow()
    day = service.parse_day(vecka, default=local_day(now))
    return team.my_week(ctx.db, user_id=ctx.actor.user_id, unit_id=ctx.actor.unit_id,
                        monday=team.week_start(day), now=now)


def due_label(key: date | str) -> str:
    """A due bucket of my week in Swedish."""
    if key == "overdue":
        return _("Försenade")
    if key == "later":
        return _("Senare")
    assert isinstance(key, date)
    return day_label(key)


def short_due_label(key: date | str) -> str:
    """A due bucket as a chart's short label ("lör 5"), so nine of them fit side by side."""
    if isinstance(key, date):
        return f"{_(WEEKDAYS[key.weekday()])} {key.day}"
    return due_label(key)


@router.get("/oversikt/min-vecka")
def my_week_page(request: Request, ctx: CurrentCtx, vecka: str | None = None) -> Response:
    """Her own week: what she completed per kind and day, what waits for her, hand-overs."""
    week = _week(ctx, vecka)
    labels = [day_label(d) for d in week.days]
    waiting = [(due_label(k), c) for k, c in week.waiting]
    return render(request, "stats/my_week.html", {
        "nav": "overview", "w": week, "waiting": waiting, "day_label": day_label,
        "number": charts.number, "week_no": week.days[0].isocalendar().week,
        "previous": (week.days[0] - timedelta(days=7)).isoformat(),
        "next": (week.days[0] + timedelta(days=7)).isoformat(),
        "chart_done": charts.bar_chart(
            "week-done", title=_("Klara ärenden per dag"),
            desc=_("{n} ärenden klara under veckan.", n=sum(week.done_per_day)),
            labels=labels, series=[(_("Klara"), [float(n) for n in week.done_per_day])]),
        "chart_waiting": charts.bar_chart(
            "week-waiting", title=_("Mina öppna ärenden efter förfallodag"),
            desc=_("{n} öppna ärenden väntar.", n=sum(sum(c.values()) for _k, c in waiting)),
            labels=[short_due_label(k) for k, _c in week.waiting],
            series=[(_("Öppna"), [float(sum(c.values())) for _l, c in waiting])])})


@router.get("/oversikt/min-vecka.csv")
def my_week_csv(ctx: CurrentCtx, vecka: str | None = None) -> Response:
    """Her week as CSV: done per kind and day, then what waits per kind and due day."""
    week = _week(ctx, vecka)
    header = [_("Vad"), _("Dag"), _("Typ"), _("Antal")]
    rows: list[list[object]] = []
    for code, label in week.kinds:
        per_day = week.done.get(code, [0] * 7)
        rows += [[_("Klara"), d.isoformat(), label, per_day[i]] for i, d in enumerate(week.days)]
    for key, counts in week.waiting:
        rows += [[_("Väntar"), due_label(key), label, counts[code]] for code, label in week.kinds]
    rows += [[_("Överlämnade till mig"), "", label, week.handed_in[code]] for code, label in week.kinds]
    rows += [[_("Överlämnade från mig"), "", label, week.handed_out[code]] for code, label in week.kinds]
    return csv_export.attachment(csv_export.document(header, rows),
                                 f"kulisser-min-vecka-{week.days[0].isoformat()}.csv")


def section(ctx: Ctx, ov: service.Overview) -> dict[str, Any] | None:
    """The overview's team section: totals per kind now, items left with someone absent, a link."""
    if ctx.actor.role not in ALLOWED:
        return None
    # Open items now, without the period's hand-overs (the section does not show them): the
    # overview stays one scan of the unit's open items dearer, not of the period's history.
    t = team.balance(ctx.db, unit_id=ctx.actor.unit_id, first=ov.start, last=ov.end, now=utcnow(),
                     handovers=False)
    return {"t": t, "number": charts.number}
