"""Bad input, measured: the CSV import's memory streamed against whole, and hostile letter texts.

    .venv/bin/python benchmarks/input_limits.py [--rows 200000]

Writes a results CSV drop (a 200-character comment per row, about 50 MB at 200,000 rows) to a
temporary file and reads it as the upload routes do (`formats.iter_csv` on the spooled file,
taken 1,000 rows at a time as `service.import_csv` does), reporting the peak of memory that
Python allocated (tracemalloc) and the time without tracing; then the same rows read the way
the import did before (the whole file read, decoded and parsed into one list). Then times
how long `merge.check_texts` takes to refuse each hostile letter text of issue 9. No
database: the parsing and the letter sandbox only.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import load_average, machine, now_utc, table
from kulisser.errors import ValidationFailed
from kulisser.letters import merge
from kulisser.letters.states import LetterKind
from kulisser.results.formats import from_fields, iter_csv

HEADER = "sender_id;identity_number;test_code;test_name;value;unit;reference_range;text\n"
HOSTILE = ["{{ fornamn|center(5000000) }}", "{{ fornamn|center(200000) }}",
           "{{ '%5000000s' % fornamn }}", "{{ fornamn.ljust(200000) }}",
           "{{ fornamn|replace('', fornamn|center(90000)) }}",
           "{% for a in patient_namn %}{% for b in patient_namn %}{% for c in patient_namn %}"
           "x{% endfor %}{% endfor %}{% endfor %}"]


def write_drop(path: Path, rows: int) -> None:
    """A CSV drop of `rows` results, each with a 200-character comment."""
    comment = "Hemolys i provet, bedöm med försiktighet. " * 5
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(rows):
            out.write(f"LAB-{i};191212121212;718-7;Hemoglobin;{100 + i % 60};g/L;117-153;{comment}\n")


def streamed(path: Path) -> int:
    """Read as the upload routes do: the open file, 1,000 rows at a time."""
    n = 0
    with path.open("rb") as handle:
        rows = iter_csv(handle, max_rows=None)
        while chunk := list(islice(rows, 1000)):
            n += len(chunk)
    return n


def whole(path: Path) -> int:
    """Read as the import did before: the whole file, decoded, parsed into one list."""
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text), delimiter=";")
    header = next(reader)
    found = [from_fields(dict(zip(header, cells, strict=False)), source_format="csv",
                         default_system="urn:kulisser:csv", raw="", row=reader.line_num)
             for cells in reader]
    return len(found)


def measure(read: Callable[[Path], int], path: Path) -> tuple[int, float, float]:
    """(rows, seconds, peak MiB) of one way of reading."""
    started = time.perf_counter()
    rows = read(path)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    read(path)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return rows, seconds, peak


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    print(f"{machine()}\n{now_utc()}, load average {load_average()}\n")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "drop.csv"
        write_drop(path, args.rows)
        size = path.stat().st_size / 2**20
        lines = []
        for name, read in (("streamed (now)", streamed), ("whole file (before)", whole)):
            rows, seconds, peak = measure(read, path)
            lines.append([name, f"{size:.1f}", f"{rows:,}", f"{seconds:.1f}", f"{peak:.1f}"])
        print(table(["CSV read", "file MiB", "rows", "seconds", "peak MiB"], lines))
    print()
    lines = []
    for text in HOSTILE:
        started = time.perf_counter()
        try:
            merge.check_texts(kind=LetterKind.CALLING, subject="Kallelse", body=text)
            outcome = "accepted"
        except ValidationFailed as exc:
            outcome = exc.errors["body"][:60]
        lines.append([f"`{text[:50]}`", f"{(time.perf_counter() - started) * 1000:.1f}", outcome])
    print(table(["letter text", "ms", "outcome"], lines))


if __name__ == "__main__":
    main()
