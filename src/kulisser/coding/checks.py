"""The coding checks of a contact's codes, with the rule names of issue 14.

Errors: `unknown`, `not_valid`, `non_terminal`, `not_main`, `asterisk`, `sex`, `age`,
`duplicate`, `missing_main`; warning: `external_cause` (and `unknown` when no KVÅ table is
imported, so procedures cannot be checked). The first diagnosis is the main one. A finding's
`code` is the stored form ("J459"); its message (Swedish) shows the dotted one.

The sex and age limits, the codes never to be main and the WHO asterisk exceptions come from
a TOML rule file: `coding/rules/default.toml`, or the file KULISSER_CODING_RULES names.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kulisser.coding import codes
from kulisser.coding.codes import ICD10, KVA, CodeInfo
from kulisser.i18n import _

ERROR_RULES = ("unknown", "not_valid", "non_terminal", "not_main", "asterisk", "sex", "age",
               "duplicate", "missing_main")
WARNING_RULES = ("external_cause", "unknown")
SEXES = ("M", "F")
_ELSEWHERE = "classified elsewhere"  # the WHO title of an asterisk (manifestation) code
DEFAULT_RULES = Path(str(resources.files("kulisser.coding") / "rules" / "default.toml"))


@dataclass(frozen=True)
class Finding:
    """One problem: the code (stored form, "" for the contact), the rule, a Swedish message."""

    code: str
    rule: str
    message: str


@dataclass(frozen=True)
class CheckResult:
    """The errors (the contact cannot be reported) and warnings (worth a look) of a contact."""

    errors: list[Finding]
    warnings: list[Finding]

    @property
    def ok(self) -> bool:
        """Whether there is no error."""
        return not self.errors


class RuleFileError(ValueError):
    """The rule file cannot be read or is not as documented in rules/default.toml."""


@dataclass(frozen=True)
class Range:
    """Codes from `first` to `last` (stored forms) with all their subcodes."""

    first: str
    last: str

    @classmethod
    def parse(cls, text: str) -> Range:
        """A range as written in the rule file: "O00-O99", "D07.4-D07.6" or "R95"."""
        first, _sep, last = text.partition("-")
        first, last = codes.normalize(first), codes.normalize(last or first)
        if not first or not last or first > last:
            raise RuleFileError(f"bad code range {text!r}")
        return cls(first, last)

    def covers(self, code: str) -> bool:
        """Whether a stored code lies in the range (or under one of its ends)."""
        return self.first <= code[:len(self.first)] and code[:len(self.last)] <= self.last


@dataclass(frozen=True)
class Limit:
    """Codes for one sex only and/or an age range, with what they are (Swedish label)."""

    ranges: tuple[Range, ...]
    label: str
    sex: str | None = None
    min_age: int | None = None
    max_age: int | None = None

    def covers(self, code: str) -> bool:
        """Whether the limit applies to a stored code."""
        return any(r.covers(code) for r in self.ranges)


@dataclass(frozen=True)
class Rules:
    """The contents of a rule file."""

    limits: tuple[Limit, ...] = ()
    not_main: tuple[Range, ...] = ()
    who_asterisk: frozenset[str] = field(default_factory=frozenset)
    who_not_asterisk: frozenset[str] = field(default_factory=frozenset)


def _ranges(values: Any, where: str) -> tuple[Range, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RuleFileError(f"{where}: a list of code ranges is expected")
    return tuple(Range.parse(v) for v in values)


def _age(value: Any, where: str) -> int | None:
    if value is not None and (not isinstance(value, int) or value < 0):
        raise RuleFileError(f"{where}: an age is a whole number of years")
    return value


def parse_rules(text: str) -> Rules:
    """Rules from the TOML text of a rule file; RuleFileError says what is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(str(exc)) from exc
    limits = []
    for number, item in enumerate(data.get("limit", []), start=1):
        where = f"limit {number}"
        if not isinstance(item, dict):
            raise RuleFileError(f"{where}: a table is expected")
        sex = item.get("sex")
        if sex is not None and sex not in SEXES:
            raise RuleFileError(f"{where}: sex is \"F\" or \"M\"")
        limits.append(Limit(ranges=_ranges(item.get("codes"), where), label=str(item.get("label", "")),
                            sex=sex, min_age=_age(item.get("min_age"), where),
                            max_age=_age(item.get("max_age"), where)))
    asterisk = data.get("asterisk", {})
    return Rules(limits=tuple(limits),
                 not_main=_ranges(data.get("main", {}).get("not_main", []), "main.not_main"),
                 who_asterisk=frozenset(r.first for r in _ranges(
                     asterisk.get("who_asterisk", []), "asterisk.who_asterisk")),
                 who_not_asterisk=frozenset(r.first for r in _ranges(
                     asterisk.get("who_not_asterisk", []), "asterisk.who_not_asterisk")))


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Rules:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(f"{path}: {exc}") from exc
    try:
        return parse_rules(text)
    except RuleFileError as exc:
        raise RuleFileError(f"{path}: {exc}") from exc


def load_rules(path: Path | None = None) -> Rules:
    """The rules of a file (cached until it changes); None: KULISSER_CODING_RULES or the default."""
    if path is None:
        # Settings.coding_rules names the same variable; it is read here because the checks
        # run inside services, which are given a session and no settings.
        configured = os.environ.get("KULISSER_CODING_RULES", "").strip()
        path = Path(configured) if configured else DEFAULT_RULES
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise RuleFileError(f"{path}: {exc}") from exc
    return _load(str(path), mtime)


