"""The figure "does speech recognition help" for twelve months of a busy unit.

Makes a fresh SQLite file with N signed dictations a month (default 200) of 150 words each,
a third typed without the draft, each with 20 activity moments, and times
``recognizer_help.last_months`` three times: the first run compares every draft with its
signed text, later ones find the comparisons in the quality module's cache (as after the
quality page's own figures). Run with ``.venv/bin/python benchmarks/recognizer_help.py 200``.
"""

from __future__ import annotations

import random
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from kulisser import migrate
from kulisser.db import Database, utcnow
from kulisser.dictation import catalog, quality, recognizer_help
from kulisser.dictation.models import Dictation, NoteVersion, ReviewActivity
from tests import factories

WORDS = ["patienten", "söker", "för", "hosta", "sedan", "två", "veckor", "lungorna", "är",
         "fria", "bedömning", "virus", "åter", "vid", "behov"]


def main(per_month: int) -> None:
    """Seed the months and print the timings."""
    db = Database(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")
    migrate.upgrade(db.engine)
    rng = random.Random(1)
    with db.session() as s:
        w = factories.make_world(s)
        kind = catalog.default_note_type(s, unit_id=w.unit_id)
        for month in quality.month_starts(utcnow(), 12):
            for n in range(per_month):
                text = " ".join(rng.choice(WORDS) for _ in range(150))
                draft = " ".join(x if rng.random() > 0.1 else "fel" for x in text.split())
                up = quality.local_midnight(month) + timedelta(days=rng.uniform(0, 20))
                signed = up + timedelta(days=1)
                d = Dictation(unit_id=w.unit_id, patient_id=w.patient_ids[0],
                              author_id=w.clinician_id, note_type_id=kind.id, status="signed",
                              audio_sha256=secrets.token_hex(32), audio_format="wav",
                              audio_media_type="audio/wav", audio_duration_s=120, audio_size=1,
                              uploaded_by_id=w.clinician_id, uploaded_at=up, updated_at=up,
                              signed_at=signed, closed_at=signed, draft_text=draft,
                              drafted_at=up, review_mode="draft" if n % 3 else "empty", text=text)
                d.versions.append(NoteVersion(version=1, text=text, signed_by_id=w.clinician_id,
                                              signed_at=signed))
                s.add(d)
                s.flush()
                s.add_all(ReviewActivity(dictation_id=d.id, user_id=w.secretary_id, kind="key",
                                         at=up + timedelta(seconds=20 * i)) for i in range(20))
        s.commit()
        for run in ("cold", "warm", "warm"):
            start = time.perf_counter()
            recognizer_help.last_months(s, unit_id=w.unit_id, now=utcnow())
            print(f"{per_month} dictations/month, 12 months, {run}: "
                  f"{time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
