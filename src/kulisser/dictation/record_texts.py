"""A patient's signed notes as record texts, every version, for a copy of the record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulisser.dictation.models import Dictation, NoteVersion
from kulisser.i18n import _
from kulisser.record_texts import RecordText, local_day, local_time
from kulisser.staff import service as staff


def signed_note_versions(session: Session, *, patient_id: int, unit_id: int) -> list[RecordText]:
    """Each signed version of the patient's notes in the unit, oldest first (no access check:
    the caller checks)."""
    rows = session.execute(
        select(NoteVersion, Dictation).join(Dictation, Dictation.id == NoteVersion.dictation_id)
        .where(Dictation.patient_id == patient_id, Dictation.unit_id == unit_id)
        .order_by(NoteVersion.signed_at, NoteVersion.id)).all()
    names = staff.user_names(session, {v.signed_by_id for v, _d in rows})
    found = []
    for version, dictation in rows:
        title = dictation.note_type.name
        if version.version > 1:
            title = _("{title}, rättad version {n}", title=title, n=version.version)
        lines = [version.text.rstrip(), "",
                 _("Signerad av {name} {at}", name=names.get(version.signed_by_id, ""),
                   at=local_time(version.signed_at))]
        if version.correction_reason:
            lines.append(_("Skäl till rättelsen: {reason}", reason=version.correction_reason))
        found.append(RecordText(source="note", source_id=dictation.id,
                                source_version=version.version, title=title,
                                date=local_day(version.signed_at), text="\n".join(lines)))
    return found
