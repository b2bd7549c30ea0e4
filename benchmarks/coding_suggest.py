"""Coding suggestions (issue 14 item 3): what scoring a signed note adds to its signing.

A signed note's suggestions are made in the signing's transaction (coding's NoteSigned
subscriber): up to 30 code searches for the note's longest words, then a comparison with the
word sets of the unit's latest 1,000 coded contacts. This builds a fresh database (migration
0026 loads the WHO ICD-10 tree), a unit with `--history` coded contacts whose notes' words are
stored, and times `suggest.score` for `--notes` synthetic notes of about 150 words (Swedish
filler with English title words, as the WHO fallback's titles are English). Prints p50, p95 and
max per database.

    .venv/bin/python benchmarks/coding_suggest.py
    .venv/bin/python benchmarks/coding_suggest.py --pg-url postgresql+psycopg://u@127.0.0.1:5449/k
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from benchmarks._common import load_average, machine, now_utc, percentile, table
from kulisser import migrate, packages
from kulisser.coding import suggest
from kulisser.coding.models import CareContact, ContactCode
from kulisser.db import Database
from kulisser.patients import service as patients
from kulisser.staff import service as staff

_FILLER = ("patienten besöker mottagningen idag med besvär sedan några veckor tillbaka och "
          "beskriver trötthet yrsel samt andfåddhet vid ansträngning blodtryck puls saturation "
          "lungor hjärta buk status utan anmärkning läkemedel fortsätter oförändrat")
_TITLES = ("hypertension diabetes asthma pneumonia fracture infection chronic acute "
               "bronchitis anaemia arthritis migraine depression obesity angina heart failure "
               "fibrillation gastritis dermatitis")
FILLER, TITLE_WORDS = _FILLER.split(), _TITLES.split()
CODES = ["I10", "E119", "J459", "J189", "I489", "I509", "K297", "M199", "F329", "E669"]


def _note(rng: random.Random, words: int = 150) -> str:
    return " ".join(rng.choice(TITLE_WORDS) if rng.random() < 0.08 else rng.choice(FILLER)
                    for _ in range(words))


def run(url: str, *, notes: int, history: int) -> list[float]:
    """Seed the unit's history and time the scoring of each note (milliseconds)."""
    database = Database(url)
    migrate.upgrade(database.engine)
    rng = random.Random(14)
    with database.session() as s:
        unit = staff.create_unit(s, hsa_id=f"SE-BENCH-{rng.randrange(10**9)}", name="Bench")
        [patient] = patients.add_demo_patients(s, rows=[dict(
            id_kind="personnummer", id_value="194910139999", given_name="A", family_name="B")])
        today = date.today()
        for n in range(history):
            c = CareContact(unit_id=unit.id, patient_id=patient.id, contact_date=today,
                            kind="doctor_visit", source="manual", must_code=True, status="coded",
                            note_words=suggest.words(_note(rng)))
            c.codes.append(ContactCode(system="icd10", code=CODES[n % len(CODES)], role="main"))
            s.add(c)
        target = CareContact(unit_id=unit.id, patient_id=patient.id, contact_date=today,
                             kind="doctor_visit", source="manual", must_code=True)
        s.add(target)
        s.flush()
        timings = []
        for _n in range(notes):
            text = _note(rng)
            start = time.perf_counter()
            suggest.score(s, contact=target, text=text)
            timings.append((time.perf_counter() - start) * 1000)
        s.rollback()
    database.engine.dispose()
    return timings


def main() -> None:
    """Measure on SQLite and, given a URL, on PostgreSQL; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=100)
    parser.add_argument("--history", type=int, default=1000)
    parser.add_argument("--pg-url", default="")
    args = parser.parse_args()
    packages.setup()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("sqlite", f"sqlite:///{tmp}/suggest.db")]
        if args.pg_url:
            targets.append(("postgresql", args.pg_url))
        for name, url in targets:
            ms = run(url, notes=args.notes, history=args.history)
            rows.append([name, str(len(ms)), f"{percentile(ms, 50):.1f}", f"{percentile(ms, 95):.1f}",
                         f"{max(ms):.1f}"])
    print(f"Coding suggestions, {now_utc()}, {machine()}, load {load_average()}")
    print(f"{args.notes} notes of 150 words, {args.history} coded contacts in the unit's history")
    print(table(["database", "notes", "p50 ms", "p95 ms", "max ms"], rows))


if __name__ == "__main__":
    main()
