"""Guarantee limits per kind of wait: the unit's own rule, else its region's, else the law's.

A unit belongs to a region (WaitlistSetting.region; "" is the national guarantee). The limit
for a kind of wait is looked up in this order: the unit's own GuaranteeLimit row, the region's
row in the database, the region's built-in promise (guarantee.REGIONS), the national 90 days.
An entry keeps the limit that applied when it was added (the promise made to the patient).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from kulisser.errors import Forbidden, ValidationFailed
from kulisser.i18n import _
from kulisser.staff.service import Actor, Role
from kulisser.waitlist import guarantee as g
from kulisser.waitlist.models import GuaranteeLimit, WaitlistSetting

MAX_LIMIT_DAYS = 365
MAX_AT_RISK_DAYS = 90


def setting(session: Session, *, unit_id: int) -> WaitlistSetting:
    """The unit's settings (defaults, unsaved, when it has none)."""
    row = session.get(WaitlistSetting, unit_id)
    return row if row is not None else WaitlistSetting(unit_id=unit_id, region="",
                                                       at_risk_days=g.DEFAULT_AT_RISK_DAYS)


def region_limit(session: Session, *, region: str, wait_kind: str) -> int | None:
    """The region's limit for a kind of wait (database row, else built-in), None for follow-ups."""
    if not g.is_guarantee_kind(wait_kind):
        return None
    days = session.scalar(select(GuaranteeLimit.days).where(
        GuaranteeLimit.region == region, GuaranteeLimit.wait_kind == wait_kind))
    if days is not None:
        return days
    preset = g.REGIONS.get(region, g.REGIONS[""])
    return preset.limits.get(g.WaitKind(wait_kind), g.NATIONAL_LIMITS[g.WaitKind(wait_kind)])


def limit_for(session: Session, *, unit_id: int, wait_kind: str) -> int | None:
    """The limit that applies now at the unit for a kind of wait (None for follow-ups)."""
    if not g.is_guarantee_kind(wait_kind):
        return None
    own = session.scalar(select(GuaranteeLimit.days).where(
        GuaranteeLimit.unit_id == unit_id, GuaranteeLimit.wait_kind == wait_kind))
    if own is not None:
        return own
    return region_limit(session, region=setting(session, unit_id=unit_id).region,
                        wait_kind=wait_kind)


def regions(session: Session) -> list[tuple[str, str]]:
    """Known regions (built-in and those with rows of their own) for a select."""
    codes = set(g.REGIONS) | {r for r in session.scalars(
        select(GuaranteeLimit.region).where(GuaranteeLimit.region.is_not(None)).distinct()) if r}
    return [(code, _(g.REGIONS[code].label) if code in g.REGIONS else code.capitalize())
            for code in sorted(codes, key=lambda c: (c != "", c))]


def limit_table(session: Session, *, unit_id: int) -> list[dict[str, object]]:
    """Per guarantee kind: the region's limit, the unit's own (if any) and the one in force."""
    region = setting(session, unit_id=unit_id).region
    own = {r.wait_kind: r.days for r in session.scalars(
        select(GuaranteeLimit).where(GuaranteeLimit.unit_id == unit_id))}
    rows: list[dict[str, object]] = []
    for kind in g.GUARANTEE_KINDS:
        region_days = region_limit(session, region=region, wait_kind=kind)
        rows.append({"kind": kind.value, "label": _(g.WAIT_KIND_LABELS[kind]),
                     "region_days": region_days, "unit_days": own.get(kind.value),
                     "days": own.get(kind.value, region_days)})
    return rows


def _check_days(days: int | None, field: str, errors: dict[str, str]) -> None:
    if days is not None and not 1 <= days <= MAX_LIMIT_DAYS:
        errors[field] = _("Ange ett antal dagar mellan 1 och {max_limit_days}.",
                          max_limit_days=MAX_LIMIT_DAYS)


def set_limit(session: Session, *, actor: Actor, wait_kind: str, days: int | None,
              region: str | None = None, now: datetime | None = None) -> None:
    """Set (None: remove) the unit's own limit, or with region an administrator's region limit."""
    now = now or utcnow()
    if not actor.is_manager:
        raise Forbidden(_("Endast enhetschef eller administratör kan ändra vårdgarantins gränser."))
    if region is not None and actor.role != Role.ADMIN:
        raise Forbidden(_("Endast administratör kan ändra en regions gränser."))
    errors: dict[str, str] = {}
    if not g.is_guarantee_kind(wait_kind):
        errors["wait_kind"] = _("Välj nybesök eller behandling (återbesök har ingen vårdgaranti).")
    _check_days(days, f"days_{wait_kind}", errors)
    if region is not None and (not region.strip() or len(region) > 40):
        errors["region"] = _("Ange regionens kod (högst 40 tecken).")
    if errors:
        raise ValidationFailed(errors)
    scope = (GuaranteeLimit.region == region) if region is not None else (
        GuaranteeLimit.unit_id == actor.unit_id)
    row = session.scalar(select(GuaranteeLimit).where(scope, GuaranteeLimit.wait_kind == wait_kind))
    if days is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(GuaranteeLimit(unit_id=None if region is not None else actor.unit_id,
                                   region=region, wait_kind=wait_kind, days=days, changed_at=now,
                                   changed_by_id=actor.user_id))
    else:
        row.days, row.changed_at, row.changed_by_id = days, now, actor.user_id
    session.flush()


def set_setting(session: Session, *, actor: Actor, region: str, at_risk_days: int,
                now: datetime | None = None) -> WaitlistSetting:
    """Choose the unit's region and its risk margin (managers)."""
    now = now or utcnow()
    if not actor.is_manager:
        raise Forbidden(_("Endast enhetschef eller administratör kan ändra väntelistans inställningar."))
    errors: dict[str, str] = {}
    if region not in {code for code, _label in regions(session)}:
        errors["region"] = _("Välj en region i listan.")
    if not 0 <= at_risk_days <= MAX_AT_RISK_DAYS:
        errors["at_risk_days"] = _("Ange ett antal dagar mellan 0 och {max_at_risk_days}.",
                                   max_at_risk_days=MAX_AT_RISK_DAYS)
    if errors:
        raise ValidationFailed(errors)
    row = session.get(WaitlistSetting, actor.unit_id)
    if row is None:
        row = WaitlistSetting(unit_id=actor.unit_id)
        session.add(row)
    row.region, row.at_risk_days = region, at_risk_days
    row.changed_at, row.changed_by_id = now, actor.user_id
    session.flush()
    return row
