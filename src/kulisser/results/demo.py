"""Demo results: about forty lab results and referral replies for the demo clinicians.

They arrive through the real import (FHIR DiagnosticReports with contained Observations and a
few flat JSON lines, as the laboratory's integration would send them) over the last three
days, so some are abnormal, a few critical, some already overdue, and a few cannot be matched
(a patient who is not registered, a mistyped identity number, one without any).
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kulisser.identity import PERSONNUMMER_SYSTEM, generate_personnummer
from kulisser.patients.service import Patient
from kulisser.results import service as results
from kulisser.staff import service as staff
from kulisser.staff.service import Role, User

LAB_SYSTEM = "urn:oid:1.2.752.99.9.1"  # the demo laboratory's id system (made up)
# (name, code, unit, low, high, normal low, normal high): values drawn mostly within range.
TESTS = [
    ("Hemoglobin", "718-7", "g/L", 117, 153, 110, 160),
    ("Kalium", "2823-3", "mmol/L", 3.5, 4.4, 3.2, 4.9),
    ("Natrium", "2951-2", "mmol/L", 137, 145, 132, 148),
    ("Kreatinin", "2160-0", "µmol/L", 45, 90, 40, 130),
    ("CRP", "1988-5", "mg/L", None, 5, 0, 60),
    ("HbA1c", "4548-4", "mmol/mol", 27, 42, 30, 70),
    ("TSH", "3016-3", "mIE/L", 0.3, 4.2, 0.1, 6.0),
    ("LDL-kolesterol", "2089-1", "mmol/L", None, 3.0, 1.5, 5.0),
]
PANELS = [("Blodstatus", [0]), ("Elektrolyter", [1, 2, 3]), ("Inflammation", [4]),
          ("Diabeteskontroll", [5]), ("Sköldkörtel", [6]), ("Blodfetter", [7])]


def _value(rng: random.Random, test: tuple[Any, ...], n: int) -> dict[str, Any]:
    name, code, unit, low, high, spread_low, spread_high = test
    # Most values are normal; about one in four falls anywhere in the wider spread.
    if rng.random() < 0.75:
        value = round(rng.uniform(low if low is not None else spread_low, high), 1)
    else:
        value = round(rng.uniform(spread_low, spread_high), 1)
    flag = "N"
    if high is not None and value > high:
        flag = "HH" if value > high * 1.6 else "H"
    elif low is not None and value < low:
        flag = "LL" if value < low * 0.7 else "L"
    ref: dict[str, Any] = {}
    if low is not None:
        ref["low"] = {"value": low, "unit": unit}
    if high is not None:
        ref["high"] = {"value": high, "unit": unit}
    return {"resourceType": "Observation", "id": f"o{n}", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": code, "display": name}]},
            "valueQuantity": {"value": value, "unit": unit}, "referenceRange": [ref],
            "interpretation": [{"coding": [{"code": flag}]}]}


def _report(rng: random.Random, n: int, identifier: str | None, orderer: str,
            issued: datetime) -> dict[str, Any]:
    title, tests = rng.choice(PANELS)
    contained: list[dict[str, Any]] = [_value(rng, TESTS[i], k) for k, i in enumerate(tests)]
    report: dict[str, Any] = {
        "resourceType": "DiagnosticReport", "status": "final",
        "identifier": [{"system": LAB_SYSTEM, "value": f"DEMO-{n:05d}"}],
        "code": {"text": title}, "issued": issued.isoformat(),
        "result": [{"reference": f"#{o['id']}"} for o in contained],
        "basedOn": [{"reference": "#order"}]}
    if identifier is not None:
        report["subject"] = {"identifier": {"system": PERSONNUMMER_SYSTEM, "value": identifier}}
    contained.append({"resourceType": "ServiceRequest", "id": "order", "status": "active",
                      "intent": "order", "subject": {"display": "patient"},
                      "requester": {"identifier": {"value": orderer}}})
    report["contained"] = contained
    return report


def seed(session: Session, *, rng: random.Random, now: datetime, unit_id: int, users: list[User],
         patients: list[Patient], count: int = 40) -> int:
    """Import `count` results for the unit's clinicians; return how many were stored."""
    clinicians = [u for u in users if u.role == Role.CLINICIAN.value]
    importer = next((u for u in users if u.role == Role.SECRETARY.value), None)
    if not clinicians or importer is None or not patients:
        return 0
    actor = staff.make_actor(importer, unit_id=unit_id)
    stored = 0
    for n in range(count):
        received = now - timedelta(hours=rng.uniform(0.2, 80))
        issued = received - timedelta(hours=rng.uniform(0.5, 6))
        orderer = clinicians[n % len(clinicians)].username
        if n % 13 == 5:  # a patient the clinic has never registered
            identifier: str | None = generate_personnummer(rng).value
        elif n % 17 == 8:  # a mistyped number: the check digit is wrong
            good = rng.choice(patients).id_value
            identifier = good[:-1] + str((int(good[-1]) + 1) % 10)
        elif n == count - 1:
            identifier = None
        else:
            identifier = rng.choice(patients).id_value
        if n % 10 == 9 and identifier is not None:
            # A single value as a flat JSON line, as a simpler lab system sends it.
            line = json.dumps({"sender_id": f"DEMO-L{n:05d}", "sender_system": LAB_SYSTEM,
                               "identity_number": identifier, "ordering_clinician": orderer,
                               "test_code": "1988-5", "test_name": "CRP",
                               "value": str(rng.choice([3, 8, 45, 160])), "unit": "mg/L",
                               "reference_range": "<5", "issued": issued.isoformat()})
            report = results.import_lines(session, actor=actor, lines=[line], now=received)
        else:
            report = results.import_fhir(session, actor=actor, now=received,
                                         payload=_report(rng, n, identifier, orderer, issued))
        stored += report.created
    return stored
