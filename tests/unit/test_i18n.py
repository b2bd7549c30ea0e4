"""Plural forms go through one helper, in Python and in templates."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment

from kulisser.i18n import _, ngettext

SRC = Path(__file__).resolve().parents[2] / "src" / "kulisser"


def test_one_is_singular_every_other_count_plural() -> None:
    assert ngettext("{n} dag", "{n} dagar", 1) == "1 dag"
    assert ngettext("{n} dag", "{n} dagar", -1) == "-1 dag"
    assert ngettext("{n} dag", "{n} dagar", 0) == "0 dagar"
    assert ngettext("{n} dag", "{n} dagar", 2) == "2 dagar"
    assert ngettext("{n} dag kvar av {m}", "{n} dagar kvar av {m}", 1, m=90) == "1 dag kvar av 90"
    assert _("{n} st", n=3) == "3 st"


def test_templates_have_ngettext() -> None:
    from kulisser.web.templating import make_templates

    env: Environment = make_templates().env
    marks = env.get_template("waitlist/_marks.html").module

    class Figures:
        days_left = 1
        at_risk = False

    assert str(marks.days_left(Figures())).strip() == "1 dag kvar"  # type: ignore[attr-defined]
    Figures.days_left = -1
    assert "1 dag över" in str(marks.days_left(Figures()))  # type: ignore[attr-defined]


def test_no_count_glued_to_a_plural_noun() -> None:
    """No template writes a number and then a plural noun by hand ("{{ n }} {{ _("dagar") }}")."""
    glued = re.compile(r"\}\}\s*\{\{\s*_\(\"(dagar|timmar|minuter|rader|ärenden|veckor|försenade)\b")
    found = [f"{p.relative_to(SRC)}: {m.group(0)}" for p in SRC.rglob("*.html")
             for m in glued.finditer(p.read_text(encoding="utf-8"))]
    assert found == []
