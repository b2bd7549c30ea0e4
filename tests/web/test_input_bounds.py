"""Every number and time a route accepts is bounded at the schema (kulisser.bounds).

The walk reads what FastAPI will really validate for every parameter of every route, API and
HTML: path, query, form and JSON body (Pydantic models, recursively). An integer without an
upper bound, or a time of day that accepts a time zone, fails the walk. The requests then show
the bounds at work: an id of 2^63 or just past its type's maximum is a 422 or 404 everywhere,
an id at the maximum is a plain 404 (never a database error on PostgreSQL's 32-bit keys), and
a schedule time with a zone is refused with a Swedish message.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import AwareDatetime, BaseModel
from sqlalchemy import func, select

from kulisser.bounds import MAX_BIG_ID, MAX_ID, Day, Instant, WallTime, parse_id
from kulisser.db import Database, refuse_nul
from kulisser.errors import ValidationFailed
from kulisser.worklist.models import WorkItem
from tests import factories
from tests.booking import helpers as bh

_UNIONS = (typing.Union, types.UnionType)
_SEQUENCES = (list, tuple, set, frozenset)
_KINDS = (int, time, date, datetime, AwareDatetime)
_WALL_TIME_CHECKS = typing.get_args(WallTime)[1:]
_DAY_CHECKS = typing.get_args(Day)[1:]
_INSTANT_CHECKS = typing.get_args(Instant)[1:]


def _leaves(annotation: Any, where: str, outer: list[Any]) -> Iterator[tuple[str, type, list[Any]]]:
    """(where, int or time, the metadata that constrains it) for each number and time inside."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        yield from _leaves(args[0], where, [*outer, *args[1:]])
    elif origin in _UNIONS:
        for arm in args:
            yield from _leaves(arm, where, outer)
    elif origin in _SEQUENCES:
        for arm in args:
            yield from _leaves(arm, where + "[]", [])
    elif origin is dict:
        yield from _leaves(args[1], where + "{}", [])
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            yield from _leaves(field.annotation, f"{where}.{name}", list(field.metadata))
    elif annotation in _KINDS:
        yield where, annotation, outer


def route_numbers(app: FastAPI) -> list[tuple[str, str, type, list[Any]]]:
    """(route, where, int or time, constraints) for every parameter of every route."""
    import fastapi.routing as fr

    found = []
    for ctx in fr.iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        route = ctx.original_route
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            continue
        label = f"{','.join(sorted(route.methods - {'HEAD'}))} {route.path}"
        pending = [dependant]
        while pending:
            dep = pending.pop()
            pending.extend(dep.dependencies)
            for param in [*dep.path_params, *dep.query_params, *dep.body_params]:
                # FastAPI keeps a top-level Annotated's constraints on field_info.metadata
                # (or drops them, as with `x: Id = Form()`: then the walk sees no bound).
                info = param.field_info
                for where, kind, meta in _leaves(info.annotation, param.name, list(info.metadata)):
                    found.append((label, where, kind, meta))
    return found


def _bounds(meta: list[Any]) -> tuple[int | None, int | None]:
    low = [m.ge for m in meta if hasattr(m, "ge")] + [m.gt + 1 for m in meta if hasattr(m, "gt")]
    high = [m.le for m in meta if hasattr(m, "le")] + [m.lt - 1 for m in meta if hasattr(m, "lt")]
    return (max(low) if low else None), (min(high) if high else None)


def test_the_walk_sees_parameters_of_every_kind(app: FastAPI) -> None:
    found = {(route, where) for route, where, _k, _m in route_numbers(app)}
    assert ("GET /api/v1/work-items/{item_id}", "item_id") in found  # path
    assert ("GET /api/v1/slots", "resource_id") in found  # query
    assert ("POST /api/v1/appointments", "body.slot_id") in found  # JSON body
    assert ("POST /enhet/byt", "unit_id") in found  # form
    assert ("POST /api/v1/schedules/{resource_id}/templates", "body.start_time") in found


def test_every_integer_a_route_accepts_is_bounded(app: FastAPI) -> None:
    unbounded = []
    for route, where, kind, meta in route_numbers(app):
        if kind is not int:
            continue
        low, high = _bounds(meta)
        if low is None or high is None or low < 0 or high > MAX_BIG_ID:
            unbounded.append(f"{route} :: {where} ({low}..{high})")
        elif re.search(r"(^|[._])(id|\w+_id)$", where) and low < 1:
            unbounded.append(f"{route} :: {where} is an id from {low}")
    assert unbounded == []


