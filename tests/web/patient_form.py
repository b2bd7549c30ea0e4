"""The patient registration form's fields, filled in, for the patient pages' tests."""

from __future__ import annotations


def registration_form(identifier: str, family: str, **changes: str) -> dict[str, str]:
    """A valid registration of a patient with this identity number and family name; changes override."""
    data = {"identifier": identifier, "id_kind": "personnummer", "given_name": "Greta",
            "family_name": family, "address": "Lingonvägen 12", "postal_code": "123 45",
            "city": "Vimmerby", "phone": "070-111 22 33", "care_reason": "seeks_care"}
    data.update(changes)
    return data
