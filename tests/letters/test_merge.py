"""Letter texts: merge fields, the sandbox, escaping, and the Swedish refusals of a bad text."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kulisser.errors import ValidationFailed
from kulisser.letters import merge
from kulisser.letters.defaults import DEFAULTS
from kulisser.letters.states import LetterKind


@pytest.mark.parametrize("kind", list(LetterKind))
def test_every_default_text_passes_its_own_check(kind: LetterKind) -> None:
    subject, body = DEFAULTS[kind]
    assert merge.check_texts(kind=kind, subject=subject, body=body) == (subject.strip(), body.strip())


def test_merge_fields_are_filled_and_conditions_work() -> None:
    text = "Hej {{ fornamn }}!\n{% if plats %}Plats: {{ plats }}\n{% endif %}Tid {{ besok_tid }}"
    out = merge.render_text(text, {"fornamn": "Åsa", "plats": "", "besok_tid": "14:30"},
                            kind=LetterKind.CALLING)
    assert str(out) == "Hej Åsa!\nTid 14:30"


def test_values_and_the_text_itself_are_escaped() -> None:
    out = merge.render_text("<b>Hej</b> {{ fornamn }} & co", {"fornamn": "<script>alert(1)</script>"},
                            kind=LetterKind.CALLING)
    assert "<script>" not in out and "<b>" not in out
    assert str(out) == "&lt;b&gt;Hej&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"
    assert out.unescape() == "<b>Hej</b> <script>alert(1)</script> & co"


def test_paragraphs_split_on_blank_lines_and_keep_line_breaks() -> None:
    paras = merge.paragraphs(merge.render_text("A\nB\n\nC", {}, kind=LetterKind.RESULT))
    assert [str(p) for p in paras] == ["A<br>\nB", "C"]


@pytest.mark.parametrize(("body", "field", "message"), [
    ("Hej {{ fornamn }", "body", "syntaxfel på rad 1"),
    ("{% if plats %}Plats", "body", "avslutas med {% endif %}"),
    ("Hej {{ okant_falt }}", "body", "Okänt fält: {{ okant_falt }}"),
    ("Hej {{ meddelande }}", "body", "Okänt fält: {{ meddelande }}"),  # not a calling letter's field
    ("{{ fornamn|finnsinte }}", "body", "okänt filter"),
    ("{{ fornamn.__class__ }}", "body", "går inte att fylla i"),
    ("{{ fornamn * 100000000 }}", "body", "bara tal kan multipliceras"),
    ("{% include 'base.html' %}", "body", "får inte hämta andra mallar"),
    ("{{ 1 / 0 }}", "body", "går inte att fylla i"),
    ("", "body", "Skriv brevets text"),
])
def test_bad_texts_are_refused_with_a_swedish_message(body: str, field: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        merge.check_texts(kind=LetterKind.CALLING, subject="Kallelse", body=body)
    assert message in caught.value.errors[field]


def test_a_bad_subject_is_refused_too() -> None:
    with pytest.raises(ValidationFailed) as caught:
        merge.check_texts(kind=LetterKind.CALLING, subject="Kallelse {{ vem }}", body="Hej")
    assert "Okänt fält" in caught.value.errors["subject"]


def test_swedish_dates_and_times() -> None:
    assert merge.swedish_date(date(2026, 12, 8), weekday=True) == "tisdag 8 december 2026"
    # 23:30 UTC on 31 March is already 1 April in Stockholm (summer time, +02:00).
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert merge.swedish_date(late) == "1 april 2026"
    assert merge.clock(late) == "01:30"
