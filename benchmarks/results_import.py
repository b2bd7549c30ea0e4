"""Benchmark the results import: 100,000 results from a JSON-lines drop, all routed, none lost.

Seeds one care unit with 20,000 patients (care relations), 10 clinicians and the secretary the
import acts as, writes N flat JSON lines (the CSV columns as keys; see the README, "Results")
and imports them through `kulisser.results.importer.import_jsonl`, the same path as
`kulisser import-results DIR` (set-based batches, committed every --batch lines). The mix:
about 96 % known patients, 2 % unknown (valid personnummer nobody registered) and 2 % with a
wrong check digit (both go unmatched to the unit's queue); 85 % name a known clinician, the
rest an unknown one or none (the unit's queue); about 12 % abnormal, 1 % critical.

Afterwards it verifies that every line became exactly one result with its value, one open work
item of the right kind and owner, and one audit row, and that importing the first 10,000
lines again creates nothing. Prints results per second on SQLite and on PostgreSQL (a
throwaway cluster from scripts/pg.sh); target >= 2,000 per second on both. With
--fhir N it also times N FHIR DiagnosticReport lines (validated with fhir.resources), for
information.

    .venv/bin/python benchmarks/results_import.py                  # both databases, 100,000
    .venv/bin/python benchmarks/results_import.py --sqlite --results 20000
    .venv/bin/python benchmarks/results_import.py --postgres --fhir 5000
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from benchmarks._common import load_average, machine, now_utc, table, throwaway_postgres
from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.identity import PERSONNUMMER_SYSTEM, generate_personnummer
from kulisser.migrate import upgrade
from kulisser.packages import setup
from kulisser.patients.models import CareRelation, Patient
from kulisser.results import importer
from kulisser.results.models import Result, ResultObservation
from kulisser.staff import service as staff
from kulisser.staff.actor import Actor
from kulisser.staff.models import Role
from kulisser.worklist.models import WorkItem

setup()  # every installed package's tables, kinds and jobs register

TARGET = 2000.0
PASSWORD = "benchmark-losenord"  # noqa: S105 - a throwaway database
PATIENTS = 20_000
CLINICIANS = 10
TESTS = [("Hemoglobin", "718-7", "g/L", "117-153", 117, 153), ("Kalium", "2823-3", "mmol/L",
         "3,5-4,4", 3.5, 4.4), ("CRP", "1988-5", "mg/L", "<5", 0, 5),
         ("Kreatinin", "2160-0", "µmol/L", "45-90", 45, 90)]


@dataclass
class Drop:
    """The generated lines and what their import must produce."""

    path: Path
    lines: int
    unmatched: int
    to_clinician: int
    to_queue: int


def seed(db: Database, rng: random.Random) -> tuple[Actor, list[str], list[str]]:
    """One unit, its staff and patients; return the importer, identity numbers, clinicians."""
    with db.session() as s:
        unit = staff.create_unit(s, hsa_id="SE2321000016-BENCH", name="Provsvarsmottagningen")
        secretary = staff.create_user(s, username="bench-sekr", full_name="Bench Sekreterare",
                                      role=Role.SECRETARY, password=PASSWORD,
                                      unit_ids=[unit.id])
        doctors = [staff.create_user(s, username=f"bench-lak{i}", full_name=f"Läkare {i}",
                                     role=Role.CLINICIAN, password=PASSWORD,
                                     unit_ids=[unit.id], hsa_id=f"SE2321000016-L{i:04d}")
                   for i in range(CLINICIANS)]
        seen: set[str] = set()
        while len(seen) < PATIENTS:
            seen.add(generate_personnummer(rng).value)
        idents = sorted(seen)
        s.execute(insert(Patient), [{"id_kind": "personnummer", "id_value": v, "given_name": "Test",
                                     "family_name": f"Person{n}", "search_name": f"person{n} test"}
                                    for n, v in enumerate(idents)])
        pids = list(s.scalars(select(Patient.id).where(Patient.id_value.in_(idents))))
        s.execute(insert(CareRelation), [{"unit_id": unit.id, "patient_id": p} for p in pids])
        actor = staff.make_actor(secretary, unit_id=unit.id)
        return actor, idents, [d.username if i % 2 else d.hsa_id or "" for i, d in enumerate(doctors)]


def write_drop(folder: Path, n: int, rng: random.Random, idents: list[str], doctors: list[str]) -> Drop:
    """N flat JSON lines with the mix described in the module docstring."""
    path = folder / "results.jsonl"
    unmatched = to_clinician = to_queue = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            roll = rng.random()
            if roll < 0.02:
                ident = generate_personnummer(rng).value  # almost surely nobody registered
                ident = ident if ident not in idents else "000000000000"
            elif roll < 0.04:
                good = rng.choice(idents)
                ident = good[:-1] + str((int(good[-1]) + 1) % 10)  # wrong check digit
            else:
                ident = rng.choice(idents)
            known = roll >= 0.04
            pick = rng.random()
            doctor = rng.choice(doctors) if pick < 0.85 else ("okand-lakare" if pick < 0.93 else "")
            name, code, unit, ref, low, high = TESTS[i % len(TESTS)]
            value = round(rng.uniform(low, high), 1)
            flag = ""
            r = rng.random()
            if r < 0.01:
                value, flag = round(high * 3, 1), "HH"
            elif r < 0.12:
                value, flag = round(high * 1.2, 1), "H"
            line = {"sender_id": f"B{i:08d}", "sender_system": "urn:oid:1.2.752.99.7",
                    "identity_number": ident, "ordering_clinician": doctor, "test_code": code,
                    "test_name": name, "value": str(value), "unit": unit, "reference_range": ref,
                    "abnormal_flag": flag, "issued": "2026-11-23T08:00:00+01:00"}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            if not known:
                unmatched += 1
            elif pick < 0.85:
                to_clinician += 1
            else:
                to_queue += 1
    return Drop(path=path, lines=n, unmatched=unmatched, to_clinician=to_clinician, to_queue=to_queue)


def write_fhir(folder: Path, n: int, rng: random.Random, idents: list[str], doctors: list[str]) -> Path:
    """N FHIR DiagnosticReport lines, each with two contained Observations and the orderer."""
    path = folder / "fhir.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            obs = [{"resourceType": "Observation", "id": f"o{k}", "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": TESTS[k][1],
                                         "display": TESTS[k][0]}]},
                    "valueQuantity": {"value": round(rng.uniform(TESTS[k][4], TESTS[k][5] * 1.1), 1),
                                      "unit": TESTS[k][2]},
                    "referenceRange": [{"low": {"value": TESTS[k][4]}, "high": {"value": TESTS[k][5]}}]}
                   for k in range(2)]
            report = {"resourceType": "DiagnosticReport", "status": "final",
                      "identifier": [{"system": "urn:oid:1.2.752.99.8", "value": f"F{i:08d}"}],
                      "code": {"text": "Blodstatus"}, "issued": "2026-11-23T08:00:00+01:00",
                      "subject": {"identifier": {"system": PERSONNUMMER_SYSTEM,
                                                 "value": rng.choice(idents)}},
                      "result": [{"reference": "#o0"}, {"reference": "#o1"}],
                      "basedOn": [{"reference": "#sr"}],
                      "contained": [*obs, {"resourceType": "ServiceRequest", "id": "sr",
                                           "status": "active", "intent": "order",
                                           "subject": {"display": "patient"},
                                           "requester": {"identifier": {"value": rng.choice(doctors)}}}]}
            out.write(json.dumps(report) + "\n")
    return path


def verify(db: Database, actor: Actor, drop: Drop) -> list[str]:
    """Check that every line was stored and routed exactly once; return the problems."""
    problems = []
    with db.session() as s:
        ours = select(Result.id).where(Result.unit_id == actor.unit_id,
                                       Result.source_system == "urn:oid:1.2.752.99.7")
        results = s.scalar(select(func.count()).select_from(ours.subquery())) or 0
        values = s.scalar(select(func.count()).select_from(ResultObservation)
                          .where(ResultObservation.result_id.in_(ours))) or 0
        items = dict(s.execute(select(WorkItem.kind, func.count()).where(
            WorkItem.ref_type == "result", WorkItem.ref_id.in_(ours), WorkItem.status == "requested")
            .group_by(WorkItem.kind)).tuples().all())
        distinct = s.scalar(select(func.count(func.distinct(WorkItem.ref_id))).where(
            WorkItem.ref_type == "result", WorkItem.ref_id.in_(ours))) or 0
        owned = s.scalar(select(func.count()).select_from(WorkItem).where(
            WorkItem.ref_type == "result", WorkItem.ref_id.in_(ours), WorkItem.owner_id.is_not(None))) or 0
        audit = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_type == "result", AuditEvent.action == "create",
            AuditEvent.user_id == actor.user_id)) or 0
    expected = {"results": drop.lines, "values": drop.lines, "items (one per result)": drop.lines,
                "result-review items": drop.lines - drop.unmatched,
                "result-unmatched items": drop.unmatched, "owned by the orderer": drop.to_clinician,
                "audit rows": drop.lines}
    got = {"results": results, "values": values, "items (one per result)": distinct,
           "result-review items": items.get("result-review", 0),
           "result-unmatched items": items.get("result-unmatched", 0), "owned by the orderer": owned,
           "audit rows": audit}
    for key, want in expected.items():
        status = "ok" if got[key] == want else "MISSING/EXTRA"
        print(f"   {key:<24} {got[key]:>8,} (expected {want:,}) {status}")
        if got[key] != want:
            problems.append(key)
    return problems


def run(url: str, args: argparse.Namespace, label: str) -> list[str]:
    """Seed, import, verify and re-import on one database; return a table row."""
    db = Database(url)
    upgrade(db.engine)
    rng = random.Random(20261123)
    with tempfile.TemporaryDirectory(prefix="kulisser-results-") as tmp:
        actor, idents, doctors = seed(db, rng)
        drop = write_drop(Path(tmp), args.results, rng, idents, doctors)
        print(f"== {label}: importing {drop.lines:,} results ({drop.unmatched:,} unmatched expected)")
        t0 = time.perf_counter()
        report = importer.import_jsonl(db, actor=actor, path=drop.path, batch=args.batch)
        took = time.perf_counter() - t0
        rate = drop.lines / took
        assert report.created == drop.lines, (report.created, report.count("error"))
        problems = verify(db, actor, drop)
        first = Path(tmp) / "first.jsonl"
        first.write_text("".join(drop.path.read_text(encoding="utf-8").splitlines(True)[:10_000]),
                         encoding="utf-8")
        t1 = time.perf_counter()
        again = importer.import_jsonl(db, actor=actor, path=first, batch=args.batch)
        redo = time.perf_counter() - t1
        if again.created or again.count("duplicate") != min(10_000, drop.lines):
            problems.append("re-import created something")
        problems += verify(db, actor, drop) if not problems else []
        fhir_rate = ""
        if args.fhir:
            path = write_fhir(Path(tmp), args.fhir, rng, idents, doctors)
            t2 = time.perf_counter()
            done = importer.import_jsonl(db, actor=actor, path=path, batch=args.batch)
            fhir_rate = f"{args.fhir / (time.perf_counter() - t2):,.0f}"
            if done.created != args.fhir:
                problems.append("FHIR lines lost")
    db.engine.dispose()
    verdict = "PASS" if rate >= TARGET and not problems else "FAIL"
    print(f"   {rate:,.0f} results/s ({took:.1f} s); re-import of 10,000: {redo:.1f} s, nothing new; "
          f"{verdict}{' ' + ', '.join(problems) if problems else ''}")
    return [label, f"{drop.lines:,}", f"{took:.1f}", f"{rate:,.0f}", f"{redo:.1f}",
            fhir_rate or "–", "yes" if not problems else "NO", verdict]


def main() -> int:
    """Parse the command line, run on the chosen databases, print the Markdown section."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sqlite", action="store_true", help="only SQLite (a temporary file)")
    p.add_argument("--postgres", action="store_true", help="only PostgreSQL (a throwaway cluster)")
    p.add_argument("--database-url", help="an EMPTY database to use instead of a throwaway one")
    p.add_argument("--results", type=int, default=100_000, help="lines to import (default 100,000)")
    p.add_argument("--batch", type=int, default=5000, help="lines per transaction (default 5,000)")
    p.add_argument("--fhir", type=int, default=0, metavar="N",
                   help="also time N FHIR DiagnosticReport lines (information only)")
    args = p.parse_args()
    rows = []
    started = now_utc()
    with ExitStack() as stack:
        if args.database_url:
            rows.append(run(args.database_url, args, args.database_url.split(":", 1)[0]))
        else:
            if not args.postgres:
                folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="kulisser-bench-"))
                rows.append(run(f"sqlite:///{folder}/bench.db", args, f"SQLite {sqlite3.sqlite_version}"))
            if not args.sqlite:
                url = stack.enter_context(throwaway_postgres())
                rows.append(run(url, args, "PostgreSQL (scripts/pg.sh)"))
    print()
    print(f"## Results import: {args.results:,} JSON lines")
    print()
    print(f"- machine: {machine()}")
    print(f"- date: {started}; load average after: {load_average()}")
    print(f"- command: `.venv/bin/python benchmarks/results_import.py {' '.join(sys.argv[1:])}`".rstrip())
    print(f"- target: >= {TARGET:,.0f} results per second, every result routed, none lost")
    print()
    print(table(["database", "results", "seconds", "results/s", "re-import 10k (s)",
                 "FHIR lines/s", "all routed", "verdict"], rows))
    return 0 if all(r[-1] == "PASS" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