def test_every_time_of_day_a_route_accepts_refuses_a_time_zone(app: FastAPI) -> None:
    zoned = [f"{route} :: {where}" for route, where, kind, meta in route_numbers(app)
             if kind is time and not all(check in meta for check in _WALL_TIME_CHECKS)]
    assert zoned == []


def test_every_day_and_instant_a_route_accepts_is_in_range(app: FastAPI) -> None:
    unchecked = [f"{route} :: {where}" for route, where, kind, meta in route_numbers(app)
                 if (kind is date and not all(check in meta for check in _DAY_CHECKS))
                 or (kind in (datetime, AwareDatetime)
                     and not all(check in meta for check in _INSTANT_CHECKS))]
    assert unchecked == []


def _path_ids(app: FastAPI) -> dict[tuple[str, str], dict[str, int]]:
    """(method, path) -> {path parameter: its maximum} for every route with ids in its path."""
    found: dict[tuple[str, str], dict[str, int]] = {}
    for route, where, kind, meta in route_numbers(app):
        methods, path = route.split(" ", 1)
        if kind is int and re.search(r"\{" + re.escape(where) + r"(:int)?\}", path):
            for method in methods.split(","):
                found.setdefault((method, path), {})[where] = _bounds(meta)[1] or 0
    return found


def _url(path: str, values: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)(:int)?\}", lambda m: str(values.get(m.group(1), 1)), path)


def test_an_id_past_its_bound_is_refused_before_the_database(
        app: FastAPI, manager_client: TestClient) -> None:
    routes = _path_ids(app)
    assert len(routes) > 150
    wrong = []
    for (method, path), ids in routes.items():
        for name, high in ids.items():
            for value in (high + 1, 2**63, 2**64 + 1):
                answer = manager_client.request(method, _url(path, {name: value}))
                if answer.status_code != 422:
                    wrong.append(f"{method} {_url(path, {name: value})}: {answer.status_code}")
                elif path.startswith("/api/"):
                    assert answer.json()["errors"][name] == "Värdet är för stort.", path
    assert wrong == []


def test_an_id_at_its_bound_is_looked_up_without_a_database_error(
        app: FastAPI, manager_client: TestClient) -> None:
    """On PostgreSQL an INTEGER key refuses 2^31 in a comparison: every bound must fit its column."""
    failed = []
    for (method, path), ids in _path_ids(app).items():
        answer = manager_client.request(method, _url(path, ids))
        if answer.status_code >= 500:
            failed.append(f"{method} {_url(path, ids)}: {answer.status_code}")
    assert failed == []


def test_parse_id_takes_only_ids_in_range() -> None:
    assert parse_id("42") == 42
    assert parse_id(" 7 ") == 7
    assert parse_id(str(MAX_ID)) == MAX_ID
    for bad in ("", None, "0", "-1", "1.5", "x", "١٢", str(MAX_ID + 1), str(2**63), "9" * 5000):
        assert parse_id(bad) is None, bad
    assert parse_id(str(MAX_BIG_ID), maximum=MAX_BIG_ID) == MAX_BIG_ID


def _schedule(database: Database, world: factories.World) -> bh.Schedule:
    with database.session() as s:
        return bh.make_schedule(s, world)


@pytest.mark.parametrize("value", ["07:36:31Z", "08:00+01:00", "08:00:00-05:00"])
def test_a_schedule_time_with_a_zone_is_refused_in_swedish(
        secretary_client: TestClient, database: Database, world: factories.World, value: str) -> None:
    sched = _schedule(database, world)
    template = {"visit_type_id": sched.visit_type_id, "weekdays": "6", "start_time": value,
                "end_time": "12:00", "valid_from": "2027-01-01"}
    answer = secretary_client.post(f"/api/v1/schedules/{sched.resource_id}/templates", json=template)
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"start_time": "Ange tiden utan tidszon (svensk tid), t.ex. 08:00."}
    leave = {"resource_id": sched.resource_id, "kind": "leave", "start_date": "2027-02-01",
             "start_time": "08:00", "end_time": value}
    answer = secretary_client.post("/api/v1/schedule-exceptions", json=leave)
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"end_time": "Ange tiden utan tidszon (svensk tid), t.ex. 08:00."}
    with database.session() as s:
        kept = bh.booking.templates_for(s, resource_id=sched.resource_id)
    assert [t.id for t in kept] == [sched.template_id]  # nothing half-stored


