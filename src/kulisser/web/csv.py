"""CSV for Swedish Excel: semicolons, CRLF, UTF-8 with a BOM, and formula-safe cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi.responses import Response

# Cells a spreadsheet would run as a formula (OWASP CSV injection): prefix with a quote.
CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # makes Excel read UTF-8


def cell(value: object) -> str:
    """One cell as text; text that a spreadsheet would take for a formula gets a leading quote."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # a number (even a negative one) is never a formula
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_RISKY) else text


def writer(buf: io.StringIO) -> Any:
    """A csv writer with the Swedish Excel dialect (semicolon, CRLF)."""
    return csv.writer(buf, delimiter=";", lineterminator="\r\n")


def document(header: Sequence[object], rows: Iterable[Sequence[object]]) -> str:
    """A whole CSV file as text: BOM, header, rows, every cell made safe."""
    buf = io.StringIO()
    out = writer(buf)
    out.writerow([cell(c) for c in header])
    out.writerows([cell(c) for c in row] for row in rows)
    return BOM + buf.getvalue()


def attachment(text: str, filename: str) -> Response:
    """A CSV download response."""
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
