"""The CSV import against bad files: binary, odd line ends, bad encoding, too long, too many rows."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.db import Database
from kulisser.results import csvfile
from kulisser.results.formats import CsvFormatError, Incoming, RowError, iter_csv, read_csv
from kulisser.results.models import Result
from tests import factories
from tests.factories import login_client
from tests.results.helpers import CSV_HEADER, csv_drop, sender_id


def test_a_bare_cr_ends_a_row_like_any_line_end() -> None:
    data = (CSV_HEADER + "\rA1;;;K;Kalium;4,1;mmol/L;;;;\rA2;;;K;Kalium;4,2;mmol/L;;;;\r\n"
            "A3;;;K;Kalium;4,3;mmol/L;;;;kommentar\r;;;;;;;;;;utan id").encode()
    rows = read_csv(data)
    assert [r.source_id for r in rows if isinstance(r, Incoming)] == ["A1", "A2", "A3"]
    assert isinstance(rows[-1], RowError) and rows[-1].row == 5  # "i en rad": no sender id


def test_a_quoted_cr_stays_in_its_field() -> None:
    [row] = read_csv((CSV_HEADER + '\nA1;;;K;Kalium;4,1;mmol/L;;;;"rad ett\rrad två"\n').encode())
    assert isinstance(row, Incoming) and row.values[0].note == "rad ett\rrad två"


def test_a_field_over_128_kib_is_refused_naming_its_row_and_field() -> None:
    text = CSV_HEADER.replace(";text", ";kommentar")
    data = (text + "\nA1;;;K;Kalium;4,1;mmol/L;;;;ok\nA2;;;K;Kalium;4,1;mmol/L;;;;"
            + "x" * 140_000 + "\n").encode()
    with pytest.raises(CsvFormatError) as caught:
        read_csv(data)
    assert caught.value.message.startswith("Rad 3: fältet kommentar är längre än 10000 tecken")


def test_a_quoted_field_spanning_lines_is_bounded_too() -> None:
    data = (CSV_HEADER + '\nA1;;;K;Kalium;4,1;mmol/L;;;;"' + "rad\n" * 40_000 + '"\n').encode()
    with pytest.raises(CsvFormatError, match="fältet text är längre än"):
        read_csv(data)


def test_a_long_field_within_the_row_limit_is_that_rows_error() -> None:
    rows = read_csv(csv_drop("A1;;;K;Kalium;4,1;mmol/L;;;;" + "y" * 20_000, "A2;;;K;Kalium;4,1;;;;;"))
    assert isinstance(rows[0], RowError) and rows[0].row == 2
    assert rows[0].message == "Fältet text är längre än 10000 tecken; raden importerades inte."
    assert isinstance(rows[1], Incoming) and rows[1].source_id == "A2"


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("svar.csv", csv_drop("A1;;;;;;;;;;").decode())
    return out.getvalue()


@pytest.mark.parametrize(("data", "kind"), [
    (os.urandom(5 * 1024 * 1024), "en binär fil"),
    (_pdf(), "en PDF"),
    (_zip(), "en zip-fil"),
    (csv_drop("A1;;;;;;;;;;").decode().encode("utf-16"), "UTF-16-kodad text"),
    (csv_drop("A1;;;;;;;;;;") + b"\0" * 10, "en binär fil"),  # a NUL byte after the first rows
    (csv_drop(*["A;;;;;;;;;;"] * 5000) + b"\0\0\0", "en binär fil"),  # ... past the first chunk
])
def test_a_binary_file_is_refused_as_such(data: bytes, kind: str) -> None:
    with pytest.raises(CsvFormatError) as caught:
        read_csv(data)
    assert caught.value.message.startswith(f"Filen är inte en textfil (CSV) utan verkar vara {kind}")


def test_windows_1252_is_read_and_utf8_broken_half_way_is_refused_naming_the_row() -> None:
    [row] = read_csv((CSV_HEADER + "\nÖ1;;;K;Kalium;4,1;;;;;Hämolys\n").encode("cp1252"))
    assert isinstance(row, Incoming) and row.source_id == "Ö1" and row.values[0].note == "Hämolys"
    good = "".join(f"Ä{i};;;K;Kalium;4,1;;;;;\n" for i in range(5000))  # > 64 KiB of UTF-8
    data = (CSV_HEADER + "\n" + good).encode() + "Ö9;;;;;;;;;;\n".encode("cp1252")
    with pytest.raises(CsvFormatError, match=r"^Rad 5002 är inte giltig UTF-8"):
        read_csv(data)


def test_row_count_is_bounded_per_upload() -> None:
    data = csv_drop(*[f"A{i};;;;;;;;;;" for i in range(11)])
    assert len(read_csv(data, max_rows=11)) == 11
    with pytest.raises(CsvFormatError, match="fler än 10 rader"):
        read_csv(data, max_rows=10)
    assert len(read_csv(data, max_rows=None)) == 11


class _Recording(io.RawIOBase):
    """A large upload that records how much was read, and in what pieces."""

    def __init__(self, rows: int) -> None:
        self.data = io.BytesIO(csv_drop(*[f"A{i};;;K;Kalium;4,1;mmol/L;;;;" for i in range(rows)]))
        self.largest = self.total = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:  # type: ignore[override]
        chunk = self.data.read(size)
        self.largest, self.total = max(self.largest, len(chunk)), self.total + len(chunk)
        return chunk


def test_the_file_is_read_in_chunks_as_the_rows_are_used() -> None:
    source = _Recording(100_000)  # about 3 MB
    rows = iter_csv(source, max_rows=None)  # type: ignore[arg-type]
    first = next(rows)
    assert isinstance(first, Incoming) and first.source_id == "A0"
    assert source.total <= 2 * csvfile.CHUNK  # not the whole file for the first row
    assert sum(1 for _ in rows) == 99_999
    assert source.largest <= csvfile.CHUNK and source.total == len(source.data.getvalue())


# -- through the app ---------------------------------------------------------------------------

def _count(database: Database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(Result)) or 0


def test_the_upload_page_refuses_bad_files_with_a_swedish_message_and_stores_nothing(
        app: object, database: Database, world: factories.World) -> None:
    client = TestClient(app)  # type: ignore[arg-type]
    login_client(client, database, world.secretary_id)
    before = _count(database)
    long_comment = csv_drop(f"{sender_id()};;;K;Kalium;4,1;mmol/L;;;;ok",
                            f"{sender_id()};;;K;Kalium;4,1;mmol/L;;;;" + "x" * 140_000)
    cases = [(long_comment, "Rad 3: fältet text är längre än 10000 tecken"),
             (os.urandom(5 * 1024 * 1024), "Filen är inte en textfil (CSV) utan verkar vara en binär fil"),
             (_pdf(), "verkar vara en PDF"), (_zip(), "verkar vara en zip-fil")]
    for data, message in cases:
        page = client.post("/provsvar/importera", files={"file": ("svar.csv", data, "text/csv")},
                           data={"kommentar": "k" * 140_000})
        assert page.status_code == 422, message
        assert message in page.text and 'id="e-file"' in page.text
    assert _count(database) == before  # the first row of the long-comment file was rolled back


def test_the_api_imports_a_file_with_bare_crs_and_refuses_binary_with_json(
        app: object, database: Database, world: factories.World) -> None:
    client = TestClient(app)  # type: ignore[arg-type]
    login_client(client, database, world.secretary_id)
    data = (CSV_HEADER + f"\r{sender_id()};;;K;Kalium;4,1;;;;;\r{sender_id()};;;K;Kalium;4,2;;;;;\r"
            ).encode()
    ok = client.post("/api/v1/results/csv", files={"file": ("svar.csv", data, "text/csv")})
    assert ok.status_code == 201 and ok.json()["unmatched"] == 2
    before = _count(database)
    refused = client.post("/api/v1/results/csv", files={"file": ("svar.csv", _pdf(), "text/csv")})
    assert refused.status_code == 422
    assert "verkar vara en PDF" in refused.json()["errors"]["file"]
    too_many = csv_drop(*[f"{sender_id()};;;;;;;;;;" for _ in range(csvfile.MAX_ROWS + 1)])
    refused = client.post("/api/v1/results/csv", files={"file": ("svar.csv", too_many, "text/csv")})
    assert refused.status_code == 422 and "fler än 10000 rader" in refused.json()["errors"]["file"]
    assert _count(database) == before  # the first 10,000 rows were not kept


def test_every_form_field_of_the_upload_page_is_bounded(app: object, database: Database,
                                                        world: factories.World) -> None:
    client = TestClient(app)  # type: ignore[arg-type]
    login_client(client, database, world.secretary_id)
    before = _count(database)
    good = csv_drop(f"{sender_id()};;;K;Kalium;4,1;mmol/L;;;;")
    for extra in ({"data": {"kommentar": "k" * 1_500_000}},
                  {"data": {f"f{i}": "x" for i in range(1100)}}):
        page = client.post("/provsvar/importera", files={"file": ("svar.csv", good, "text/csv")},
                           **extra)  # type: ignore[arg-type]
        assert page.status_code == 400
        assert "Begäran kunde inte läsas" in page.text and "högst 1 MB per fält" in page.text
    assert _count(database) == before
