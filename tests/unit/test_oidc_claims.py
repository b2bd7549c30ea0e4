"""The OpenID claims read without a database: person, assignments, care provider, method."""

from __future__ import annotations

from kulisser.staff.oidc import ClaimNames, login_method, read_claims

NAMES = ClaimNames()


def test_one_assignment_as_a_string() -> None:
    read = read_claims({"employeeHsaId": " SE2321000016-E1 ", "commissionHsaId": "SE-U1",
                        "healthCareProviderHsaId": "SE-VG"}, NAMES)
    assert read.person_hsa_id == "SE2321000016-E1"
    assert read.assignment_hsa_ids == ("SE-U1",)
    assert read.provider_hsa_id == "SE-VG"


def test_several_assignments_as_a_list_or_separated_string_keep_their_order_once() -> None:
    as_list = read_claims({"employeeHsaId": "E", "commissionHsaId": ["U2", "U1", "U2", ""]}, NAMES)
    as_text = read_claims({"employeeHsaId": "E", "commissionHsaId": "U2, U1 U2"}, NAMES)
    assert as_list.assignment_hsa_ids == as_text.assignment_hsa_ids == ("U2", "U1")


def test_missing_or_malformed_claims_read_as_empty() -> None:
    read = read_claims({"employeeHsaId": 42, "commissionHsaId": {"x": 1}}, NAMES)
    assert read.person_hsa_id == "" and read.assignment_hsa_ids == () and read.provider_hsa_id == ""


def test_claim_names_come_from_the_settings() -> None:
    names = ClaimNames(person="hsaid", assignment="uppdrag", provider="vg")
    read = read_claims({"hsaid": "E9", "uppdrag": ["U9"], "vg": "VG9", "employeeHsaId": "no"}, names)
    assert (read.person_hsa_id, read.assignment_hsa_ids, read.provider_hsa_id) == ("E9", ("U9",), "VG9")


def test_login_method_carries_acr_and_amr_when_sent() -> None:
    assert login_method({}) == "oidc"
    assert login_method({"acr": "http://id.sambi.se/loa/loa3", "amr": ["smartcard", "pin"]}) == (
        "oidc acr=http://id.sambi.se/loa/loa3 amr=smartcard,pin")
    assert len(login_method({"acr": "x" * 500})) == 200  # fits the column
