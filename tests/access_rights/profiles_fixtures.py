"""Factories for the catalogue's tests: a unit's role profile with systems and analyses."""

from __future__ import annotations

import io
import zipfile
from datetime import date

from sqlalchemy.orm import Session

from kulisser.access_rights import catalogue
from kulisser.access_rights import service as access
from kulisser.access_rights.models import RiskAnalysis, RoleProfile
from tests import factories

PDF = b"%PDF-1.4\n% analys\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def profile(session: Session, world: factories.World, *, name: str = "",
            systems: int = 2) -> RoleProfile:
    """A profile of the world's unit with its first `systems` default systems, no analysis."""
    manager = factories.actor(session, world.manager_id)
    chosen = access.ensure_systems(session, unit_id=world.unit_id)[:systems]
    return catalogue.create_profile(
        session, actor=manager, unit_id=world.unit_id,
        name=name or factories.unique("Sjuksköterska, avdelning "),
        systems={s.id: f"Profil {i}" for i, s in enumerate(chosen)})


def analysis(session: Session, profile_id: int, *, made_on: date, next_review: date,
             author: str = "Eva Chef", text: str = "Behov och risker bedömda.") -> RiskAnalysis:
    """An analysis row as stored (any dates, even ones the form would refuse)."""
    row = RiskAnalysis(profile_id=profile_id, made_on=made_on, next_review=next_review,
                       author=author, text=text)
    session.add(row)
    session.flush()
    session.expire_all()
    return row


def docx() -> bytes:
    """The smallest file that is a Word document to the check (a zip with word/document.xml)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def odt() -> bytes:
    """The smallest OpenDocument text to the check (a zip whose mimetype says so)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buf.getvalue()
