"""FHIR results read into the import's common shape, validated with `fhir.resources`.

The R4B models of fhir.resources are used (`fhir.resources.R4B`): R4B is R4 with technical
corrections, and DiagnosticReport, Observation, ServiceRequest and Bundle read R4 JSON
unchanged; the package's top-level models are R5, which differ. Accepted:

- a DiagnosticReport with its Observations contained (`result` -> "#id"),
- a Bundle holding DiagnosticReports and the Observations they reference (by fullUrl or
  "Observation/id"); an Observation no report references is a result of its own,
- a single Observation (its `component`s become its values).

The patient is `subject.identifier` (personnummer, samordningsnummer or reservnummer system,
or their OIDs), or the identifier of a contained Patient. The ordering clinician is the
`requester.identifier` (HSA-id or username) of a contained ServiceRequest in `basedOn`, or of
a contained Practitioner it references. The sender's id is the first `identifier`
(system + value), else the resource id. Anything invalid raises ValidationFailed with the
FHIR path of each problem and a Swedish message, and nothing is stored.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.observation import Observation
from pydantic import ValidationError

from kulisser.errors import ValidationFailed
from kulisser.i18n import N_, _
from kulisser.identity import (
    PERSONNUMMER_OID,
    PERSONNUMMER_SYSTEM,
    RESERVNUMMER_SYSTEM,
    SAMORDNINGSNUMMER_OID,
    SAMORDNINGSNUMMER_SYSTEM,
)
from kulisser.results.formats import TZ, Incoming, IncomingValue, interpret, json_problem, number

FHIR_SYSTEM = "urn:kulisser:fhir"  # prefix of the sender system when a resource has only an id
ACCEPTED_STATUSES = {"registered", "partial", "preliminary", "final", "amended", "corrected",
                     "appended"}
_KINDS = {PERSONNUMMER_SYSTEM: "personnummer", f"urn:oid:{PERSONNUMMER_OID}": "personnummer",
          SAMORDNINGSNUMMER_SYSTEM: "samordningsnummer",
          f"urn:oid:{SAMORDNINGSNUMMER_OID}": "samordningsnummer",
          RESERVNUMMER_SYSTEM: "reservnummer"}
_MODELS: dict[str, Any] = {"DiagnosticReport": DiagnosticReport, "Observation": Observation,
                           "Bundle": Bundle}
_MESSAGES = {"missing": N_("Fältet saknas."), "extra_forbidden": N_("Okänt fält."),
             "fhir-validation-wrong-resource-type": N_("Fel resurstyp.")}


def _errors(resource_type: str, exc: ValidationError) -> dict[str, str]:
    """FHIR path -> Swedish message for each problem pydantic found (at most 20)."""
    found: dict[str, str] = {}
    for err in exc.errors()[:20]:
        path = ".".join(str(p) for p in (resource_type, *err["loc"]))
        found[path] = _(_MESSAGES.get(str(err["type"]), N_("Ogiltigt värde.")))
    return found


def validate(payload: Any) -> Any:
    """The payload as a validated fhir.resources model, or ValidationFailed."""
    if not isinstance(payload, dict):
        raise ValidationFailed({"resourceType": _("Skicka ett FHIR-objekt (JSON).")})
    if (problem := json_problem(payload)) is not None:
        raise ValidationFailed({"body": problem})
    kind = payload.get("resourceType")
    model = _MODELS.get(str(kind))
    if model is None:
        raise ValidationFailed({"resourceType": _("Endast DiagnosticReport, Observation eller "
                                                  "Bundle med sådana kan importeras.")})
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise ValidationFailed(_errors(str(kind), exc)) from None


def read(payload: Any) -> list[Incoming]:
    """Every result in a FHIR payload (validated first; ValidationFailed if anything is wrong)."""
    resource = validate(payload)
    # The raw data kept is what the sender sent (the payload's own dicts), not a re-serialization.
    if isinstance(resource, Bundle):
        return _bundle(resource, payload)
    if isinstance(resource, DiagnosticReport):
        return [_report(resource, "DiagnosticReport", {}, raw={id(resource): payload})]
    return [_single(resource, "Observation", raw=payload)]


def _bundle(bundle: Bundle, payload: dict[str, Any]) -> list[Incoming]:
    observations: dict[str, Observation] = {}
    reports: list[tuple[int, DiagnosticReport]] = []
    singles: list[tuple[int, Observation]] = []
    raw: dict[int, Any] = {}
    for n, entry in enumerate(bundle.entry or []):
        res = entry.resource
        raw[id(res)] = payload["entry"][n]["resource"]
        if isinstance(res, Observation):
            for key in (entry.fullUrl, f"Observation/{res.id}" if res.id else None):
                if key:
                    observations[key] = res
            singles.append((n, res))
        elif isinstance(res, DiagnosticReport):
            reports.append((n, res))
        else:
            name = type(res).__name__ if res is not None else "tom"
            raise ValidationFailed({f"Bundle.entry.{n}.resource": _("Resurstypen {name} kan inte importeras "
                                                                    "(DiagnosticReport eller Observation).",
                                                                    name=name)})
    if not reports and not singles:
        raise ValidationFailed({"Bundle.entry": _("Bundle innehåller inga provsvar.")})
    used: set[int] = set()
    found = [_report(r, f"Bundle.entry.{n}.resource", observations, used, raw=raw)
             for n, r in reports]
    found += [_single(o, f"Bundle.entry.{n}.resource", raw=raw[id(o)]) for n, o in singles
              if id(o) not in used]
    return found


def _source(resource: Any, path: str) -> tuple[str, str]:
    for ident in resource.identifier or []:
        if ident.value:
            return (ident.system or f"{FHIR_SYSTEM}:{resource.get_resource_type()}")[:200], \
                ident.value[:200]
    if resource.id:
        return f"{FHIR_SYSTEM}:{resource.get_resource_type()}", resource.id[:200]
    raise ValidationFailed({f"{path}.identifier": _("Avsändarens id saknas: ange identifier "
                                                    "(system och value) eller id.")})


def _status(resource: Any, path: str) -> None:
    if resource.status not in ACCEPTED_STATUSES:
        raise ValidationFailed({f"{path}.status": _("Svar med status ”{status}” importeras inte.",
                                                    status=resource.status)})


def _contained(resource: Any, ref: str | None) -> Any:
    if not ref or not ref.startswith("#"):
        return None
    return next((c for c in resource.contained or [] if c.id == ref[1:]), None)


def _patient(resource: Any) -> tuple[str | None, str | None]:
    subject = resource.subject
    if subject is None:
        return None, None
    ident = subject.identifier
    if ident is None:
        patient = _contained(resource, subject.reference)
        ident = next(iter(getattr(patient, "identifier", None) or []), None)
    if ident is None or not ident.value:
        return None, None
    return ident.value.strip()[:40], _KINDS.get(ident.system or "")


def _clinician(resource: Any) -> str | None:
    for ref in resource.basedOn or []:
        request = _contained(resource, ref.reference)
        requester = getattr(request, "requester", None)
        if requester is None:
            continue
        ident = requester.identifier
        if ident is None:
            who = _contained(resource, requester.reference)
            ident = next(iter(getattr(who, "identifier", None) or []), None)
        if ident is not None and ident.value:
            return str(ident.value).strip()[:100]
    return None


def _concept(concept: Any) -> tuple[str, str, str]:
    """(code, system, display) of a CodeableConcept."""
    if concept is None:
        return "", "", ""
    coding = next(iter(concept.coding or []), None)
    code = (coding.code or "") if coding else ""
    display = concept.text or (coding.display if coding else None) or code
    return code[:64], ((coding.system or "") if coding else "")[:200], (display or "")[:200]


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=TZ)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=TZ)
    return None


def _value(obs: Any, into: IncomingValue) -> None:
    if obs.valueQuantity is not None:
        q = obs.valueQuantity
        text = "" if q.value is None else str(q.value)
        into.value = f"{q.comparator or ''}{text}"[:200]
        into.value_num = number(text) if not q.comparator else None
        into.unit = (q.unit or q.code or "")[:40]
    elif obs.valueString is not None:
        into.value, into.value_num = obs.valueString[:200], number(obs.valueString)
    elif obs.valueInteger is not None:
        into.value, into.value_num = str(obs.valueInteger), float(obs.valueInteger)
    elif obs.valueBoolean is not None:
        into.value = _("Ja") if obs.valueBoolean else _("Nej")
    elif obs.valueCodeableConcept is not None:
        into.value = _concept(obs.valueCodeableConcept)[2]
    elif getattr(obs, "dataAbsentReason", None) is not None:
        into.value = _("Värde saknas: {reason}", reason=_concept(obs.dataAbsentReason)[2])
    ranges = obs.referenceRange or []
    if ranges:
        r = ranges[0]
        into.ref_low = float(r.low.value) if r.low is not None and r.low.value is not None else None
        into.ref_high = float(r.high.value) if r.high is not None and r.high.value is not None else None
        into.ref_text = (r.text or "")[:100]
    flags = obs.interpretation or []
    if flags:
        code, _system, display = _concept(flags[0])
        into.flag = code or display


def _values(obs: Observation) -> tuple[list[IncomingValue], list[str]]:
    """The observation's values: itself, or each component (a blood pressure's two)."""
    notes: list[str] = []
    code, system, name = _concept(obs.code)
    parts: list[Any] = list(obs.component or [])
    values = []
    for part in parts or [obs]:
        pcode, psystem, pname = _concept(part.code) if parts else (code, system, name)
        val = IncomingValue(code=pcode, code_system=psystem, name=pname,
                            note="\n".join(n.text for n in getattr(obs, "note", None) or [] if n.text)[:4000])
        _value(part, val)
        notes += interpret(val)
        values.append(val)
    return values, notes


def _report(report: DiagnosticReport, path: str, bundled: dict[str, Observation],
            used: set[int] | None = None, *, raw: dict[int, Any]) -> Incoming:
    _status(report, path)
    system, source_id = _source(report, path)
    identifier, kind = _patient(report)
    code, _system, title = _concept(report.code)
    inc = Incoming(source_format="fhir", source_system=system, source_id=source_id,
                   raw="", identifier=identifier, identifier_kind=kind,
                   clinician=_clinician(report), title=(title or code or _("Provsvar"))[:200],
                   conclusion=(report.conclusion or "")[:4000],
                   issued_at=_when(report.issued) or _when(report.effectiveDateTime))
    parts = [raw[id(report)]]
    for n, ref in enumerate(report.result or []):
        contained = _contained(report, ref.reference)
        obs = contained or bundled.get(ref.reference or "")
        if not isinstance(obs, Observation):
            raise ValidationFailed({f"{path}.result.{n}": _("Referensen pekar inte på en Observation "
                                    "i svaret (contained eller Bundle).")})
        if contained is None and used is not None:
            used.add(id(obs))
            parts.append(raw[id(obs)])
        values, notes = _values(obs)
        inc.values += values
        inc.notes += notes
    # The raw data kept: the report itself, with the bundled observations it referenced.
    inc.raw = json.dumps(parts[0] if len(parts) == 1 else {
        "resourceType": "Bundle", "type": "collection",
        "entry": [{"resource": p} for p in parts]}, ensure_ascii=False)
    return inc


def _single(obs: Observation, path: str, *, raw: Any) -> Incoming:
    _status(obs, path)
    system, source_id = _source(obs, path)
    identifier, kind = _patient(obs)
    values, notes = _values(obs)
    code, _system, title = _concept(obs.code)
    return Incoming(source_format="fhir", source_system=system, source_id=source_id,
                    raw=json.dumps(raw, ensure_ascii=False), identifier=identifier,
                    identifier_kind=kind, clinician=_clinician(obs),
                    title=(title or code or _("Provsvar"))[:200], values=values, notes=notes,
                    issued_at=_when(obs.issued) or _when(obs.effectiveDateTime))
