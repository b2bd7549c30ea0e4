"""The request body limit: 413 while the body arrives, before authentication and before disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kulisser.app import create_app
from kulisser.db import Database
from kulisser.dictation.models import Dictation
from kulisser.web.body_limit import MB, MULTIPART_SLACK, limit_for
from tests import factories
from tests.conftest import test_settings as settings_for
from tests.factories import login_client


@pytest.fixture()
def small(database: Database, tmp_path: Path) -> FastAPI:
    """An app with small limits: 1 MB in general, 2 MB for dictations and results imports."""
    settings = settings_for(database.url, data_dir=tmp_path / "data", max_body_megabytes=1,
                             dictation_max_megabytes=2, results_import_max_megabytes=2)
    return create_app(settings, database)


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_an_anonymous_oversized_upload_is_refused_413_before_its_401(small: FastAPI,
                                                                    tmp_path: Path) -> None:
    with TestClient(small) as client:
        big = client.post("/api/v1/dictations", files={"file": ("a.wav", b"\0" * (3 * MB))},
                          data={"patient_id": "1", "note_type": "x"})
        assert big.status_code == 413
        assert big.json()["error"] == "too_large" and "högst 3 MB" in big.json()["detail"]
        # Within the limit the same anonymous request gets its 401: the limit is the first gate.
        small_upload = client.post("/api/v1/dictations", files={"file": ("a.wav", b"\0" * MB)},
                                   data={"patient_id": "1", "note_type": "x"})
        assert small_upload.status_code == 401
    assert _files_under(tmp_path / "data") == []


def test_the_general_limit_is_smaller_than_an_upload_routes(small: FastAPI) -> None:
    body = b'{"x": "' + b"a" * (MB + 10) + b'"}'
    with TestClient(small) as client:
        refused = client.post("/api/v1/patients", content=body,
                              headers={"content-type": "application/json"})
        assert refused.status_code == 413 and "högst 1 MB" in refused.json()["detail"]
        page = client.post("/login", content=b"a" * (2 * MB))
        assert page.status_code == 413
        assert page.headers["content-type"].startswith("text/html")
        assert "Begäran är för stor" in page.text and "Inget har sparats" in page.text


def test_limits_come_from_the_settings_per_route(database: Database) -> None:
    s = settings_for(database.url, max_body_megabytes=3, dictation_max_megabytes=7,
                      referral_attachment_max_megabytes=5, results_import_max_megabytes=11)
    assert limit_for(s, "POST", "/api/v1/work-items") == 3 * MB
    assert limit_for(s, "POST", "/diktat/ny") == 7 * MB + MULTIPART_SLACK
    assert limit_for(s, "POST", "/api/v1/dictations") == 7 * MB + MULTIPART_SLACK
    assert limit_for(s, "PUT", "/api/v1/dictations") == 3 * MB
    assert limit_for(s, "POST", "/remisser/12/atgard/answer") == 50 * MB + MULTIPART_SLACK
    assert limit_for(s, "POST", "/api/v1/referrals") == 50 * MB + MULTIPART_SLACK
    assert limit_for(s, "POST", "/provsvar/importera") == 11 * MB + MULTIPART_SLACK
    assert limit_for(s, "POST", "/api/v1/results/csv") == 11 * MB + MULTIPART_SLACK
    assert limit_for(s, "POST", "/api/v1/results/12/sign") == 3 * MB


def _call(app: FastAPI, path: str, chunks: Iterator[bytes], headers: list[tuple[bytes, bytes]]
          ) -> tuple[int, bytes, int]:
    """Send a streamed body straight into the app: (status, body, chunks the app pulled)."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"testserver"), *headers],
             "client": ("127.0.0.1", 5000), "server": ("testserver", 80), "state": {}}
    anyio.run(app, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, pulled


def test_a_streamed_body_is_cut_off_at_the_limit_not_read_to_the_end(small: FastAPI,
                                                                     tmp_path: Path) -> None:
    boundary = b"xyz"
    head = (b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n"
            b"Content-Type: audio/wav\r\n\r\n")

    def body() -> Iterator[bytes]:  # 60 MB, chunked: no Content-Length
        yield head
        for _ in range(60 * 16):
            yield b"\0" * (64 * 1024)

    status, text, pulled = _call(small, "/api/v1/dictations", body(), [
        (b"content-type", b"multipart/form-data; boundary=" + boundary),
        (b"transfer-encoding", b"chunked")])
    assert status == 413 and b"too_large" in text
    # The limit is 2 MB + 1 MB of slack: 48 chunks of 64 KiB, and the app pulled no more.
    assert pulled <= 3 * 16 + 2
    assert _files_under(tmp_path / "data") == []


def test_a_refused_upload_by_a_logged_in_user_stores_nothing(small: FastAPI, database: Database,
                                                            tmp_path: Path) -> None:
    with database.session() as s:
        world = factories.make_world(s)
        before = s.scalar(select(func.count()).select_from(Dictation))
    with TestClient(small) as client:
        login_client(client, database, world.clinician_id)
        refused = client.post("/diktat/ny", files={"file": ("a.wav", b"\0" * (4 * MB))},
                              data={"patient_id": str(world.patient_ids[0]), "note_type": "x"})
        assert refused.status_code == 413 and "Begäran är för stor" in refused.text
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Dictation)) == before
    assert _files_under(tmp_path / "data") == []
