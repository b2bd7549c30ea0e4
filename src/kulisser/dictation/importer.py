"""Import a folder of recordings dropped by hand-held recorders (`kulisser import-dictations`).

Patient and metadata come from a sidecar file with the same stem (`<stem>.json` with
identifier, author, note_type, priority) or from the file name,
`<personnummer>_<author>_<notetype>[_<priority>].<ext>` (author: username or HSA-id). A file
that cannot be matched still becomes a dictation in the unit's queue with what is missing in
its title: a recording is never dropped. Unreadable audio is reported per file with the
Swedish reason and the rest are imported. A file whose audio (sha256) the unit already has is
skipped, so running the import again imports nothing twice. Each file is committed on its
own. The import acts as a named user (`--as USERNAME`), so every audit row and every event
says who imported; the files are left where they are.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from tqdm import tqdm

from kulisser.audit import service as audit
from kulisser.db import Database
from kulisser.dictation import catalog, upload
from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation, NoteType
from kulisser.dictation.storage import AudioStore, file_sha256
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.patients import service as patients
from kulisser.staff import service as staff
from kulisser.staff.service import Actor, CareUnit, Role, User
from kulisser.worklist.service import Priority

PATTERN = "personnummer_diktatör_anteckningstyp[_prioritet]"
_NAME = re.compile(r"^(?P<identifier>[^_]+)_(?P<author>[^_]+)_(?P<note_type>[^_]+)(?:_(?P<priority>[^_]+))?$")
_PRIORITIES = {"akut": "acute", "hög": "high", "hog": "high", "normal": "normal", "låg": "low",
               "lag": "low", **{p.value: p.value for p in Priority}}
IMPORTER_ROLES = (Role.SECRETARY, Role.MANAGER, Role.ADMIN)
SIDECAR_MAX_BYTES = 64 * 1024


class ImportSetupError(Exception):
    """The import cannot start (folder, user or unit); .message is Swedish."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FileMeta:
    """What a sidecar or the file name says about a recording (unchecked text)."""

    identifier: str | None = None
    author: str | None = None
    note_type: str | None = None
    priority: str | None = None
    problem: str | None = None  # why neither source could be read


@dataclass
class Match:
    """The metadata resolved against the database; notes say what could not be matched."""

    patient_id: int | None = None
    author_id: int | None = None
    note_type: NoteType | None = None
    priority: str = Priority.NORMAL.value
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import did, file by file (names only: a name may hold a personnummer, so the
    report is printed to the operator and never logged)."""

    imported: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # imported, but waiting to be matched
    skipped: list[str] = field(default_factory=list)  # the unit already has this audio
    failed: list[tuple[str, str]] = field(default_factory=list)  # name, Swedish reason

    def summary(self) -> str:
        """The report in Swedish, for the end of the command's output."""
        lines = [_("Importerade diktat: {imported} (varav {unmatched} att matcha i enhetens kö)",
                   imported=len(self.imported), unmatched=len(self.unmatched)),
                 _("Redan importerade, hoppades över: {skipped}", skipped=len(self.skipped)),
                 _("Kunde inte importeras: {failed}", failed=len(self.failed))]
        lines += [f"  {name}: {reason}" for name, reason in self.failed]
        lines += [_("  Att matcha: {name}", name=name) for name in self.unmatched]
        return "\n".join(lines)


