"""The periodic access review's pages and API: the overview with an overdue review in red,
attesting rows by form and JSON, Swedish errors and refusals, the unused accounts and CSV."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.access_rights import reviews
from kulisser.access_rights.models import AccessOrder, AccessReview, PersonSystemAccess
from kulisser.db import Database, utcnow
from kulisser.staff.service import Role
from tests import factories
from tests.access_rights.review_fixtures import login_person, staffed
from tests.conftest import Client


def _review(database: Database, world: factories.World, *, people: int = 1, systems: int = 2,
            late: bool = False) -> int:
    """A started review of the world's unit (started 40 days ago when late)."""
    with database.session() as s:
        staffed(s, world, people=people, systems=systems)
        now = utcnow() - timedelta(days=40 if late else 0)
        [review] = reviews.start_due_reviews(s, now=now, unit_ids=[world.unit_id])
        return review.id


def test_overview_shows_an_overdue_review_in_red_and_the_policy_form(
        manager_client: TestClient, database: Database, world: factories.World) -> None:
    rid = _review(database, world, late=True)
    page = manager_client.get("/behorigheter/uppfoljning")
    assert page.status_code == 200
    assert re.search(rf'<tr id="r{rid}" class="overdue">', page.text)
    assert "Försenad" in page.text and 'name="review_months"' in page.text
    bad = manager_client.post("/behorigheter/uppfoljning/regler",
                              data={"review_months": "0", "inactive_days": "90",
                                    "csrf_token": manager_client.csrf})  # type: ignore[attr-defined]
    assert bad.status_code == 422 and "Ange ett heltal mellan 1 och 36." in bad.text
    ok = manager_client.post("/behorigheter/uppfoljning/regler",
                             data={"review_months": "12", "inactive_days": "60",
                                   "csrf_token": manager_client.csrf},  # type: ignore[attr-defined]
                             follow_redirects=False)
    assert ok.status_code == 303
    with database.session() as s:
        policy = reviews.get_policy(s, unit_id=world.unit_id)
        assert (policy.review_months, policy.inactive_days) == (12, 60)


def test_the_manager_attests_rows_by_form_until_the_review_is_done(
        manager_client: TestClient, database: Database, world: factories.World) -> None:
    rid = _review(database, world, people=1, systems=2)
    page = manager_client.get(f"/behorigheter/uppfoljning/{rid}")
    lines = [int(x) for x in re.findall(r'<tr id="l(\d+)">', page.text)]
    assert len(lines) == 2 and "autofocus" in page.text
    csrf = manager_client.csrf  # type: ignore[attr-defined]
    missing = manager_client.post(f"/behorigheter/uppfoljning/{rid}/rader/{lines[0]}",
                                  data={"decision": "remove", "note": "", "csrf_token": csrf})
    assert missing.status_code == 422
    assert "Skriv vad som ska ändras eller varför behörigheten tas bort." in missing.text
    done = manager_client.post(f"/behorigheter/uppfoljning/{rid}/rader/{lines[0]}",
                               data={"decision": "remove", "note": "Slutat", "csrf_token": csrf},
                               follow_redirects=False)
    assert done.status_code == 303
    again = manager_client.post(f"/behorigheter/uppfoljning/{rid}/rader/{lines[0]}",
                                data={"decision": "keep", "note": "", "csrf_token": csrf})
    assert again.status_code == 409 and "Raden är redan attesterad." in again.text
    pid = int(re.search(r'<tbody id="p(\d+)">', page.text).group(1))  # type: ignore[union-attr]
    kept = manager_client.post(f"/behorigheter/uppfoljning/{rid}/personer/{pid}/behall",
                               data={"csrf_token": csrf}, follow_redirects=False)
    assert kept.status_code == 303
    with database.session() as s:
        review = s.get(AccessReview, rid)
        assert review is not None and review.status == "done"
        assert s.scalar(select(AccessOrder.review_id).where(AccessOrder.review_id == rid)) == rid
    csv = manager_client.get(f"/behorigheter/uppfoljning/{rid}.csv")
    assert csv.status_code == 200 and "Ta bort;Slutat" in csv.text


def test_a_secretary_sees_the_review_but_may_not_attest(
        client_as: Client, database: Database, world: factories.World) -> None:
    rid = _review(database, world)
    secretary = client_as(world.secretary_id)
    page = secretary.get(f"/behorigheter/uppfoljning/{rid}")
    assert page.status_code == 200 and "Attestera" not in page.text
    with database.session() as s:
        line = s.get(AccessReview, rid).lines[0].id  # type: ignore[union-attr]
    refused = secretary.post(f"/api/v1/access-reviews/{rid}/lines/{line}/attest",
                             json={"decision": "keep"})
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert "Endast enhetschef" in refused.json()["detail"]
    form = secretary.post(f"/behorigheter/uppfoljning/{rid}/rader/{line}",
                          data={"decision": "keep", "csrf_token": secretary.csrf})  # type: ignore[attr-defined]
    assert form.status_code == 403 and "Endast enhetschef" in form.text