def test_a_schedule_time_without_a_zone_is_taken(
        secretary_client: TestClient, database: Database, world: factories.World) -> None:
    sched = _schedule(database, world)
    template = {"visit_type_id": sched.visit_type_id, "weekdays": "6", "start_time": "07:36:31",
                "end_time": "12:00", "valid_from": "2027-01-01"}
    answer = secretary_client.post(f"/api/v1/schedules/{sched.resource_id}/templates", json=template)
    assert answer.status_code == 201, answer.text
    assert answer.json()["start_time"] == "07:36:31"


def test_the_schedule_page_refuses_a_time_with_a_zone(
        secretary_client: TestClient, database: Database, world: factories.World) -> None:
    sched = _schedule(database, world)
    page = secretary_client.post(f"/tidbok/scheman/{sched.resource_id}/pass", data={
        "visit_type_id": str(sched.visit_type_id), "weekdays": "6", "start_time": "08:00Z",
        "end_time": "12:00", "valid_from": "2027-01-01"})
    assert page.status_code == 422
    assert "Skriv tiden utan tidszon (svensk tid), t.ex. 08:30." in page.text
    page = secretary_client.post(f"/tidbok/scheman/{sched.resource_id}/undantag", data={
        "exc_kind": "leave", "start_date": "2027-02-01", "from_time": "08:00",
        "to_time": "09:00+01:00"})
    assert page.status_code == 422
    assert "Skriv tiden utan tidszon (svensk tid), t.ex. 08:30." in page.text


DAY_MESSAGE = "Ange ett datum mellan 1900-01-01 och 2999-12-31."


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_a_day_out_of_range_is_refused(manager_client: TestClient, day: str) -> None:
    leave = manager_client.post("/api/v1/schedule-exceptions", json={"kind": "leave", "start_date": day})
    assert leave.status_code == 422 and leave.json()["errors"] == {"start_date": DAY_MESSAGE}
    slots = manager_client.get("/api/v1/slots", params={"start": day})
    assert slots.status_code == 422 and slots.json()["errors"] == {"start": DAY_MESSAGE}
    log = manager_client.get("/api/v1/audit-events", params={"date_from": day})
    assert log.status_code == 422 and log.json()["errors"] == {"date_from": DAY_MESSAGE}
    letters = manager_client.get("/api/v1/letters", params={"date": day})
    assert letters.status_code == 422


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-14:00",
                                     "9999-12-31T23:59:59Z"])
def test_an_instant_out_of_range_is_refused(manager_client: TestClient, instant: str) -> None:
    item = manager_client.post("/api/v1/work-items", json={"kind": "task", "title": "Ring upp",
                                                           "due_at": instant})
    assert item.status_code == 422 and item.json()["errors"] == {"due_at": DAY_MESSAGE}
    page = manager_client.post("/arbetslista/ny", data={"kind": "task", "title": "Ring upp",
                                                         "due_at": instant[:16]})
    assert page.status_code == 422
    assert "Ange datum och tid" in page.text


def test_a_day_in_range_is_taken(manager_client: TestClient) -> None:
    assert manager_client.get("/api/v1/slots", params={"start": "1900-01-01"}).status_code == 200
    item = manager_client.post("/api/v1/work-items", json={"kind": "task", "title": "Ring upp",
                                                           "due_at": "2999-12-31T12:00:00+01:00"})
    assert item.status_code == 201, item.text


NUL_MESSAGE = "Texten innehåller ett otillåtet tecken (NUL)."


def test_a_text_with_a_nul_character_is_refused_and_nothing_is_stored(
        manager_client: TestClient, database: Database, world: factories.World) -> None:
    with database.session() as s:
        before = s.scalar(select(func.count()).select_from(WorkItem).where(
            WorkItem.unit_id == world.unit_id))
    item = manager_client.post("/api/v1/work-items", json={"kind": "task", "title": "Ring\x00upp"})
    assert item.status_code == 422 and item.json()["errors"] == {"text": NUL_MESSAGE}
    page = manager_client.get("/reception", params={"q": "Ann\x00a"})
    assert page.status_code == 422 and NUL_MESSAGE in page.text
    with database.session() as s:
        after = s.scalar(select(func.count()).select_from(WorkItem).where(
            WorkItem.unit_id == world.unit_id))
    assert after == before


def test_refuse_nul_reads_every_shape_of_parameters() -> None:
    refuse_nul(None, None, "", {"a": "ok", "b": 1}, None, False)
    refuse_nul(None, None, "", [("ok", None), ("fine", b"\x00 bytes are data")], None, True)
    for params in ({"a": "x\x00"}, ("x\x00",), [{"a": "ok"}, {"a": "\x00"}], [("ok",), ("\x00",)]):
        with pytest.raises(ValidationFailed):
            refuse_nul(None, None, "", params, None, isinstance(params, list))
