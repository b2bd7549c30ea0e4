"""A patient's results and referral replies as record texts, with their signatures."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulisser.i18n import _
from kulisser.record_texts import RecordText, local_day, local_time
from kulisser.results.models import Result, ResultObservation
from kulisser.staff import service as staff


def _value_line(obs: ResultObservation) -> str:
    name, value, unit = obs.name, obs.value, obs.unit
    line = f"{name}: {value} {unit}".rstrip()
    if obs.ref_text:
        line += f" ({obs.ref_text})"
    if obs.flag:
        line += f" [{obs.flag}]"
    return line


def result_texts(session: Session, *, patient_id: int, unit_id: int) -> list[RecordText]:
    """The patient's results in the unit, oldest first, each with its values and who signed it
    (no access check: the caller checks)."""
    results = list(session.scalars(
        select(Result).where(Result.patient_id == patient_id, Result.unit_id == unit_id)
        .options(selectinload(Result.observations))
        .order_by(Result.received_at, Result.id)))
    names = staff.user_names(session, {r.signed_by_id for r in results if r.signed_by_id})
    found = []
    for result in results:
        lines = [_("Avsändare: {sender}", sender=result.source_system)]
        if result.issued_at:
            lines.append(_("Utfärdat: {at}", at=local_time(result.issued_at)))
        lines += [_value_line(obs) for obs in result.observations]
        if result.conclusion:
            lines += ["", result.conclusion.rstrip()]
        lines.append("")
        if result.signed_at and result.signed_by_id:
            lines.append(_("Vidimerat av {name} {at}", name=names.get(result.signed_by_id, ""),
                           at=local_time(result.signed_at)))
        else:
            lines.append(_("Ej vidimerat"))
        found.append(RecordText(source="result", source_id=result.id, source_version=0,
                                title=result.title,
                                date=local_day(result.issued_at or result.received_at),
                                text="\n".join(lines)))
    return found
