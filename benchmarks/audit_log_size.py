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
import re
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


def _page_round(client: TestClient, database: Database) -> tuple[int, int]:
    """One round of page views for the logged-in user: how many requests it made, and how
    many rows were identical to another of the same request."""
    with database.session() as session:
        pids = list(session.scalars(select(CareRelation.patient_id).where(
            CareRelation.ended_at.is_(None)).order_by(CareRelation.patient_id).limit(5)))
        items = list(session.scalars(select(WorkItem.id).order_by(WorkItem.id).limit(5)))
    paths = list(ROUND)
    for pid in pids:
        paths += [f"/patienter/{pid}", f"/patienter/{pid}/vantelista", f"/tidbok/patient/{pid}",
                  f"/brev/patient/{pid}"]
    paths += [f"/arbetslista/{i}" for i in items]
    identical = 0
    for path in paths:
        before = _last_id(database)
        # The patient page's sections load as htmx partials, as the browser asks for them.
        section = "/patient/" in path or (path.startswith("/patienter/")
                                          and path.endswith("/vantelista"))
        r = client.get(path, headers={"HX-Request": "true"} if section else {})
        if r.status_code >= 500:
            sys.exit(f"{path}: {r.status_code}")
        identical += _identical_in_request(database, before + 1, _last_id(database))
    return len(paths), identical


def _last_id(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


def _identical_in_request(database: Database, first: int, last: int) -> int:
    """Rows beyond the first with the same user, patient, action, object and outcome among
    the rows ids first..last (one request's)."""
    with database.session() as session:
        rows = session.execute(select(
            AuditEvent.user_id, AuditEvent.patient_id, AuditEvent.action, AuditEvent.object_type,
            AuditEvent.object_id, AuditEvent.outcome).where(AuditEvent.id.between(first, last))
        ).tuples().all()
    return len(rows) - len(set(rows))


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
    requests = identical = 0
    with TestClient(app, base_url="http://testserver") as client:
        for username in ("sekreterare", "lakare", "chef"):
            client.cookies.clear()
            _login(client, database, username)
            made, same = _page_round(client, database)
            requests, identical = requests + made, identical + same
        client.cookies.clear()
        _login(client, database, "chef")
        review = client.get("/logg").text
        requests += 1
    total = _count(database)
    with database.session() as session:
        per_action = dict(session.execute(
            select(AuditEvent.action, func.count()).where(AuditEvent.id > last_seeded)
            .group_by(AuditEvent.action)).tuples().all())
    with database.session() as session:
        objects = session.execute(
            select(AuditEvent.object_type, func.count()).where(
                AuditEvent.id > last_seeded, AuditEvent.action == "read")
            .group_by(AuditEvent.object_type)).tuples().all()
    print(f"rows after seeding: {seeded}")
    print(f"rows after one round ({requests} requests by sekreterare, lakare, chef): {total}"
          f" (+{total - seeded})")
    print(f"  per action in the round: {per_action}")
    print(f"  rows identical to another of the same request: {identical}")
    per_object = Counter(dict(objects)).most_common(8)
    print(f"  read rows per object in the round: {per_object}")
    shown = re.search(r"(\d+) grupper med (\d+) loggrader", review)
    hidden = re.search(r"Visa även (\d+) visningar? i listor?", review)
    print("the manager's /logg (last 30 days, default view): "
          f"{shown.group(1) if shown else '?'} groups of {shown.group(2) if shown else '?'} rows, "
          f"{hidden.group(1) if hidden else 0} list views folded away")


if __name__ == "__main__":
    main()