def read_meta(path: Path) -> FileMeta:
    """The metadata of a recording, from its sidecar file, else from its file name."""
    sidecar = path.with_suffix(".json")
    problem = None
    if sidecar.is_file():
        try:
            # A sidecar holds four short values; a large one is not a sidecar (never read whole).
            if sidecar.stat().st_size > SIDECAR_MAX_BYTES:
                raise ValueError("too large")
            data = json.loads(sidecar.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not an object")
            return FileMeta(**{key: _text(data.get(key)) for key in
                               ("identifier", "author", "note_type", "priority")})
        except (OSError, ValueError, RecursionError):
            problem = _("Sidofilen {name} kunde inte läsas (JSON med identifier, author, note_type).",
                        name=sidecar.name)
    found = _NAME.match(path.stem)
    if found is None:
        return FileMeta(problem=problem or _("Filnamnet följer inte mönstret {pattern}.", pattern=PATTERN))
    return FileMeta(**found.groupdict(), problem=problem)


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if len(text) > 200 or "\0" in text:  # no identifier, username or code is longer
        raise ValueError("not a sidecar value")
    return text or None


def match(session: Session, *, unit_id: int, meta: FileMeta) -> Match:
    """Resolve patient, author, note type and priority in the unit; what fails goes to notes."""
    result = Match()
    if meta.problem:
        result.notes.append(meta.problem)
    if meta.identifier:
        patient = patients.lookup_by_identifier(session, text=meta.identifier)
        if patient is None or not audit.has_care_relation(session, unit_id=unit_id,
                                                          patient_id=patient.id):
            # One note for both: the import must not tell which numbers are on file.
            result.notes.append(_("Patienten i filens uppgifter finns inte hos enheten."))
        else:
            result.patient_id = patient.id
    elif not meta.problem:
        result.notes.append(_("Uppgift om patient saknas."))
    if meta.author:
        wanted = meta.author.strip()
        user = session.scalar(select(User).where(
            (User.username == wanted.lower()) | (User.hsa_id == wanted)))
        if user is None or upload.clinician(session, unit_id=unit_id, user_id=user.id) is None:
            result.notes.append(_("Diktatören i filens uppgifter är inte läkare/vårdpersonal på enheten."))
        else:
            result.author_id = user.id
    elif not meta.problem:
        result.notes.append(_("Uppgift om diktatör saknas."))
    if meta.note_type:
        result.note_type = catalog.find_note_type(session, unit_id=unit_id, value=meta.note_type)
        if result.note_type is None:
            result.notes.append(_("Okänd anteckningstyp; ändra den vid granskningen."))
    if meta.priority:
        priority = _PRIORITIES.get(meta.priority.strip().casefold())
        if priority is None:
            result.notes.append(_("Okänd prioritet; normal används."))
        result.priority = priority or Priority.NORMAL.value
    return result


def import_actor(session: Session, *, username: str, unit_hsa: str | None) -> Actor:
    """The user the import acts as, in the unit the files belong to."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active:
        raise ImportSetupError(_("Okänd eller inaktiv användare: {username}", username=username))
    if Role(user.role) not in IMPORTER_ROLES:
        raise ImportSetupError(_("Importen ska köras som sekreterare, enhetschef eller administratör."))
    unit_ids = sorted(m.unit_id for m in user.memberships)
    if unit_hsa:
        unit = session.scalar(select(CareUnit).where(CareUnit.hsa_id == unit_hsa.strip()))
        if unit is None or unit.id not in unit_ids:
            raise ImportSetupError(_("{username} arbetar inte på vårdenheten {unit_hsa}.",
                                     username=user.username, unit_hsa=unit_hsa))
        return staff.make_actor(user, unit_id=unit.id)
    if len(unit_ids) != 1:
        raise ImportSetupError(_("Användaren hör till flera vårdenheter; ange --unit HSA-ID."))
    return staff.make_actor(user, unit_id=unit_ids[0])


def recordings(folder: Path) -> list[Path]:
    """The files of a folder to import: every visible file but the JSON sidecars, by name."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() != ".json")


def import_folder(db: Database, *, folder: Path, username: str, unit_hsa: str | None,
                  store: AudioStore, progress: bool = True,
                  echo: Callable[[str], None] | None = None) -> ImportReport:
    """Import every recording of a folder, each in a transaction of its own."""
    if not folder.is_dir():
        raise ImportSetupError(_("Mappen finns inte: {folder}", folder=folder))
    with db.session() as session:
        actor = import_actor(session, username=username, unit_hsa=unit_hsa)
    report = ImportReport()
    files = recordings(folder)
    for path in tqdm(files, desc=_("Importerar diktat"), unit=_("fil"), disable=not progress,
                     file=sys.stderr):
        reason = None
        try:
            _import_one(db, actor=actor, store=store, path=path, report=report)
        except ValidationFailed as exc:
            reason = exc.errors.get("audio") or "; ".join(exc.errors.values())
        except OSError as exc:
            reason = _("Filen kunde inte läsas ({value}).", value=exc.strerror or type(exc).__name__)
        except Exception as exc:  # one bad file must not stop the rest of the drop
            reason = _("Oväntat fel ({exc}).", exc=type(exc).__name__)
        if reason is not None:
            report.failed.append((path.name, reason))
            if echo is not None:
                echo(f"{path.name}: {reason}")
    return report


def _import_one(db: Database, *, actor: Actor, store: AudioStore, path: Path,
                report: ImportReport) -> None:
    sha256 = file_sha256(path)
    with db.session() as session:
        known = session.scalar(select(Dictation.id).where(
            Dictation.unit_id == actor.unit_id, Dictation.audio_sha256 == sha256).limit(1))
        if known is not None:
            report.skipped.append(path.name)
            return
        found = match(session, unit_id=actor.unit_id, meta=read_meta(path))
        with path.open("rb") as audio:
            dictation = dictations.import_dictation(
                session, actor=actor, store=store, audio=audio, filename=path.name,
                patient_id=found.patient_id, author_id=found.author_id, note_type=found.note_type,
                priority=found.priority, import_note=" ".join(found.notes) or None)
        unmatched = dictation.patient_id is None or dictation.author_id is None
    report.imported.append(path.name)
    if unmatched:
        report.unmatched.append(path.name)
