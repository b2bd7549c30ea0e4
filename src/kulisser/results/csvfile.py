"""An uploaded CSV file read as text, streamed: its encoding, binary files refused, rows bounded.

Pure logic, no database. The file is never whole in memory: it is decoded in chunks and fed
to the csv module line by line. Every limit ends in a Swedish message that names the row
(and the field, where one is too long) instead of the csv module's `_csv.Error`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from kulisser.i18n import N_, _

CHUNK = 64 * 1024
# One record, every field together. The csv module refuses a field over 128 KiB with an
# error that says neither row nor field; a record bounded below that never reaches it.
MAX_RECORD_CHARS = 100_000
MAX_FIELD_CHARS = 10_000  # the longest column kept (a lab's comment) is clipped at 4,000
MAX_ROWS = 10_000  # per upload; larger drops go through `kulisser import-results`

# What a file that is not text usually is, by its first bytes.
_MAGIC = [
    (b"%PDF", N_("en PDF")), (b"PK\x03\x04", N_("en zip-fil (t.ex. en Excel- eller Word-fil)")),
    (b"\xd0\xcf\x11\xe0", N_("ett Office-dokument (t.ex. en äldre Excel-fil)")),
    (b"\x1f\x8b", N_("en gzip-komprimerad fil")), (b"\x89PNG", N_("en bild")),
    (b"\xff\xd8\xff", N_("en bild")), (b"GIF8", N_("en bild")), (b"RIFF", N_("en ljudfil")),
    (b"ID3", N_("en ljudfil")), (b"OggS", N_("en ljudfil")), (b"fLaC", N_("en ljudfil")),
    (b"7z\xbc\xaf", N_("en komprimerad fil")), (b"Rar!", N_("en komprimerad fil")),
    # Excel's "Unicode text": every other byte is NUL.
    (b"\xff\xfe", N_("UTF-16-kodad text (spara den som UTF-8)")),
    (b"\xfe\xff", N_("UTF-16-kodad text (spara den som UTF-8)")),
]


class CsvFormatError(ValueError):
    """The file is not a CSV drop this import understands; .message is Swedish."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def binary_kind(head: bytes) -> str | None:
    """What a file that begins with these bytes is, if it is not text (None: it may be text)."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"\0" in head:
        return _("en binär fil")
    # Text has few control characters besides tab and line ends; random bytes have many.
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return _("en binär fil") if controls > max(8, len(head) // 100) else None


def _not_text(kind: str) -> CsvFormatError:
    return CsvFormatError(_("Filen är inte en textfil (CSV) utan verkar vara {kind}. Spara den som CSV "
                            "(semikolon- eller kommaseparerad) och försök igen.", kind=kind))


class _CheckedRaw(io.RawIOBase):
    """The upload's bytes, refusing NUL bytes anywhere (a text file has none)."""

    def __init__(self, source: BinaryIO, head: bytes) -> None:
        self.source, self.pending = source, head

    def readable(self) -> bool:
        """A readable stream."""
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Fill the buffer from the upload; NUL bytes refuse the file."""
        size = len(buffer)
        if self.pending:
            data, self.pending = self.pending[:size], self.pending[size:]
        else:
            data = self.source.read(size)
        if b"\0" in data:
            raise _not_text(_("en binär fil"))
        memoryview(buffer).cast("B")[:len(data)] = data
        return len(data)


def open_text(source: BinaryIO) -> io.TextIOWrapper:
    """The upload as a text stream: UTF-8 (a BOM allowed) or else Windows-1252; lines as written.

    A file that is binary by its first 64 KiB (a PDF, a zip, random bytes) is refused here;
    one with NUL bytes or invalid UTF-8 further on is refused when the reading gets there.
    """
    head = source.read(CHUNK)
    kind = binary_kind(head)
    if kind is not None:
        raise _not_text(kind)
    try:
        # Incremental: a character cut at the end of the first chunk is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        encoding, errors = "utf-8-sig", "surrogateescape"
    except UnicodeDecodeError:
        # Excel on Windows saves CSV in Windows-1252 unless told otherwise.
        encoding, errors = "cp1252", "replace"
    raw = io.BufferedReader(_CheckedRaw(source, head), buffer_size=CHUNK)
    # newline="": the csv module sees the line ends as written (\r\n, \n or a bare \r).
    return io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="")


_UNDECODED = re.compile("[\udc80-\udcff]")


@dataclass
class Position:
    """Where the reading is: for messages that name the row."""

    line: int = 0  # physical lines read so far
    record: list[str] = field(default_factory=list)  # the lines of the record being read
    chars: int = 0  # their length together (at most MAX_RECORD_CHARS)


def _field_at_end(text: str, delimiter: str) -> tuple[int, int]:
    """(column index, characters so far) of the field a partial record ends in."""
    quoted, column, start = False, 0, 0
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted  # "" inside quotes toggles twice: no change
        elif ch == delimiter and not quoted:
            column, start = column + 1, i + 1
    return column, len(text) - start


def _readline(handle: io.TextIOWrapper, at: Position) -> str:
    line = handle.readline(MAX_RECORD_CHARS + 1)
    at.line += bool(line)
    # A byte that is not UTF-8 decodes to a lone surrogate (see open_text): found per line, so
    # the message names the row that has it.
    if _UNDECODED.search(line):
        raise CsvFormatError(_("Rad {line} är inte giltig UTF-8 (filen börjar som UTF-8). Spara filen som "
                               "UTF-8 och försök igen.", line=at.line))
    return line


def header(handle: io.TextIOWrapper, at: Position) -> tuple[str, list[str]]:
    """(delimiter, cells) of the header row: the first line that is not blank."""
    first = ""
    while not first.strip():
        first = _readline(handle, at)
        if not first:
            raise CsvFormatError(_("Filen är tom."))
        if len(first) > MAX_RECORD_CHARS:
            raise CsvFormatError(_("Rubrikraden är längre än {max_record_chars} tecken.",
                                   max_record_chars=MAX_RECORD_CHARS))
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return delimiter, next(csv.reader([first], delimiter=delimiter), [])


def records(handle: io.TextIOWrapper, *, delimiter: str, names: list[str] | None = None,
            position: Position | None = None) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each record; CsvFormatError (Swedish) for one that is too long."""
    at = position or Position()

    def lines() -> Iterator[str]:
        while line := _readline(handle, at):
            at.record.append(line)
            at.chars += len(line)
            if at.chars > MAX_RECORD_CHARS:
                raise _too_long(at, delimiter, names)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvFormatError(_("Rad {line} kunde inte läsas som CSV ({exc}).", line=at.line,
                                   exc=exc)) from None
        at.record, at.chars = [], 0
        yield at.line, cells


def _too_long(at: Position, delimiter: str, names: list[str] | None) -> CsvFormatError:
    column, chars = _field_at_end("".join(at.record), delimiter)
    if chars > MAX_FIELD_CHARS:
        name = names[column] if names and column < len(names) and names[column] else None
        which = _("fältet {name}", name=name) if name else _("fält {value}", value=column + 1)
        return CsvFormatError(_("Rad {line}: {which} är längre än {max_field_chars} tecken; filen "
                                "importerades inte.", line=at.line, which=which,
                                max_field_chars=MAX_FIELD_CHARS))
    return CsvFormatError(_("Rad {line} är längre än {max_record_chars} tecken; filen importerades inte.",
                            line=at.line, max_record_chars=MAX_RECORD_CHARS))


def too_long_field(cells: list[str], names: list[str]) -> str | None:
    """The name (or number) of the first cell over MAX_FIELD_CHARS, or None."""
    for i, cell in enumerate(cells):
        if len(cell) > MAX_FIELD_CHARS:
            return names[i] if i < len(names) and names[i] else str(i + 1)
    return None
