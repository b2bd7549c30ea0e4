"""The export phase of benchmarks/coding.py: a month of contacts written straight into the
database, then the unit's patient-register export timed (issue 14 item 5)."""

from __future__ import annotations

import argparse
import random
import secrets
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from kulisser import migrate
from kulisser.coding import checks, codes_import
from kulisser.coding import register_report as report
from kulisser.coding.codes import ICD10, KVA
from kulisser.coding.models import CareContact, ContactCode
from kulisser.db import Database
from kulisser.identity.numbers import generate_personnummer
from kulisser.patients.models import Patient
from kulisser.staff import service as staff

RESULTS: list[list[str]] = []
CLINICIANS = 20
MONTH = date(2026, 10, 1)
_BATCH = 10_000


def _people(database: Database) -> tuple[int, list[int], Any]:
    """A unit, its secretary (the actor) and its clinicians."""
    with database.session() as session:
        unit = staff.create_unit(session, hsa_id=f"SE2321000016-B{secrets.token_hex(3)}",
                                 name="Exportenheten")
        users = [staff.create_user(session, username=f"bench-{role}-{n}", full_name=f"Läkare {n}",
                                   role=role, password=secrets.token_urlsafe(16), unit_ids=[unit.id])
                 for n, role in enumerate(["secretary"] + ["clinician"] * CLINICIANS)]
        actor = staff.make_actor(users[0], unit_id=unit.id)
        return unit.id, [u.id for u in users[1:]], actor


def _terminal_codes() -> list[str]:
    """WHO codes fit for a main diagnosis: terminal, not an asterisk ("classified elsewhere"),
    outside the sex- and age-limited chapters (so that every planned error is the planted one)."""
    rules = checks.load_rules()
    return [e["code"] for e in codes_import.who_entries()
            if e["terminal"] and not e["not_main"] and e["code"][0] in "EFIJKLM"
            and "elsewhere" not in e["title"].lower()
            and not any(lim.covers(e["code"]) for lim in rules.limits)
            and not any(r.covers(e["code"]) for r in rules.not_main)][:400]


def _fill(database: Database, rng: random.Random, unit_id: int, clinicians: list[int],
          n: int) -> None:
    """n patients, each with one reportable contact of MONTH, with their codes."""
    pool = _terminal_codes()
    used: set[str] = set()
    now = datetime(2026, 11, 2, 8, tzinfo=UTC)
    with database.session() as session:
        first_patient = (session.scalar(select(Patient.id).order_by(Patient.id.desc()).limit(1))
                         or 0) + 1
        first_contact = (session.scalar(select(CareContact.id).order_by(CareContact.id.desc())
                                        .limit(1)) or 0) + 1
    for start in range(0, n, _BATCH):
        count = min(_BATCH, n - start)
        patients, contacts, codes = [], [], []
        for i in range(start, start + count):
            pnr = ""
            while not pnr or pnr in used:
                born = date(1935, 1, 1) + timedelta(days=rng.randrange(0, 365 * 85))
                pnr = generate_personnummer(rng, birth_date=born).value
            used.add(pnr)
            patients.append({"id": first_patient + i, "id_kind": "personnummer", "id_value": pnr,
                             "given_name": "Bänk", "family_name": f"Patient{i}",
                             "search_name": f"patient{i} bank", "created_at": now,
                             "county_code": "01", "municipality_code": "0180"})
            day = MONTH + timedelta(days=rng.randrange(0, 31))
            inpatient = rng.random() < 0.1
            admitted = day - timedelta(days=rng.randrange(0, 6)) if inpatient else None
            uncoded = rng.random() < 0.03
            cid = first_contact + i
            contacts.append({
                "id": cid, "unit_id": unit_id, "patient_id": first_patient + i,
                "contact_date": admitted or day, "kind": "inpatient" if inpatient else "doctor_visit",
                "admitted_on": admitted, "discharged_on": day if inpatient else None,
                "clinician_id": rng.choice(clinicians), "source": "manual", "must_code": True,
                "status": "uncoded" if uncoded else "coded", "created_at": now, "updated_at": now,
                "version": 1})
            if uncoded:
                continue
            chosen = rng.sample(pool, 1 + rng.choice((0, 0, 1, 1, 2)))
            if rng.random() < 0.01:
                chosen.append(chosen[0])  # a duplicate: an error the export holds back
            for pos, code in enumerate(chosen):
                codes.append({"contact_id": cid, "system": ICD10, "code": code,
                              "role": "main" if pos == 0 else "secondary", "position": pos,
                              "procedure_date": None, "from_suggestion": False, "created_at": now})
            if rng.random() < 0.4:
                codes.append({"contact_id": cid, "system": KVA, "code": "AF021", "role": "procedure",
                              "position": 0, "procedure_date": day, "from_suggestion": False,
                              "created_at": now})
        with database.session() as session:
            session.execute(insert(Patient), patients)
            session.execute(insert(CareContact), contacts)
            if codes:
                session.execute(insert(ContactCode), codes)
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as conn:
            conn.exec_driver_sql("SELECT setval('patient_id_seq', (SELECT max(id) FROM patient))")
            conn.exec_driver_sql("SELECT setval('care_contact_id_seq', (SELECT max(id) FROM care_contact))")
            conn.exec_driver_sql("ANALYZE")
            conn.commit()


def phase_export(target: Any, workdir: Path, args: argparse.Namespace) -> list[list[str]]:
    """Fill a month and time its export; the figures go to RESULTS (their own table)."""
    rng = random.Random(args.seed)
    database = Database(target.url)
    migrate.upgrade(database.engine)
    unit_id, clinicians, actor = _people(database)
    t0 = time.perf_counter()
    _fill(database, rng, unit_id, clinicians, args.contacts)
    filled = time.perf_counter() - t0
    t0 = time.perf_counter()
    with database.session() as session:
        run = report.run_export(session, actor=actor, month=MONTH)
        reported, held, size = run.reported, run.listed, len(run.content)
    took = time.perf_counter() - t0
    assert reported + held == args.contacts, (reported, held)
    RESULTS.append([target.name, f"{args.contacts:,}", f"{reported:,}", f"{held:,}",
                    f"{size / 1e6:.1f}", f"{took:.1f}", f"fill {filled:.0f} s"])
    database.engine.dispose()
    return []