def test_the_api_lists_reads_and_attests(client_as: Client, database: Database,
                                         world: factories.World) -> None:
    rid = _review(database, world, people=1, systems=1, late=True)
    api = client_as(world.manager_id)
    listed = api.get("/api/v1/access-reviews", params={"status": "open"}).json()
    assert [r["id"] for r in listed] == [rid] and listed[0]["overdue"] is True
    one = api.get(f"/api/v1/access-reviews/{rid}").json()
    [line] = one["lines"]
    assert line["decision"] is None and line["system_name"]
    bad = api.post(f"/api/v1/access-reviews/{rid}/lines/{line['id']}/attest",
                   json={"decision": "change"})
    assert bad.status_code == 422 and "note" in bad.json()["errors"]
    done = api.post(f"/api/v1/access-reviews/{rid}/lines/{line['id']}/attest",
                    json={"decision": "change", "note": "Bara läsa"})
    assert done.status_code == 200
    body = done.json()
    assert body["status"] == "done" and body["lines"][0]["order_id"] is not None
    assert api.get("/api/v1/access-reviews/999999999").status_code == 404
    policy = api.put("/api/v1/access-reviews/policy",
                     json={"review_months": 3, "inactive_days": 45}).json()
    assert policy["review_months"] == 3 and policy["next_review_on"] is not None
    assert api.put("/api/v1/access-reviews/policy",
                   json={"review_months": 99, "inactive_days": 45}).status_code == 422


def test_another_units_manager_gets_not_found(client_as: Client, database: Database,
                                              world: factories.World) -> None:
    rid = _review(database, world)
    with database.session() as s:
        stranger = factories.make_user(s, world.other_unit_id, Role.MANAGER).id
    api = client_as(stranger)
    assert api.get(f"/api/v1/access-reviews/{rid}").status_code == 404
    assert api.get(f"/behorigheter/uppfoljning/{rid}").status_code == 404


def test_unused_accounts_page_csv_and_removal_order(
        client_as: Client, database: Database, world: factories.World) -> None:
    with database.session() as s:
        idle, _user = login_person(s, world, since=date(2025, 1, 1))
    secretary = client_as(world.secretary_id)
    page = secretary.get("/behorigheter/uppfoljning/inaktiva")
    assert page.status_code == 200 and f'<tr id="p{idle}">' in page.text
    assert "Aldrig" in page.text
    csv = secretary.get("/behorigheter/uppfoljning/inaktiva.csv")
    assert csv.headers["content-type"].startswith("text/csv") and "Aldrig" in csv.text
    ordered = secretary.post(f"/behorigheter/uppfoljning/inaktiva/{idle}/bestall",
                             data={"csrf_token": secretary.csrf},  # type: ignore[attr-defined]
                             follow_redirects=False)
    assert ordered.status_code == 303
    twice = secretary.post(f"/behorigheter/uppfoljning/inaktiva/{idle}/bestall",
                           data={"csrf_token": secretary.csrf})  # type: ignore[attr-defined]
    assert twice.status_code == 409 and "redan beställd" in twice.text
    api = secretary.get("/api/v1/access-reviews/inactive-accounts").json()
    [row] = [a for a in api if a["person_id"] == idle]
    assert row["removal_order_id"] is not None and row["last_login"] is None
    with database.session() as s:
        order = s.get(AccessOrder, row["removal_order_id"])
        assert order is not None and {line.action for line in order.lines} == {"remove"}


def test_the_review_page_marks_a_person_whose_account_is_unused(
        manager_client: TestClient, database: Database, world: factories.World) -> None:
    with database.session() as s:
        idle, _user = login_person(s, world, since=date(2025, 1, 1))
        unit = staffed(s, world, people=1, systems=1)
        s.add(PersonSystemAccess(person_id=idle, unit_id=world.unit_id,
                                 system_id=unit.system_ids[0], since=date(2025, 1, 1)))
        s.flush()
        [review] = reviews.start_due_reviews(s, now=utcnow(), unit_ids=[world.unit_id])
        rid = review.id
    page = manager_client.get(f"/behorigheter/uppfoljning/{rid}")
    marked = re.search(rf'<tbody id="p{idle}">.*?</tbody>', page.text, re.S)
    assert marked and "Ej inloggad på" in marked.group(0)
    others = re.search(rf'<tbody id="p{unit.person_ids[0]}">.*?</tbody>', page.text, re.S)
    assert others and "Ej inloggad" not in others.group(0)


def test_a_clinician_is_refused_in_swedish(client_as: Client, database: Database,
                                           world: factories.World) -> None:
    rid = _review(database, world)
    clinician = client_as(world.clinician_id)
    for path in ("/behorigheter/uppfoljning", f"/behorigheter/uppfoljning/{rid}",
                 "/behorigheter/uppfoljning/inaktiva"):
        page = clinician.get(path)
        assert page.status_code == 403 and "till för enhetschefer och sekreterare" in page.text
    api = clinician.get("/api/v1/access-reviews")
    assert api.status_code == 403 and api.json()["error"] == "forbidden"
