"""Import a folder drop of results (`kulisser import-results DIR --as USERNAME`).

Each file in the folder, by name: `*.csv` (the CSV drop, columns in the README), `*.jsonl` or
`*.ndjson` (one result a line: a flat object with the CSV columns as keys, or a FHIR
resource), `*.json` (one FHIR DiagnosticReport, Observation or Bundle). A CSV or FHIR file is
one transaction; JSON lines are committed every `batch` lines, so a large drop that stops
half-way keeps what it did, and running it again imports only the rest: the import is
idempotent by the sender's id. The files are left where they are. The import acts as a named
user in one care unit, so every audit row and every work item says who imported.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from tqdm import tqdm

from kulisser.db import Database
from kulisser.errors import ValidationFailed
from kulisser.i18n import _
from kulisser.results import service as results
from kulisser.results.bulk import ImportReport
from kulisser.staff import service as staff
from kulisser.staff.service import Actor, CareUnit, User

SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "fhir"}


class ImportSetupError(Exception):
    """The import cannot start (folder, user or unit); .message is Swedish."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class FolderReport:
    """What an import did, file by file (file names and row numbers, never patient data)."""

    files: list[tuple[str, ImportReport]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # file name, Swedish reason

    def total(self) -> ImportReport:
        """Every file's outcomes together."""
        return ImportReport([o for _name, r in self.files for o in r.outcomes])

    def summary(self) -> str:
        """The report in Swedish, for the end of the command's output."""
        lines = []
        for name, report in self.files:
            lines += [f"{name}:", *("  " + line for line in report.summary().splitlines())]
        lines += [_("{name}: kunde inte importeras: {reason}", name=name, reason=reason)
                  for name, reason in self.failed]
        return "\n".join(lines) or _("Mappen innehöll inga provsvar (.csv, .jsonl, .ndjson, .json).")


def import_actor(session: Session, *, username: str, unit_hsa: str | None) -> Actor:
    """The active user the import acts as, in the unit the results are for."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None or not user.active:
        raise ImportSetupError(_("Okänd eller inaktiv användare: {username}", username=username))
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


def _chunks(lines: Iterator[str], size: int) -> Iterator[list[str]]:
    while chunk := list(islice(lines, size)):
        yield chunk


def import_jsonl(db: Database, *, actor: Actor, path: Path, batch: int = 5000,
                 progress: bool = False) -> ImportReport:
    """Import a JSON-lines file, committing every `batch` lines."""
    report = ImportReport()
    row = 1
    with path.open(encoding="utf-8-sig") as handle, tqdm(
            desc=path.name, unit=" rader", disable=not progress, file=sys.stderr) as bar:
        for chunk in _chunks(iter(handle), batch):
            with db.session() as session:
                part = results.import_lines(session, actor=actor, lines=chunk, first_row=row)
            report.outcomes += part.outcomes
            row += len(chunk)
            bar.update(len(chunk))
    return report


def import_folder(db: Database, *, folder: Path, username: str, unit_hsa: str | None,
                  progress: bool = True, echo: Callable[[str], None] | None = None) -> FolderReport:
    """Import every result file of a folder, in name order."""
    if not folder.is_dir():
        raise ImportSetupError(_("Mappen finns inte: {folder}", folder=folder))
    with db.session() as session:
        actor = import_actor(session, username=username, unit_hsa=unit_hsa)
    report = FolderReport()
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
                   and p.suffix.lower() in SUFFIXES)
    for path in files:
        kind = SUFFIXES[path.suffix.lower()]
        try:
            if kind == "jsonl":
                report.files.append((path.name, import_jsonl(db, actor=actor, path=path,
                                                             progress=progress)))
                continue
            with db.session() as session:
                if kind == "csv":
                    with path.open("rb") as handle:  # streamed; a folder drop has no row limit
                        done = results.import_csv(session, actor=actor, data=handle, max_rows=None)
                else:
                    done = results.import_fhir(session, actor=actor,
                                               payload=json.loads(path.read_text(encoding="utf-8-sig")))
            report.files.append((path.name, done))
        except ValidationFailed as exc:
            report.failed.append((path.name, "; ".join(f"{k}: {v}" for k, v in exc.errors.items())))
        except (OSError, ValueError, RecursionError) as exc:
            report.failed.append((path.name, _("Filen kunde inte läsas ({exc}).", exc=type(exc).__name__)))
        if echo is not None and report.failed and report.failed[-1][0] == path.name:
            echo(f"{path.name}: {report.failed[-1][1]}")
    return report
