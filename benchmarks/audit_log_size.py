"""The demo's access log size: rows after seeding, and after one scripted round of page views.

Seeds the demo into a fresh SQLite file, then a secretary, a clinician and the manager each
open the pages of an ordinary round (worklist, five patient pages with their sections, the
item pages, the domain lists, the log review) through the real app, and the rows are
counted: in all, per action, and how many were identical (user, patient, action, object,
outcome) within one request. Prints the figures; run with
``.venv/bin/python benchmarks/audit_log_size.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser import demo, migrate
from kulisser.app import create_app
from kulisser.audit.models import AuditEvent
from kulisser.config import Settings
from kulisser.db import Database
from kulisser.patients.models import CareRelation
from kulisser.staff import service as staff
from kulisser.staff.models import User
from kulisser.web.deps import SESSION_COOKIE
from kulisser.worklist.models import WorkItem

ROUND = ["/arbetslista", "/arbetslista?scope=unit", "/reception", "/patienter?q=an",
         "/diktat", "/signera", "/provsvar", "/remisser", "/vantelista", "/tidbok", "/brev"]


def _login(client: TestClient, database: Database, username: str) -> None:
    with database.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None, username
        token, row = staff.start_session(session, user=user)
        csrf = row.csrf_token
    client.cookies.set(SESSION_COOKIE, token)
    client.headers["X-CSRF-Token"] = csrf


def _count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _page_round(client: TestClient, database: Database, unit_name: str) -> int:
    """One round of page views for the logged-in user; how many requests it made."""
    with database.session() as session:
        pids = list(session.scalars(select(CareRelation.patient_id).where(
            CareRelation.ended_at.is_(None)).order_by(CareRelation.patient_id).limit(5)))
        items = list(session.scalars(select(WorkItem.id).order_by(WorkItem.id).limit(5)))
    paths = list(ROUND)
    for pid in pids:
        paths += [f"/patienter/{pid}", f"/patienter/{pid}/vantelista", f"/tidbok/patient/{pid}",
                  f"/brev/patient/{pid}"]
    paths += [f"/arbetslista/{i}" for i in items]
    for path in paths:
        # The patient page's sections load as htmx partials, as the browser asks for them.
        section = "/patient/" in path or (path.startswith("/patienter/")
                                          and path.endswith("/vantelista"))
        r = client.get(path, headers={"HX-Request": "true"} if section else {})
        if r.status_code >= 500:
            sys.exit(f"{path}: {r.status_code}")
    return len(paths)


def _duplicates(database: Database, since: int) -> int:
    """Rows beyond the first with the same user, patient, action, object and outcome in the
    same second (one request's page view takes well under a second)."""
    with database.session() as session:
        rows = session.execute(select(
            AuditEvent.user_id, AuditEvent.patient_id, AuditEvent.action, AuditEvent.object_type,
            AuditEvent.object_id, AuditEvent.outcome, AuditEvent.at).where(AuditEvent.id > since)
        ).tuples()
        keys = Counter((*r[:6], r[6].replace(microsecond=0)) for r in rows)
    return sum(n - 1 for n in keys.values())


def main() -> None:
    """Seed, count, browse, count, print."""
    tmp = Path(tempfile.mkdtemp(prefix="kulisser-auditsize-"))
    url = f"sqlite:///{tmp / 'demo.db'}"
    os.environ["KULISSER_MODE"] = "demo"
    settings = Settings(mode="demo", database_url=url, data_dir=tmp / "data",  # type: ignore[call-arg]
                        cookie_secure=False, jobs="worker")
    database = Database(url)
    migrate.upgrade(database.engine)
    with database.session() as session:
        demo.seed(session)
    seeded = _count(database)
    with database.session() as session:
        last_seeded = session.scalar(select(func.max(AuditEvent.id))) or 0
    app = create_app(settings, database)
    requests = 0
    with TestClient(app, base_url="http://testserver") as client:
        for username in ("sekreterare", "lakare", "chef"):
            client.cookies.clear()
            _login(client, database, username)
            requests += _page_round(client, database, "")
        client.cookies.clear()
        _login(client, database, "chef")
        for path in ("/logg", "/logg?visa=rader", "/logg?visa=rader&listor=1"):
            requests += 1
            client.get(path)
    total = _count(database)
    with database.session() as session:
        per_action = dict(session.execute(
            select(AuditEvent.action, func.count()).where(AuditEvent.id > last_seeded)
            .group_by(AuditEvent.action)).tuples().all())
    print(f"rows after seeding: {seeded}")
    print(f"rows after one round ({requests} requests by sekreterare, lakare, chef): {total}"
          f" (+{total - seeded})")
    print(f"  per action in the round: {per_action}")
    print(f"  identical rows in the same second in the round: {_duplicates(database, last_seeded)}")


if __name__ == "__main__":
    main()
