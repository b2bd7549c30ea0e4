"""Benchmark the record copy: a record of 500 documents compiled into one PDF.

Seeds a migrated SQLite database with one unit, a secretary, a clinician and a patient whose
record holds N signed notes (default 500, each 600-2,400 characters of Swedish text, every
tenth corrected once more), picks every one into a record request (the rows the compile page
writes), masks a passage in every fifth, and times `records.pdf.render_copy`: the documents
and masks read, the cover and all documents laid out once by WeasyPrint, the cover laid out
again with its page count and fee, the PDF written. Prints pages per second (the PDF's pages
over the wall time of the whole call; and over its CPU time, which other work on a shared
machine does not skew) and the peak memory of the process (ru_maxrss; the
seeding is small beside the layout). Target: at least 20 pages per second on the project's
2-core machine.

    .venv/bin/python benchmarks/record_copies.py                 # 500 documents, 2 runs
    .venv/bin/python benchmarks/record_copies.py --documents 100 --runs 1
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import select

from benchmarks._common import load_average, machine, now_utc, table
from kulisser.db import Database
from kulisser.dictation.models import Dictation, NoteType, NoteVersion
from kulisser.identity import generate_personnummer
from kulisser.migrate import upgrade
from kulisser.packages import setup
from kulisser.patients.models import CareRelation, Patient
from kulisser.records import documents, pdf
from kulisser.records.models import DocumentMask, RecordRequest, RequestDocument
from kulisser.staff import service as staff
from kulisser.staff.models import Role, User

setup()  # every installed package's tables, kinds and jobs register

TARGET = 20.0
PASSWORD = "benchmark-losenord"  # noqa: S105 - a throwaway database
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
WORDS = ("patienten", "besvär", "sedan", "veckor", "smärta", "höger", "knä", "undersökning",
         "utan", "anmärkning", "blodtryck", "puls", "regelbunden", "ordineras", "återbesök",
         "om", "tre", "månader", "provtagning", "inför", "bedömning", "röntgen", "visar",
         "lätt", "artros", "fysioterapi", "remiss", "skickas", "överenskommelse", "med")


def _text(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.randint(2, 6)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(40, 70))]
        paragraphs.append(" ".join(words).capitalize() + ".")
    return "\n\n".join(paragraphs)


def seed(db: Database, n: int, rng: random.Random) -> tuple[int, int]:
    """One unit, its staff, a patient with ``n`` signed notes all picked into a request;
    return the request id and the secretary's user id."""
    with db.session() as s:
        unit = staff.create_unit(s, hsa_id="SE2321000016-RCOPY", name="Journalkopiemottagningen",
                                 address="Sjukhusvägen 1, 123 45 Kulisserstad")
        secretary = staff.create_user(s, username="bench-sekr", full_name="Bench Sekreterare",
                                      role=Role.SECRETARY, password=PASSWORD, unit_ids=[unit.id])
        doctor = staff.create_user(s, username="bench-lak", full_name="Bench Läkare",
                                   role=Role.CLINICIAN, password=PASSWORD, unit_ids=[unit.id])
        patient = Patient(id_kind="personnummer", address="Storgatan 1", postal_code="123 45",
                          city="Kulisserstad",
                          id_value=generate_personnummer(rng, birth_date=date(1960, 5, 5)).value)
        patient.set_name(given_name="Åsa", family_name="Öberg")
        s.add(patient)
        s.flush()
        s.add(CareRelation(unit_id=unit.id, patient_id=patient.id))
        kind = s.query(NoteType).filter(NoteType.unit_id.is_(None)).first()
        assert kind is not None
        request = RecordRequest(unit_id=unit.id, patient_id=patient.id, kind="copy",
                                received_on=date(2026, 12, 3), channel="letter",
                                requester_kind="patient", requester_name="Åsa Öberg",
                                scope="whole", delivery="post", first_copy=False,
                                target_date=date(2026, 12, 4), breach_date=date(2026, 12, 8))
        s.add(request)
        s.flush()
        for i in range(n):
            at = NOW - timedelta(days=3 * (n - i))
            text = _text(rng)
            d = Dictation(unit_id=unit.id, patient_id=patient.id, author_id=doctor.id,
                          note_type_id=kind.id, status="signed", audio_sha256="0" * 64,
                          audio_format="wav", audio_media_type="audio/wav", audio_duration_s=1.0,
                          audio_size=10, uploaded_by_id=doctor.id, text=text, signed_at=at,
                          signed_by_id=doctor.id)
            s.add(d)
            s.flush()
            s.add(NoteVersion(dictation_id=d.id, version=1, text=text, signed_by_id=doctor.id,
                              signed_at=at))
        s.flush()
        actor = staff.make_actor(secretary, unit_id=unit.id)
        _req, found = documents.candidates(s, actor=actor, request_id=request.id, now=NOW)
        for position, doc in enumerate(found, start=1):
            picked = RequestDocument(request_id=request.id, source=doc.source,
                                     source_id=doc.source_id, source_version=doc.source_version,
                                     title=doc.title, document_date=doc.date,
                                     text=documents.normalized(doc.text), position=position)
            if position % 5 == 0:
                picked.masks = [DocumentMask(start_at=10, end_at=60)]
            s.add(picked)
        request.status = "compiling"
        return request.id, secretary.id


def main() -> int:
    """Seed, compile, print the figures; exit 1 when the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    rng = random.Random(12)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.db")
        upgrade(db.engine)
        request_id, user_id = seed(db, args.documents, rng)
        with db.session() as s:
            chars = sum(len(t) for t in s.scalars(select(RequestDocument.text)))
        import weasyprint  # noqa: F401 - a server has it loaded: its import is not timed

        rows = []
        best = 0.0
        for run in range(1, args.runs + 1):
            with db.session() as s:
                user = s.get(User, user_id)
                assert user is not None
                actor = staff.make_actor(user, unit_id=user.memberships[0].unit_id)
                start, cpu = time.perf_counter(), time.process_time()
                body, pages = pdf.render_copy(s, actor=actor, request_id=request_id, now=NOW)
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
                s.rollback()
            total = pages + 1
            rate = total / seconds
            best = max(best, rate)
            rows.append([str(run), str(args.documents), str(total), f"{chars // pages:,}",
                         f"{seconds:.1f}", f"{rate:.1f}", f"{total / cpu:.1f}",
                         f"{len(body) / 1e6:.1f}"])
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Record copy benchmark, {now_utc()}")
    print(f"machine: {machine()}; load average {load_average()}")
    print(table(["run", "documents", "pages", "chars/page", "seconds", "pages/s",
                 "pages/CPU-s", "PDF MB"], rows))
    print(f"peak memory (ru_maxrss): {peak_mib:.0f} MiB")
    verdict = "met" if best >= TARGET else "MISSED"
    print(f"best {best:.1f} pages/s; target >= {TARGET:.0f} pages/s: {verdict}")
    return 0 if best >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
