"""The referral pages: inbox, registration (422 keeps what was typed), the referral page with
its decisions, PDFs, the item page, outgoing referrals, templates, and escaping."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import func, select

from kulisser.audit.models import AuditEvent
from kulisser.db import Database
from kulisser.referrals.models import OutgoingReferral, Referral
from kulisser.waitlist.models import WaitlistEntry
from tests import factories
from tests.factories import World, csrf_from, login_client
from tests.referrals import helpers as h

SCRIPT = '<script>alert("x")</script>'
HTMX = {"HX-Request": "true"}


@pytest.fixture()
def clinician_client(app: FastAPI, database: Database, world: World) -> Iterator[TestClient]:
    """A client logged in as the world's clinician."""
    with TestClient(app, base_url="http://testserver") as c:
        login_client(c, database, world.clinician_id)
        yield c


def _form(world: World, identifier: str, **changes: str) -> dict[str, str]:
    values = {"sender_name": "Vårdcentralen Norr", "sender_hsa_id": h.HSA,
              "issued_on": (h.today() - timedelta(days=10)).isoformat(),
              "received_on": h.today().isoformat(), "identifier": identifier,
              "question": "Utredning av yrsel?", "priority": "high",
              "assessor_id": str(world.clinician_id), "confirm_receipt": "1"}
    values.update(changes)
    return values


def _identifier(database: Database, patient_id: int) -> str:
    with database.session() as s:
        return h.identifier_of(s, patient_id)


def test_register_form_keeps_typed_values_on_error(secretary_client: TestClient,
                                                   database: Database, world: World) -> None:
    page = secretary_client.get("/remisser/ny")
    assert page.status_code == 200 and 'name="issued_on"' in page.text
    assert f'value="{h.today().isoformat()}"' in page.text  # arrival defaults to today
    bad = _form(world, factories.new_personnummer(), sender_hsa_id="fel",
                question="Min frågeställning", sender_name="VC Söder")
    r = secretary_client.post("/remisser/ny", data={**bad, "csrf_token": csrf_from(page.text)},
                              files=[("files", ("x.pdf", b"not a pdf", "application/pdf"))])
    assert r.status_code == 422
    assert "HSA-id ska ha formen" in r.text
    assert "Ange patientens förnamn (krävs när patienten är ny för enheten)." in r.text
    assert 'value="VC Söder"' in r.text and "Min frågeställning</textarea>" in r.text
    assert f'<option value="{world.clinician_id}" selected' in r.text
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(Referral).where(
            Referral.sender_name == "VC Söder")) == 0


def test_register_with_unknown_patient_and_pdf_then_page(secretary_client: TestClient,
                                                         database: Database, world: World) -> None:
    number = factories.new_personnummer()
    pdf = h.pdf_bytes()
    r = secretary_client.post("/remisser/ny", data=_form(
        world, number, given_name="Vera", family_name="Remissdotter"),
        files=[("files", ("remiss 1.pdf", pdf, "application/pdf"))], follow_redirects=False)
    assert r.status_code == 303, r.text[:400]
    url = r.headers["location"]
    page = secretary_client.get(url)
    assert page.status_code == 200
    assert "Vera Remissdotter" in page.text and "Mottagen (kvitterad)" in page.text
    assert 'data-event="registered"' in page.text and 'data-event="confirm"' in page.text
    assert 'data-kind="receipt"' in page.text
    # A secretary sees no decision forms, only the steps that are hers.
    assert 'data-action="accept"' not in page.text and 'data-action="cancel"' in page.text
    link = re.search(r'href="(/remisser/\d+/bilagor/\d+)"', page.text)
    assert link and "remiss 1.pdf" in page.text
    download = secretary_client.get(link.group(1))
    assert download.status_code == 200 and download.content == pdf
    assert download.headers["content-type"] == "application/pdf"
    assert "remiss 1.pdf" not in download.headers["content-disposition"]  # a neutral name
    with database.session() as s:
        logged = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.user_id == world.secretary_id,
            AuditEvent.object_type == "referral_attachment"))
        assert logged == 1


def test_inbox_lists_with_keyboard_rows_and_htmx(secretary_client: TestClient, database: Database,
                                                 world: World) -> None:
    with database.session() as s:
        rid = h.register(s, world, priority="acute").id
    page = secretary_client.get("/remisser")
    assert page.status_code == 200 and f'data-href="/remisser/{rid}"' in page.text
    assert "<kbd>j</kbd>" in page.text
    rows = secretary_client.get("/remisser?status=to_assess", headers=HTMX)
    assert f'data-href="/remisser/{rid}"' in rows.text and "<html" not in rows.text
    none = secretary_client.get("/remisser?status=rejected", headers=HTMX)
    assert f'data-href="/remisser/{rid}"' not in none.text


