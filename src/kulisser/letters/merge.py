"""Merge fields and the sandboxed Jinja2 environment that fills letter texts.

A letter text is plain Swedish text with merge fields ({{ fornamn }}) and simple conditions
({% if plats %} ... {% endif %}). It runs in Jinja's immutable sandbox with autoescape on, an
undefined field is an error, and one letter's output and render time are bounded
(sandbox.py). The text's own characters are escaped too (not only the merge values), so the
rendered letter is HTML that cannot carry markup from anyone: a manager's template or a
patient's name alike.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from jinja2 import Template, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError, TemplateAssertionError, UndefinedError
from markupsafe import Markup

from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.letters import sandbox
from kulisser.letters.states import KIND_LABELS, LetterKind

TZ = ZoneInfo("Europe/Stockholm")
SUBJECT_MAX = 200
BODY_MAX = 20_000
WEEKDAYS = [N_("måndag"), N_("tisdag"), N_("onsdag"), N_("torsdag"), N_("fredag"), N_("lördag"),
            N_("söndag")]
MONTHS = [N_("januari"), N_("februari"), N_("mars"), N_("april"), N_("maj"), N_("juni"), N_("juli"),
          N_("augusti"), N_("september"), N_("oktober"), N_("november"), N_("december")]


@dataclass(frozen=True)
class Field:
    """A merge field: its name in the text, what it means, and a sample for checking."""

    name: str
    label: str
    sample: str


COMMON = (
    Field("patient_namn", N_("Patientens för- och efternamn"), N_("Åsa Öberg")),
    Field("fornamn", N_("Patientens förnamn"), N_("Åsa")),
    Field("efternamn", N_("Patientens efternamn"), N_("Öberg")),
    Field("personnummer", N_("Patientens personnummer"), "19121212-1212"),
    Field("enhet_namn", N_("Vårdenhetens namn"), N_("Medicinmottagningen")),
    Field("enhet_adress", N_("Vårdenhetens adress"), N_("Sjukhusvägen 1, 123 45 Kulisserstad")),
    Field("enhet_telefon", N_("Vårdenhetens telefonnummer"), "010-123 45 00"),
    Field("datum", N_("Brevets datum"), N_("1 december 2026")),
    Field("avsandare", N_("Den som skrev brevet"), "Anna Lind"),
)
VISIT = (
    Field("besok_datum", N_("Besökets datum med veckodag"), N_("tisdag 8 december 2026")),
    Field("besok_tid", N_("Besökets klockslag"), "14:30"),
    Field("besok_typ", N_("Typ av besök"), N_("Nybesök")),
    Field("vardgivare", N_("Läkare eller annan vårdgivare"), "Karl Berg"),
    Field("plats", N_("Rum eller plats"), N_("Mottagning 3, plan 2")),
    Field("besok_meddelande", N_("Meddelande till patienten (skrivs vid bokningen)"),
          N_("Ta med din läkemedelslista.")),
)
OLD_VISIT = (
    Field("tidigare_datum", N_("Den tidigare tidens datum"), N_("måndag 7 december 2026")),
    Field("tidigare_tid", N_("Den tidigare tidens klockslag"), "09:00"),
)
REASON = (Field("orsak", N_("Orsak till avbokningen"), N_("Läkaren är sjuk")),)
RESULT = (
    Field("undersokning", N_("Vilken undersökning eller vilka prover"), N_("dina blodprover")),
    Field("meddelande", N_("Brevets meddelande (skrivs för varje brev)"), N_("Proverna var normala.")),
)
REFERRAL = (
    Field("mottagare", N_("Remittentens namn (mottagare av svaret)"), N_("Vårdcentralen Kulisserstad")),
    Field("mottagare_adress", N_("Remittentens adress"), "Box 1, 123 45 Kulisserstad"),
    Field("remiss_datum", N_("Remissens datum"), N_("2 november 2026")),
    Field("meddelande", N_("Svaret på remissen"), N_("Patienten kallas till nybesök.")),
)
RECORD = (
    Field("mottagare", N_("Den som begärde kopian"), N_("Försäkringsbolaget Trygg")),
    Field("mottagare_adress", N_("Adress till den som begärde kopian"), "Box 2, 123 45 Kulisserstad"),
    Field("mottagen_datum", N_("Dagen begäran kom in"), N_("30 november 2026")),
    Field("omfattning", N_("Vad begäran gäller"), N_("Hela journalen")),
)
RECORD_DECISION = (
    Field("beslut", N_("Beslutet"), N_("Begäran bifalls delvis.")),
    Field("skal", N_("Skälen och lagrummen"), N_("Anteckning 3 december 2026: OSL 25 kap. 1 §.")),
    Field("beslutsfattare", N_("Den som beslutade"), "Karl Berg"),
)
RECORD_COPY = (
    Field("sidor", N_("Kopians antal sidor"), "12"),
    Field("avgift", N_("Avgiften"), "54 kr"),
    Field("delbeslut", N_("Text om att en del inte lämnas ut (tom annars)"),
          N_("Vissa uppgifter lämnas inte ut.")),
)

FIELDS: dict[LetterKind, tuple[Field, ...]] = {
    LetterKind.CALLING: COMMON + VISIT,
    LetterKind.REBOOKING: COMMON + VISIT + OLD_VISIT,
    LetterKind.CANCELLATION: COMMON + VISIT + REASON,
    LetterKind.RESULT: COMMON + RESULT,
    LetterKind.REFERRAL_REPLY: COMMON + REFERRAL,
    LetterKind.RECORD_DECISION: COMMON + RECORD + RECORD_DECISION,
    LetterKind.RECORD_COPY: COMMON + RECORD + RECORD_COPY,
}
# The fields a person types for a letter written by hand (the rest are filled in).
TYPED: dict[LetterKind, tuple[Field, ...]] = {
    LetterKind.RESULT: RESULT,
    LetterKind.REFERRAL_REPLY: REFERRAL,
}


def field_names(kind: LetterKind) -> list[str]:
    """The merge field names a kind of letter may use."""
    return [f.name for f in FIELDS[kind]]


ENV = sandbox.environment()


def swedish_date(value: date | datetime, *, weekday: bool = False) -> str:
    """A date as Swedes write it in a letter: "tisdag 8 december 2026"."""
    if isinstance(value, datetime):
        value = value.astimezone(TZ).date()
    text = f"{value.day} {_(MONTHS[value.month - 1])} {value.year}"
    return f"{_(WEEKDAYS[value.weekday()])} {text}" if weekday else text


def clock(value: datetime) -> str:
    """The local clock time of a datetime, "14:30"."""
    return value.astimezone(TZ).strftime("%H:%M")


def _syntax_message(exc: TemplateSyntaxError) -> str:
    where = f"rad {exc.lineno}" if exc.lineno else "texten"
    return (_("Mallen har ett syntaxfel på {where}: kontrollera att varje {{{{ har ett }}}} och att varje "
              "{{% if %}} avslutas med {{% endif %}}. (Tekniskt: {message})", where=where,
              message=exc.message))


def compile_text(source: str, *, kind: LetterKind, field: str) -> Template:
    """Compile a letter text; ValidationFailed (Swedish) for a syntax error or unknown field."""
    return _compile(source, kind, field)


@lru_cache(maxsize=256)  # a day's print run fills the same few texts hundreds of times
def _compile(source: str, kind: LetterKind, field: str) -> Template:
    try:
        tree = ENV.parse(source)
        used = meta.find_undeclared_variables(tree)
    except TemplateAssertionError as exc:  # e.g. a filter that does not exist
        raise ValidationFailed({field: _("Mallen går inte att använda: {assertion}",
                                         assertion=_assertion(exc))}) from None
    except TemplateSyntaxError as exc:
        raise ValidationFailed({field: _syntax_message(exc)}) from None
    if any(True for _ in tree.find_all((nodes.Extends, nodes.Include, nodes.Import,
                                         nodes.FromImport))):
        raise ValidationFailed({field: _("Mallen får inte hämta andra mallar (extends, include, import).")})
    if (statement := sandbox.disallowed_statement(tree)) is not None:
        raise ValidationFailed({field: _("Mallen kan bara innehålla text, fält ({{{{ fornamn }}}}) och "
                                         "villkor ({{% if %}}); {{% {statement} %}} kan inte användas i "
                                         "brev.", statement=statement)})
    allowed = set(field_names(kind))
    unknown = sorted(used - allowed)
    if unknown:
        names = ", ".join("{{ " + name + " }}" for name in unknown)
        raise ValidationFailed({field: _("Okänt fält: {names}. Fälten som finns för {kind} listas "
                                         "under texten.", names=names,
                                         kind=_(KIND_LABELS[kind]).lower())})
    # The text's own characters are escaped like the values: the output is plain text as HTML.
    for data in tree.find_all(nodes.TemplateData):
        data.data = html.escape(data.data, quote=False)
    try:
        code = ENV.compile(tree)
        return ENV.template_class.from_code(ENV, code, ENV.make_globals(None))
    except TemplateAssertionError as exc:
        raise ValidationFailed({field: _("Mallen går inte att använda: {assertion}",
                                         assertion=_assertion(exc))}) from None
    except TemplateSyntaxError as exc:
        raise ValidationFailed({field: _syntax_message(exc)}) from None


def _assertion(exc: TemplateAssertionError) -> str:
    text = exc.message or str(exc)
    if text.startswith("No filter named"):
        return _("okänt filter {name}.", name=text.removeprefix("No filter named").strip(" ."))
    if text.startswith("No test named"):
        return _("okänt test {name}.", name=text.removeprefix("No test named").strip(" ."))
    return text


def render_text(source: str, values: dict[str, str], *, kind: LetterKind, field: str = "body"
                ) -> Markup:
    """Fill a letter text with values; the result is escaped HTML text (no markup)."""
    template = compile_text(source, kind=kind, field=field)
    full = {name: "" for name in field_names(kind)}
    full.update({k: v for k, v in values.items() if k in full})
    try:
        # Filled in as it is made, so that an output or a time past its bound stops it.
        out = sandbox.bounded(template.generate(full))
    except sandbox.RenderLimit as exc:
        raise ValidationFailed({field: exc.message}) from None
    except (UndefinedError, SecurityError) as exc:
        raise ValidationFailed({field: _("Mallen går inte att fylla i: {exc}", exc=exc)}) from None
    except Exception as exc:  # a manager's text may divide by zero or worse: refuse, never crash
        raise ValidationFailed({field: _("Mallen går inte att fylla i ({exc}).",
                                         exc=type(exc).__name__)}) from None
    # Safe: autoescape escaped the values and compile_text escaped the text around them.
    return Markup(out)  # noqa: S704


def check_texts(*, kind: LetterKind, subject: str, body: str) -> tuple[str, str]:
    """Check a subject and body for a kind: size, syntax, fields, a trial fill. Clean values."""
    subject, body = subject.strip(), body.strip().replace("\r\n", "\n")
    errors: dict[str, str] = {}
    if not subject:
        errors["subject"] = _("Ange en rubrik.")
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = _("Rubriken får vara högst {subject_max} tecken.", subject_max=SUBJECT_MAX)
    if not body:
        errors["body"] = _("Skriv brevets text.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("Texten får vara högst {body_max} tecken.", body_max=BODY_MAX)
    samples = {f.name: _(f.sample) for f in FIELDS[kind]}
    for name, source in (("subject", subject), ("body", body)):
        if name in errors:
            continue
        try:
            render_text(source, samples, kind=kind, field=name)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return subject, body


def paragraphs(text: Markup) -> list[Markup]:
    """Split rendered text into paragraphs (blank lines); single newlines become <br>."""
    parts = [p.strip("\n") for p in str(text).replace("\r\n", "\n").split("\n\n")]
    # Safe: the text is fully escaped (see compile_text), so the only markup is the <br>.
    return [Markup(p.replace("\n", "<br>\n")) for p in parts if p.strip()]  # noqa: S704
