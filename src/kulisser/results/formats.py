"""Incoming results in one shape, whatever the format; CSV rows and flat JSON lines read into it.

Pure logic: no database. FHIR JSON is read in fhir.py, a CSV file as text in csvfile.py.
Every reader returns `Incoming` records (one per result) or a `RowError` for a row that
cannot be imported at all (no sender id: without it the import could not be idempotent). A
bad identity number is not a row error: the result is kept and goes to the unit's queue
unmatched, with the reason.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kulisser.i18n import _
from kulisser.results import csvfile
from kulisser.results.csvfile import CsvFormatError

CSV_SYSTEM = "urn:kulisser:csv"  # the sender system of a CSV row that names none
JSONL_SYSTEM = "urn:kulisser:jsonl"
TZ = ZoneInfo("Europe/Stockholm")  # a time without an offset is Swedish local time

# Observation interpretation codes (HL7 v3 ObservationInterpretation) and common lab flags.
NORMAL_FLAGS = {"", "N", "NORMAL", "NEJ", "NO", "0", "FALSE"}
CRITICAL_FLAGS = {"HH", "LL", "AA", "CRITICAL", "KRITISK", "KRITISKT", "!", "**", "PANIC"}
ABNORMAL_FLAGS = {"H", "L", "A", "HU", "LU", "<", ">", "POS", "ABN", "ABNORMAL", "AVVIKANDE",
                  "JA", "YES", "1", "TRUE", "*", "W", "R", "I", "S"}

# Column names of the CSV drop (English) and the Swedish headers accepted for them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "sender_id": ("avsändar-id", "avsandar-id", "svars-id"),
    "sender_system": ("avsändarsystem", "avsandarsystem"),
    "identity_number": ("personnummer", "identitetsnummer", "patient"),
    "ordering_clinician": ("beställare", "bestallare"),
    "test_code": ("analyskod", "kod"),
    "test_name": ("analys", "analysnamn"),
    "value": ("värde", "varde", "resultat"),
    "unit": ("enhet",),
    "reference_range": ("referensintervall", "referens"),
    "abnormal_flag": ("avvikelse", "flagga"),
    "issued": ("svarstid", "utfärdad", "utfardad"),
    "text": ("kommentar", "text"),
}
_ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in (name, *aliases)}
_NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)?$")
_RANGE = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*[-–—]\s*([-+]?\d+(?:[.,]\d+)?)\s*$")
_BOUND = re.compile(r"^\s*([<>≤≥]=?)\s*([-+]?\d+(?:[.,]\d+)?)\s*$")


@dataclass
class IncomingValue:
    """One value of an incoming result, checked and interpreted."""

    code: str = ""
    code_system: str = ""
    name: str = ""
    value: str = ""
    value_num: float | None = None
    unit: str = ""
    ref_low: float | None = None
    ref_high: float | None = None
    ref_text: str = ""
    flag: str = ""
    abnormal: bool = False
    critical: bool = False
    note: str = ""


@dataclass
class Incoming:
    """One result as it arrived, in the import's common shape."""

    source_format: str
    source_system: str
    source_id: str
    raw: str
    identifier: str | None = None  # the patient's identity number as sent
    identifier_kind: str | None = None  # when the sender said which kind
    clinician: str | None = None  # HSA-id or username of the orderer
    title: str = ""
    conclusion: str = ""
    issued_at: datetime | None = None
    values: list[IncomingValue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the reader noticed (Swedish)
    row: int | None = None  # the CSV line or JSON line it came from

    @property
    def abnormal(self) -> bool:
        """Whether any value is outside its reference or flagged."""
        return any(v.abnormal for v in self.values)

    @property
    def critical(self) -> bool:
        """Whether any value is flagged critical."""
        return any(v.critical for v in self.values)


@dataclass(frozen=True)
class RowError:
    """A row that could not be imported at all, and why (Swedish)."""

    row: int
    message: str
    source_id: str = ""


def number(text: str) -> float | None:
    """A decimal number written with a point or a comma, or None."""
    text = text.strip().replace("\u2212", "-")
    return float(text.replace(",", ".")) if _NUMBER.match(text) else None


def parse_range(text: str) -> tuple[float | None, float | None]:
    """Low and high of a reference range ("3,0-5,0", "<5", "> 60"); (None, None) if unreadable."""
    if m := _RANGE.match(text):
        return number(m.group(1)), number(m.group(2))
    if m := _BOUND.match(text):
        value = number(m.group(2))
        return (None, value) if m.group(1)[0] in "<≤" else (value, None)
    return None, None


def interpret(value: IncomingValue) -> list[str]:
    """Set abnormal/critical from the flag and the reference range; return notes (Swedish).

    The flag decides, and a numeric value outside its range is abnormal even when the sender
    did not flag it. An unknown flag counts as abnormal: a result is never quietly normal.
    """
    notes: list[str] = []
    flag = value.flag.strip().upper()
    value.flag = flag[:10]
    if flag in CRITICAL_FLAGS:
        value.critical = value.abnormal = True
    elif flag in ABNORMAL_FLAGS:
        value.abnormal = True
    elif flag not in NORMAL_FLAGS:
        value.abnormal = True
        notes.append(_("Okänd avvikelsemarkering ”{flag}” har tolkats som avvikande.", flag=flag[:10]))
    num = value.value_num
    if num is not None and ((value.ref_low is not None and num < value.ref_low)
                            or (value.ref_high is not None and num > value.ref_high)):
        value.abnormal = True
    return notes


def parse_time(text: str) -> datetime:
    """An ISO date or date-time; without an offset it is Swedish local time. ValueError if bad."""
    when = datetime.fromisoformat(text.strip().replace(" ", "T", 1) if " " in text.strip()
                                  else text.strip())
    return when.replace(tzinfo=TZ) if when.tzinfo is None else when


def _clip(text: object, limit: int) -> str:
    return ("" if text is None else str(text)).strip()[:limit]


MAX_JSON_DEPTH = 64  # a FHIR result nests a few levels; far deeper is not a result


def json_problem(value: Any) -> str | None:
    """Why parsed JSON cannot be stored (a NUL character, nesting too deep), in Swedish; or None.

    PostgreSQL text cannot hold NUL, and a nesting thousands deep exhausts the recursion of
    whoever reads it next; both are refused before anything is read into the import.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return _("JSON-strukturen är nästlad i mer än {max_json_depth} nivåer.",
                     max_json_depth=MAX_JSON_DEPTH)
        if isinstance(item, str):
            if "\0" in item:
                return _("Texten innehåller ett NUL-tecken (\\u0000), som inte kan lagras.")
        elif isinstance(item, dict):
            stack += [(k, depth + 1) for k in item] + [(v, depth + 1) for v in item.values()]
        elif isinstance(item, list):
            stack += [(v, depth + 1) for v in item]
    return None


def from_fields(fields: dict[str, Any], *, source_format: str, default_system: str, raw: str,
                row: int) -> Incoming | RowError:
    """One result from the flat fields of a CSV row or a JSON line."""
    for name, value in fields.items():
        if isinstance(value, str) and "\0" in value:
            return RowError(row, _("Fältet {name} innehåller ett NUL-tecken, som inte kan lagras; raden "
                                   "importerades inte.", name=name))
    sender_id = _clip(fields.get("sender_id"), 200)
    if not sender_id:
        return RowError(row, _("Avsändarens id (sender_id) saknas; raden importerades inte."))
    value_text = _clip(fields.get("value"), 200)
    val = IncomingValue(code=_clip(fields.get("test_code"), 64),
                        name=_clip(fields.get("test_name"), 200), value=value_text,
                        value_num=number(value_text), unit=_clip(fields.get("unit"), 40),
                        ref_text=_clip(fields.get("reference_range"), 100),
                        flag=_clip(fields.get("abnormal_flag"), 20), note=_clip(fields.get("text"), 4000))
    val.ref_low, val.ref_high = parse_range(val.ref_text)
    inc = Incoming(source_format=source_format,
                   source_system=_clip(fields.get("sender_system"), 200) or default_system,
                   source_id=sender_id, raw=raw, row=row,
                   identifier=_clip(fields.get("identity_number"), 40) or None,
                   clinician=_clip(fields.get("ordering_clinician"), 100) or None,
                   title=(val.name or val.code or _("Provsvar"))[:200], values=[val])
    inc.notes += interpret(val)
    issued = _clip(fields.get("issued"), 40)
    if issued:
        try:
            inc.issued_at = parse_time(issued)
        except ValueError:
            inc.notes.append(_("Svarstiden kunde inte läsas (ange t.ex. 2026-11-23 14:05); "
                               "den har lämnats tom."))
    return inc


def iter_csv(source: bytes | BinaryIO, *, max_rows: int | None = csvfile.MAX_ROWS
             ) -> Iterator[Incoming | RowError]:
    """Every data row of a CSV drop (semicolon or comma separated, header row first), streamed.

    CsvFormatError (Swedish, naming the row) for a file that cannot be read on: binary, not
    UTF-8 half-way, a record too long to be a row, or more than max_rows rows.
    """
    handle = csvfile.open_text(io.BytesIO(source) if isinstance(source, bytes) else source)
    at = csvfile.Position()
    delimiter, written = csvfile.header(handle, at)
    written = [h.strip().lstrip("\ufeff") for h in written]
    header = [_ALIASES.get(h.lower()) for h in written]
    if "sender_id" not in header:
        raise CsvFormatError(_("Rubrikraden saknar kolumnen sender_id (avsändar-id). "
                               "Kolumnerna beskrivs i README."))
    rows = 0
    for line, cells in csvfile.records(handle, delimiter=delimiter, names=written, position=at):
        if not any(c.strip() for c in cells):
            continue
        rows += 1
        if max_rows is not None and rows > max_rows:
            raise CsvFormatError(_("Filen har fler än {max_rows} rader. Dela upp den (eller importera "
                                   "mappen med kulisser import-results).", max_rows=max_rows))
        if len(cells) > len(header):
            yield RowError(line, _("Raden har {cells} fält men rubrikraden {header}; raden importerades "
                                   "inte.", cells=len(cells), header=len(header)))
            continue
        if (name := csvfile.too_long_field(cells, written)) is not None:
            yield RowError(line, _("Fältet {name} är längre än {max_field_chars} tecken; raden importerades "
                                   "inte.", name=name, max_field_chars=csvfile.MAX_FIELD_CHARS))
            continue
        fields = {name: cell for name, cell in zip(header, cells, strict=False) if name}
        raw = json.dumps(fields, ensure_ascii=False)
        yield from_fields(fields, source_format="csv", default_system=CSV_SYSTEM, raw=raw, row=line)


def read_csv(data: bytes | BinaryIO, *, max_rows: int | None = csvfile.MAX_ROWS
             ) -> list[Incoming | RowError]:
    """Every data row of a CSV drop, as a list (see iter_csv)."""
    return list(iter_csv(data, max_rows=max_rows))


class FlatResult(BaseModel):
    """One result as a flat JSON object: the CSV columns as keys (the bulk line format)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sender_id: str = Field(min_length=1, max_length=200)
    sender_system: str | None = Field(None, max_length=200)
    identity_number: str | None = None
    ordering_clinician: str | None = None
    test_code: str | None = None
    test_name: str | None = None
    value: str | None = None
    unit: str | None = None
    reference_range: str | None = None
    abnormal_flag: str | None = None
    issued: str | None = None
    text: str | None = None

    @field_validator("value", "identity_number", mode="before")
    @classmethod
    def _as_text(cls, v: object) -> object:
        return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v


def read_flat_line(line: str, *, row: int) -> Incoming | RowError:
    """One flat JSON line (see FlatResult) as an Incoming."""
    try:
        flat = FlatResult.model_validate_json(line)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) or "rad" for e in exc.errors()[:5])
        return RowError(row, _("Raden är inte ett giltigt provsvar ({fields}); den importerades inte.",
                               fields=fields))
    return from_fields(flat.model_dump(), source_format="jsonl", default_system=JSONL_SYSTEM,
                       raw=line.strip(), row=row)
