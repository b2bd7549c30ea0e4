"""A manager's letter text cannot make a letter of megabytes or a render of minutes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kulisser.db import Database
from kulisser.errors import ValidationFailed
from kulisser.letters import merge, sandbox, texts
from kulisser.letters.models import LetterTemplate
from kulisser.letters.states import LetterKind
from tests import factories
from tests.letters.conftest import Clinic, result_letter

TOO_LONG = "Brevet blir för långt: högst 100000 tecken per brev"


def _refusal(body: str, kind: LetterKind = LetterKind.CALLING) -> str:
    with pytest.raises(ValidationFailed) as caught:
        merge.check_texts(kind=kind, subject="Kallelse", body=body)
    return caught.value.errors["body"]


@pytest.mark.parametrize(("body", "message"), [
    ("{{ fornamn|center(5000000) }}", TOO_LONG),
    ("{{ fornamn|center(200000) }}", TOO_LONG),
    ("{{ fornamn.center(5000000) }}", TOO_LONG),
    ("{{ fornamn.ljust(200000) }}", TOO_LONG),
    ("{{ fornamn|replace('', fornamn|center(90000)) }}", TOO_LONG),  # 90,000 x 4 characters
    ("{{ fornamn.replace('', fornamn.center(90000)) }}", TOO_LONG),
    ("{{ (fornamn|center(60000)) ~ (fornamn|center(60000)) }}", TOO_LONG),
    ("{{ fornamn|center(60000) }}{{ fornamn|center(60000) }}", TOO_LONG),
    ("{{ '%5000000s' % fornamn }}", "procentformatering (%) kan inte användas"),
    ("{{ '{:>5000000}'.format(fornamn) }}", "format() kan inte anropas"),
    ("{{ fornamn.expandtabs(5000000) }}", "expandtabs() kan inte anropas"),
    ("{% for a in fornamn %}{% for b in fornamn %}x{% endfor %}{% endfor %}", "{% for %} kan inte"),
    ("{% macro f() %}{{ f() }}{{ f() }}{% endmacro %}{{ f() }}", "{% macro %} kan inte"),
    ("{% set a = fornamn ~ fornamn %}{% set a = a ~ a %}{{ a }}", "{% set %} kan inte"),
    ("{% autoescape false %}{{ fornamn }}{% endautoescape %}", "{% autoescape %} kan inte"),
    ("{{ fornamn|wordwrap(5) }}", "okänt filter"),
])
def test_a_text_past_the_bounds_is_refused_on_save(body: str, message: str) -> None:
    assert message in _refusal(body)


def test_ordinary_texts_and_filters_still_work() -> None:
    text = ("Hej {{ fornamn|upper }}! {{ fornamn|center(9)|trim }} {{ fornamn.lower() }} "
            "{{ fornamn|replace('Å', 'A') }} {% if plats %}{{ plats }}{% else %}-{% endif %} "
            "{{ 7 % 3 }}")
    out = merge.render_text(text, {"fornamn": "Åsa", "plats": ""}, kind=LetterKind.CALLING)
    assert str(out) == "Hej ÅSA! Åsa åsa Asa - 1"
    wide = merge.render_text("{{ fornamn|center(99000) }}", {"fornamn": "Åsa"}, kind=LetterKind.CALLING)
    assert len(wide) == 99000  # the bound is the whole output, not "no wide fields"


def test_the_render_time_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "MAX_SECONDS", -1.0)  # every step is past its deadline
    with pytest.raises(ValidationFailed) as caught:
        merge.render_text("Hej {{ fornamn|upper }}", {"fornamn": "Åsa"}, kind=LetterKind.CALLING)
    assert "Brevet tar för lång tid att fylla i" in caught.value.errors["body"]


def test_a_letter_whose_values_make_it_too_long_is_refused_when_rendered(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = "{{ meddelande }}" * 30  # passes the check with the short sample
    assert merge.check_texts(kind=LetterKind.RESULT, subject="Svar", body=text)[1] == text
    with pytest.raises(ValidationFailed) as caught:
        merge.render_text(text, {"meddelande": "x" * 4000}, kind=LetterKind.RESULT)
    assert TOO_LONG in caught.value.errors["body"]


def test_the_editor_refuses_with_a_swedish_message_and_keeps_the_typed_text(
        manager_client: TestClient, database: Database, world: factories.World) -> None:
    body = "Hej {{ fornamn|center(5000000) }}, välkommen!"
    page = manager_client.post("/brev/mallar/calling", data={"subject": "Kallelse", "body": body})
    assert page.status_code == 422
    assert TOO_LONG in page.text
    assert "Hej {{ fornamn|center(5000000) }}, välkommen!" in page.text  # in the textarea, kept
    api = manager_client.put("/api/v1/letters/templates/calling",
                             json={"subject": "Kallelse", "body": "{{ '%5000000s' % fornamn }}"})
    assert api.status_code == 422 and "procentformatering" in api.json()["errors"]["body"]
    with database.session() as s:
        assert s.scalar(select(LetterTemplate).where(LetterTemplate.unit_id == world.unit_id)) is None


def test_a_stored_letter_too_long_to_render_gives_a_clear_error_not_a_hang(
        database: Database, clinic: Clinic, client_as: object) -> None:
    world = clinic.world
    with database.session() as s:
        boss = factories.actor(s, world.manager_id)
        texts.save_text(s, actor=boss, kind="result", subject="Svar", body="{{ meddelande }}" * 30)
        letter = result_letter(s, world, world.patient_ids[0], message="x" * 4000, ready=False)
        letter_id = letter.id
    client = client_as(world.secretary_id)  # type: ignore[operator]
    page = client.get(f"/brev/{letter_id}")
    assert page.status_code == 200 and TOO_LONG in page.text  # the page says why, and stays
    pdf = client.get(f"/brev/{letter_id}/pdf")
    assert pdf.status_code == 422 and TOO_LONG in pdf.text
