"""FHIR and JSON-lines imports against input no database can store: NUL characters, deep nesting."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.db import Database
from kulisser.results import importer
from kulisser.results.models import Result
from kulisser.staff.models import User
from tests import factories
from tests.factories import login_client
from tests.results.helpers import observation, report, sender_id

NDJSON = {"content-type": "application/x-ndjson"}


def _count(database: Database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count()).select_from(Result)) or 0


def _client(app: object, database: Database, world: factories.World) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    login_client(client, database, world.secretary_id)
    return client


def test_a_nul_character_is_refused_not_a_database_error(app: object, database: Database,
                                                         world: factories.World) -> None:
    client = _client(app, database, world)
    before = _count(database)
    fhir = report(None, values=[observation(name="Hb\u0000")])
    refused = client.post("/api/v1/results", json=fhir)
    assert refused.status_code == 422 and "NUL-tecken" in refused.json()["errors"]["body"]
    lines = (json.dumps({"sender_id": sender_id(), "text": "x\u0000"}) + "\n"
             + json.dumps(report(None, title="\u0000")) + "\n"
             + json.dumps({"sender_id": sender_id(), "text": "ok"}) + "\n")
    done = client.post("/api/v1/results/bulk", content=lines.encode(), headers=NDJSON)
    assert done.status_code == 201, done.text
    outcomes = done.json()["outcomes"]
    assert [o["status"] for o in outcomes] == ["error", "error", "unmatched"]
    assert "Fältet text innehåller ett NUL-tecken" in outcomes[0]["message"]
    assert "NUL-tecken" in outcomes[1]["message"]
    assert _count(database) == before + 1


def test_json_nested_too_deep_is_a_row_error_not_a_crash(app: object, database: Database,
                                                        world: factories.World) -> None:
    client = _client(app, database, world)
    deep = '{"resourceType": "Observation", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    less = {"resourceType": "Observation", "extension": [{"url": "u"}]}
    node = less["extension"][0]
    for _ in range(200):  # under the recursion limit, far over any FHIR result's depth
        node["extension"] = [{"url": "u"}]
        node = node["extension"][0]
    body = (deep + "\n" + json.dumps(less) + "\n").encode()
    done = client.post("/api/v1/results/bulk", content=body, headers=NDJSON)
    assert done.status_code == 200, done.text
    assert [o["status"] for o in done.json()["outcomes"]] == ["error", "error"]
    assert "nästlad i mer än 64 nivåer" in done.json()["outcomes"][1]["message"]
    refused = client.post("/api/v1/results", json=less)
    assert refused.status_code == 422 and "nästlad" in refused.json()["errors"]["body"]


def test_the_folder_import_reports_a_bad_json_file_and_goes_on(tmp_path: Path, database: Database,
                                                              world: factories.World) -> None:
    with database.session() as s:
        user = s.get(User, world.secretary_id)
        assert user is not None
        username = user.username
    (tmp_path / "a.json").write_text('{"resourceType": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (tmp_path / "b.csv").write_bytes(b"%PDF-1.4 not a csv")
    (tmp_path / "c.csv").write_text(f"sender_id;text\n{sender_id()};ok\n")
    done = importer.import_folder(database, folder=tmp_path, username=username, unit_hsa=None,
                                  progress=False)
    failed = dict(done.failed)
    assert set(failed) == {"a.json", "b.csv"} and "verkar vara en PDF" in failed["b.csv"]
    assert [name for name, _r in done.files] == ["c.csv"]