def _is_asterisk(found: CodeInfo, rules: Rules) -> bool:
    if not found.hit.fallback:
        return found.mark == "*"
    code = found.hit.code
    if code in rules.who_not_asterisk:
        return False
    return code in rules.who_asterisk or _ELSEWHERE in found.hit.title.lower()


def _is_dagger(found: CodeInfo, rules: Rules) -> bool:
    # The WHO tree marks no daggers: any code that is not itself an asterisk code may be the cause.
    return found.mark == "+" if not found.hit.fallback else not _is_asterisk(found, rules)


def _in(code: str, first: str, last: str) -> bool:
    return Range(first, last).covers(code)


class _Check:
    """The findings of one contact, collected as its codes are looked at."""

    def __init__(self, session: Session, on: date, rules: Rules) -> None:
        self.session, self.on, self.rules = session, on, rules
        self.errors: list[Finding] = []
        self.warnings: list[Finding] = []

    def error(self, code: str, rule: str, message: str) -> None:
        self.errors.append(Finding(code=code, rule=rule, message=message))

    def warning(self, code: str, rule: str, message: str) -> None:
        self.warnings.append(Finding(code=code, rule=rule, message=message))

    def known(self, system: str, code: str) -> CodeInfo | None:
        """The code if it exists and is valid on the date; an error otherwise."""
        shown = codes.display(code, system) or _("(tom)")
        found = codes.info(self.session, system=system, code=code, on=self.on)
        if found is None:
            self.error(code, "unknown", _("Koden {code} finns inte.", code=shown))
            return None
        if not found.valid_on(self.on):
            self.error(code, "not_valid", _("Koden {code} gäller inte {day}.", code=shown,
                                            day=self.on.isoformat()))
            return None
        if not found.terminal:
            self.error(code, "non_terminal", _("{code} har underkoder: välj en mer detaljerad kod.",
                                               code=shown))
        return found

    def duplicates(self, system: str, stored: list[str]) -> None:
        seen: set[str] = set()
        for code in stored:
            if code and code in seen:
                self.error(code, "duplicate", _("Koden {code} finns redan.",
                                                code=codes.display(code, system)))
            seen.add(code)

    def diagnoses(self, stored: list[str]) -> list[CodeInfo]:
        found_list: list[CodeInfo] = []
        dagger_before = False
        for position, code in enumerate(stored):
            found = self.known(ICD10, code)
            if found is None:
                continue
            found_list.append(found)
            shown = codes.display(code, ICD10)
            asterisk = _is_asterisk(found, self.rules)
            if position == 0:
                if found.not_main or any(r.covers(code) for r in self.rules.not_main):
                    self.error(code, "not_main", _("{code} får inte vara huvuddiagnos.", code=shown))
                if asterisk:
                    self.error(code, "asterisk", _("{code} är en asteriskkod och får inte vara "
                                                   "huvuddiagnos.", code=shown))
            elif asterisk and not dagger_before:
                self.error(code, "asterisk", _("Asteriskkoden {code} kräver en korskod (†) före sig.",
                                               code=shown))
            dagger_before = dagger_before or _is_dagger(found, self.rules)
        return found_list

    def limits(self, code: str, sex: str | None, age: int | None) -> None:
        shown = codes.display(code, ICD10)
        for limit in self.rules.limits:
            if not limit.covers(code):
                continue
            if limit.sex is not None and sex in SEXES and sex != limit.sex:
                self.error(code, "sex", _("{code} ({label}) gäller bara {sex}.", code=shown,
                                          label=limit.label,
                                          sex=_("kvinnor") if limit.sex == "F" else _("män")))
            if age is not None and ((limit.min_age is not None and age < limit.min_age)
                                    or (limit.max_age is not None and age > limit.max_age)):
                self.error(code, "age", _("{code} ({label}) passar inte åldern {age} år.",
                                          code=shown, label=limit.label, age=age))


def check(session: Session, *, contact_date: date, sex: str | None, age: int | None,
          diagnoses: list[str], procedures: list[str], must_code: bool = True,
          external_causes: list[str] | None = None, rules: Rules | None = None) -> CheckResult:
    """Check a contact's codes (the first diagnosis is the main one) on its date."""
    run = _Check(session, contact_date, rules if rules is not None else load_rules())
    main = [codes.normalize(c) for c in diagnoses]
    causes = [codes.normalize(c) for c in external_causes or []]
    done = [codes.normalize(c) for c in procedures]
    if must_code and not any(main):
        run.error("", "missing_main", _("Huvuddiagnos saknas."))
    known = run.diagnoses(main)
    for code in causes:
        run.known(ICD10, code)
    run.duplicates(ICD10, main + causes)
    for code in dict.fromkeys(found.hit.code for found in known):
        run.limits(code, sex, age)
    all_codes = main + causes
    injuries = [c for c in main if _in(c, "S00", "T98")]
    if injuries and not any(_in(c, "V01", "Y98") for c in all_codes):
        for code in injuries:
            run.warning(code, "external_cause", _("Skada eller förgiftning ({code}) utan yttre "
                                                  "orsak (V01–Y98).",
                                                  code=codes.display(code, ICD10)))
    if done and codes.serving_version(session, system=KVA, on=contact_date) is None:
        run.warning("", "unknown", _("Ingen KVÅ-tabell är importerad: åtgärderna kontrolleras inte."))
    elif done:
        for code in done:
            run.known(KVA, code)
        run.duplicates(KVA, done)
    return CheckResult(errors=run.errors, warnings=run.warnings)
