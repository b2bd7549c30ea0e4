"""The coding form: its rows as typed, read into code entries and back (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kulisser import bounds
from kulisser.coding import codes
from kulisser.coding.contact_codes import CodeEntry
from kulisser.coding.models import CareContact
from kulisser.coding.states import Role
from kulisser.i18n import _

EMPTY_ROWS = {Role.SECONDARY: 2, Role.EXTERNAL: 1, Role.PROCEDURE: 2}


@dataclass
class CodeForm:
    """The form's rows as typed: the main diagnosis, the lists, and which came from suggestions."""

    main: str = ""
    secondary: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    procedure: list[str] = field(default_factory=list)
    procedure_date: list[str] = field(default_factory=list)
    suggested: set[str] = field(default_factory=set)  # normalized codes taken from suggestions

    @classmethod
    def of_contact(cls, contact: CareContact) -> CodeForm:
        """The contact's saved codes as the form shows them."""
        f = cls()
        for c in sorted(contact.codes, key=lambda c: (c.role, c.position)):
            shown = codes.display(c.code, c.system)
            if c.from_suggestion:
                f.suggested.add(c.code)
            if c.role == Role.MAIN:
                f.main = shown
            elif c.role == Role.PROCEDURE:
                f.procedure.append(shown)
                f.procedure_date.append(c.procedure_date.isoformat() if c.procedure_date else "")
            else:
                getattr(f, c.role).append(shown)
        return f

    @classmethod
    def of_form(cls, form: Any) -> CodeForm:
        """The rows as posted (empty rows dropped later)."""
        def many(name: str) -> list[str]:
            return [str(v).strip()[:40] for v in form.getlist(name)]
        dates = many("procedure_date")
        procs = many("procedure")
        dates += [""] * (len(procs) - len(dates))
        suggested = {codes.normalize(c) for c in str(form.get("suggested", "")).split(",") if c}
        return cls(main=str(form.get("main", "")).strip()[:40], secondary=many("secondary"),
                   external=many("external"), procedure=procs, procedure_date=dates[:len(procs)],
                   suggested=suggested)

    def add(self, role: str, code: str, *, suggested: bool) -> None:
        """Put a picked code in its place: the main diagnosis if empty, else the next row."""
        shown = codes.display(codes.normalize(code), codes.KVA if role == Role.PROCEDURE else codes.ICD10)
        if suggested:
            self.suggested.add(codes.normalize(code))
        present = {codes.normalize(c) for c in [self.main, *self.secondary, *self.external,
                                                 *self.procedure]}
        if codes.normalize(code) in present:
            return
        if role == Role.PROCEDURE:
            self.procedure.append(shown)
            self.procedure_date.append("")
        elif role == Role.EXTERNAL:
            self.external.append(shown)
        elif role == Role.MAIN or not self.main:
            self.main = shown
        else:
            self.secondary.append(shown)

    def entries(self, errors: dict[str, str]) -> list[CodeEntry]:
        """The filled rows as entries; a wrong procedure date is an error under its row."""
        found: list[CodeEntry] = []
        def entry(role: Role, code: str, day: date | None = None) -> CodeEntry:
            return CodeEntry(role=role.value, code=code, procedure_date=day,
                             from_suggestion=codes.normalize(code) in self.suggested)
        if self.main:
            found.append(entry(Role.MAIN, self.main))
        found += [entry(Role.SECONDARY, c) for c in self.secondary if c]
        found += [entry(Role.EXTERNAL, c) for c in self.external if c]
        for i, (code, text) in enumerate(zip(self.procedure, self.procedure_date, strict=True)):
            if not code:
                continue
            day = None
            if text:
                try:
                    day = bounds.parse_day(text)
                except ValueError:
                    errors[f"procedure_date.{i}"] = _("Ogiltigt datum; skriv t.ex. 2026-12-01.")
            found.append(entry(Role.PROCEDURE, code, day))
        return found

    def rows(self) -> dict[str, Any]:
        """The rows to show, with empty ones to type in."""
        def padded(values: list[str], role: Role) -> list[str]:
            return [*values, *[""] * EMPTY_ROWS[role]]
        procs = padded(self.procedure, Role.PROCEDURE)
        dates = [*self.procedure_date, *[""] * (len(procs) - len(self.procedure_date))]
        return {"main": self.main, "secondary": padded(self.secondary, Role.SECONDARY),
                "external": padded(self.external, Role.EXTERNAL),
                "procedures": list(zip(procs, dates, strict=True)),
                "suggested": ",".join(sorted(self.suggested))}