def test_clinician_decisions_on_the_page(clinician_client: TestClient, database: Database,
                                         world: World) -> None:
    with database.session() as s:
        rid = h.register(s, world, issued_days_ago=20, received_days_ago=3).id
        issued = s.get(Referral, rid).issued_on  # type: ignore[union-attr]
    page = clinician_client.get(f"/remisser/{rid}")
    assert 'data-action="accept"' in page.text and 'data-action="reject"' in page.text
    # Several forms ask for a reason: each field has an id (and so a label) of its own.
    ids = re.findall(r'\sid="([^"]+)"', page.text)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert 'for="f-reject-reason"' in page.text and 'for="f-forward-reason"' in page.text
    # A rejection needs a reason: the form comes back open with the message.
    r = clinician_client.post(f"/remisser/{rid}/atgard/reject", data={"reason": " "})
    assert r.status_code == 422 and "Fältet måste fyllas i." in r.text
    assert "<details open><summary>Avvisa" in r.text
    r = clinician_client.post(f"/remisser/{rid}/atgard/accept", data={"note": "Kallelse kommer."},
                              follow_redirects=False)
    assert r.status_code == 303
    page = clinician_client.get(f"/remisser/{rid}")
    assert "Besvarad – antagen" in page.text and 'data-kind="accepted"' in page.text
    assert "Kallelse kommer." in page.text
    # The reply to the sender can be printed as a referral-reply letter, its fields filled in.
    link = re.search(r'data-reply-letter href="([^"]+)"', page.text)
    assert link is not None
    form = clinician_client.get(html.unescape(link.group(1)))
    assert form.status_code == 200
    assert 'value="referral_reply" selected' in form.text or 'value="referral_reply" checked' in form.text
    assert issued.isoformat() in form.text and "Kallelse kommer." in form.text
    with database.session() as s:
        entry = s.scalar(select(WaitlistEntry).where(WaitlistEntry.source_type == "referral",
                                                     WaitlistEntry.source_id == rid))
        assert entry is not None and entry.clock_start == issued
    # The wait names the referral it came from, as a link.
    entry_page = clinician_client.get(f"/vantelista/{entry.id}").text
    assert f'id="entry-source" href="/remisser/{rid}">Remissen</a>' in entry_page
    again = clinician_client.post(f"/remisser/{rid}/atgard/reject", data={"reason": "Nej"})
    assert again.status_code == 409


def test_ask_and_answer_on_the_page(clinician_client: TestClient, secretary_client: TestClient,
                                    database: Database, world: World) -> None:
    with database.session() as s:
        rid = h.register(s, world).id
    r = clinician_client.post(f"/remisser/{rid}/atgard/ask", data={"question": "Aktuella prover?"},
                              follow_redirects=False)
    assert r.status_code == 303
    page = secretary_client.get(f"/remisser/{rid}")
    assert "Väntar på komplettering" in page.text and 'data-action="answer"' in page.text
    bad = secretary_client.post(f"/remisser/{rid}/atgard/answer", data={"text": "Prover bifogas"},
                                files=[("files", ("prover.pdf", b"%PDF-1.4 cut", "application/pdf"))])
    assert bad.status_code == 422 and "ingen fullständig PDF" in bad.text
    assert "Prover bifogas</textarea>" in bad.text
    ok = secretary_client.post(f"/remisser/{rid}/atgard/answer", data={"text": "Prover bifogas"},
                               files=[("files", ("prover.pdf", h.pdf_bytes(), "application/pdf"))],
                               follow_redirects=False)
    assert ok.status_code == 303
    page = clinician_client.get(f"/remisser/{rid}")
    assert "Under bedömning" in page.text and 'data-direction="in"' in page.text


def test_item_page_shows_the_referral(secretary_client: TestClient, database: Database,
                                      world: World) -> None:
    with database.session() as s:
        rid = h.register(s, world).id
        [item] = h.assessment_items(s, rid)
    page = secretary_client.get(f"/arenden/{item.id}")
    assert page.status_code == 200 and 'id="referral-detail"' in page.text
    assert "Bröstsmärta vid ansträngning" in page.text and f'href="/remisser/{rid}"' in page.text


def test_user_text_is_escaped(clinician_client: TestClient, secretary_client: TestClient,
                              database: Database, world: World) -> None:
    with database.session() as s:
        rid = h.register(s, world, question=f"Fråga {SCRIPT}", sender_name=f"VC {SCRIPT}").id
        [item] = h.assessment_items(s, rid)
    clinician_client.post(f"/remisser/{rid}/atgard/reject", data={"reason": f"Nej {SCRIPT}"})
    for client, url in ((secretary_client, f"/remisser/{rid}"),
                        (secretary_client, "/remisser?status=all"),
                        (secretary_client, f"/arenden/{item.id}")):
        page = client.get(url)
        assert page.status_code == 200 and SCRIPT not in page.text, url
        assert str(escape(SCRIPT)) in page.text, url
    with database.session() as s:
        oid = h.outgoing(s, world, question=f"Ut {SCRIPT}", receiver_name=f"Mott {SCRIPT}").id
    page = secretary_client.get(f"/remisser/utgaende/{oid}")
    assert SCRIPT not in page.text and str(escape(SCRIPT)) in page.text
    listing = secretary_client.get("/remisser/utgaende?status=all")
    assert SCRIPT not in listing.text and str(escape(SCRIPT)) in listing.text


