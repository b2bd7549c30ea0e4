"""The Swedish texts: messages to a referral's sender, and outgoing referral templates.

Messages are written from our own fixed templates (str.format with the decision's details as
values). A unit's outgoing templates are user text, so they are merged with a plain regex
replacement of known {fields}, never with str.format (which would evaluate attribute lookups
such as {0.__class__} written into a template).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _

MESSAGE_KIND_LABELS = {
    "receipt": N_("Mottagningskvitto"),
    "accepted": N_("Besked: antagen"),
    "rejected": N_("Besked: avvisad"),
    "forwarded": N_("Besked: vidarebefordrad"),
    "question": N_("Begäran om komplettering"),
    "answer": N_("Komplettering från remittenten"),
}
DIRECTION_LABELS = {"out": N_("Till remittenten"), "in": N_("Från remittenten")}

_HEAD = (N_("{title}\n\nTill: {sender} ({sender_hsa})\nFrån: {unit}\nDatum: {today}\n\n"
            "Gäller: remiss daterad {issued} för {patient}, {pnr}.\n\n"))
_TAIL = N_("\n\nMed vänliga hälsningar\n{signer}\n{unit}\n")
_BODIES = {
    "receipt": (N_("Vi har tagit emot remissen den {received}. Den kommer att bedömas av läkare "
                   "och ni får besked när bedömningen är klar.")),
    "accepted": (N_("Remissen är antagen. Patienten är uppsatt på vår väntelista för nybesök och "
                    "kallas av oss.{note}")),
    "rejected": N_("Remissen är avvisad.\n\nMotivering:\n{reason}"),
    "forwarded": (N_("Remissen är vidarebefordrad till {to_name} ({to_hsa}), som tar ställning "
                     "till den.\n\nMotivering:\n{reason}")),
    "question": (N_("Vi behöver mer information för att kunna bedöma remissen:\n\n{reason}\n\n"
                    "Skicka kompletteringen till oss. Remissen bedöms när den kommit in.")),
}


@dataclass(frozen=True)
class MessageFacts:
    """What a message to the sender says about the referral."""

    sender: str
    sender_hsa: str
    unit: str
    patient: str
    pnr: str
    issued: date
    received: date
    signer: str


def message_text(kind: str, facts: MessageFacts, *, today: date, reason: str = "",
                 note: str = "", to_name: str = "", to_hsa: str = "") -> str:
    """The text of a message to the sender, from the fixed Swedish template of its kind."""
    values = dict(title=_(MESSAGE_KIND_LABELS[kind]), sender=facts.sender, sender_hsa=facts.sender_hsa,
                  unit=facts.unit, today=today.isoformat(), issued=facts.issued.isoformat(),
                  received=facts.received.isoformat(), patient=facts.patient, pnr=facts.pnr,
                  signer=facts.signer, reason=reason.strip(), to_name=to_name.strip(),
                  to_hsa=to_hsa.strip(), note=f"\n\n{note.strip()}" if note.strip() else "")
    return (_(_HEAD) + _(_BODIES[kind]) + _(_TAIL)).format(**values)


# -- outgoing referral templates --------------------------------------------------------------

MERGE_FIELDS = {
    "patient": N_("Patientens namn"),
    "personnummer": N_("Patientens identitetsnummer"),
    "fragestallning": N_("Frågeställning"),
    "anamnes": N_("Anamnes"),
    "mottagare": N_("Mottagande enhet"),
    "mottagare_hsa": N_("Mottagarens HSA-id"),
    "avsandare": N_("Vår enhet"),
    "remittent": N_("Remitterande läkare"),
    "datum": N_("Dagens datum"),
    "prioritet": N_("Prioritet"),
}
DEFAULT_TEMPLATE_NAME = N_("Standardremiss")
DEFAULT_TEMPLATE = (
    N_("Remiss\n\n"
       "Till: {mottagare} ({mottagare_hsa})\n"
       "Från: {avsandare}\n"
       "Datum: {datum}\n"
       "Prioritet: {prioritet}\n\n"
       "Patient: {patient}, {personnummer}\n\n"
       "Frågeställning:\n{fragestallning}\n\n"
       "Anamnes:\n{anamnes}\n\n"
       "Remitterande läkare: {remittent}\n")
)
_FIELD = re.compile(r"\{([a-z_]+)\}")
TEMPLATE_MAX = 20_000


def merge(template: str, values: dict[str, str]) -> str:
    """Fill a template's {fields}; anything else in braces is left as written."""
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def check_template(name: str, body: str) -> tuple[str, str]:
    """A template's clean name and body, or ValidationFailed naming unknown merge fields."""
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = _("Ange ett namn på mallen.")
    elif len(name) > 100:
        errors["name"] = _("Högst 100 tecken.")
    if not body.strip():
        errors["body"] = _("Skriv mallens text.")
    elif len(body) > TEMPLATE_MAX:
        errors["body"] = _("Högst {template_max} tecken.", template_max=TEMPLATE_MAX)
    else:
        unknown = sorted({f for f in _FIELD.findall(body) if f not in MERGE_FIELDS})
        if unknown:
            errors["body"] = _("Okända fält: {unknown}. Tillåtna: {allowed}.",
                               unknown=", ".join("{" + f + "}" for f in unknown),
                               allowed=", ".join("{" + f + "}" for f in MERGE_FIELDS))
    if errors:
        raise ValidationFailed(errors)
    return name, body.replace("\r\n", "\n")