def test_write_send_and_reply_an_outgoing_referral(clinician_client: TestClient,
                                                   database: Database, world: World) -> None:
    form = clinician_client.get(f"/remisser/utgaende/ny?patient_id={world.patient_ids[0]}")
    assert form.status_code == 200 and "Standardremiss" in form.text
    bad = clinician_client.post("/remisser/utgaende/ny", data={
        "patient_id": str(world.patient_ids[0]), "receiver_name": "Kardiologen",
        "receiver_hsa_id": "kard", "question": "Ablation?"})
    assert bad.status_code == 422 and 'value="Kardiologen"' in bad.text
    r = clinician_client.post("/remisser/utgaende/ny", data={
        "patient_id": str(world.patient_ids[0]), "receiver_name": "Kardiologen",
        "receiver_hsa_id": "SE2321000016-KARD", "question": "Ablation?", "anamnesis": "Flimmer."},
        follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    page = clinician_client.get(url)
    assert "Utkast" in page.text and "Frågeställning:\nAblation?" in page.text
    assert clinician_client.post(f"{url}/atgard/send", follow_redirects=False).status_code == 303
    assert clinician_client.post(f"{url}/atgard/send", follow_redirects=False).status_code == 303
    page = clinician_client.get(url)
    assert "Skickad, väntar på svar" in page.text and page.text.count('data-event="send"') == 1
    r = clinician_client.post(f"{url}/atgard/reply", data={"text": "Planeras."},
                              files=[("files", ("svar.pdf", h.pdf_bytes(), "application/pdf"))],
                              follow_redirects=False)
    assert r.status_code == 303
    page = clinician_client.get(url)
    assert "Besvarad" in page.text and "Planeras." in page.text
    oid = int(url.rsplit("/", 1)[1])
    with database.session() as s:
        o = s.get(OutgoingReferral, oid)
        assert o is not None and o.status == "replied" and len(o.attachments) == 1


def test_write_for_unknown_identifier(secretary_client: TestClient, world: World) -> None:
    r = secretary_client.post("/remisser/utgaende/ny", data={
        "identifier": factories.new_personnummer(), "receiver_name": "X",
        "receiver_hsa_id": "SE2321000016-X", "question": "?"})
    assert r.status_code == 422 and "Registrera patienten först" in r.text


def test_templates_page(secretary_client: TestClient, database: Database, world: World) -> None:
    page = secretary_client.get("/remisser/mallar")
    assert page.status_code == 200 and "{fragestallning}" in page.text
    bad = secretary_client.post("/remisser/mallar", data={"name": "Min", "body": "{okänt} {nej}",
                                                          "active": "1"})
    assert bad.status_code == 422 and "Okända fält: {nej}" in bad.text
    assert "{okänt} {nej}</textarea>" in bad.text
    ok = secretary_client.post("/remisser/mallar", data={"name": "Min mall", "active": "1",
                                                         "body": "Till {mottagare}"},
                               follow_redirects=False)
    assert ok.status_code == 303
    assert "Min mall" in secretary_client.get("/remisser/mallar").text
    assert "Min mall" in secretary_client.get("/remisser/utgaende/ny").text


def test_patient_page_links_to_referrals(secretary_client: TestClient, world: World) -> None:
    page = secretary_client.get(f"/patienter/{world.patient_ids[0]}")
    assert f"/remisser?status=all&amp;patient_id={world.patient_ids[0]}" in page.text
    assert 'href="/remisser"' in page.text  # the main menu


def test_multipart_form_carries_its_csrf_token(secretary_client: TestClient, world: World) -> None:
    page = secretary_client.get("/remisser/ny")
    del secretary_client.headers["X-CSRF-Token"]  # as a browser's plain form post
    data = _form(world, factories.new_personnummer(), given_name="Ada", family_name="Form")
    files = [("files", ("a.pdf", h.pdf_bytes(), "application/pdf"))]
    refused = secretary_client.post("/remisser/ny", data=data, files=files)
    assert refused.status_code == 403
    ok = secretary_client.post("/remisser/ny", data={**data, "csrf_token": csrf_from(page.text)},
                               files=files, follow_redirects=False)
    assert ok.status_code == 303
