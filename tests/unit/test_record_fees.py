"""The record copy's fee: the fees ordinance's model and the patient's free first copy."""

from __future__ import annotations

import pytest

from kulisser.records.fees import FeeTable, fee_sek


@pytest.mark.parametrize(("pages", "expected"), [
    (0, 0), (1, 0), (9, 0),   # pages 1-9 are free
    (10, 50),                  # the 10th page costs 50 kr
    (11, 52), (12, 54),        # each further page 2 kr
    (100, 50 + 90 * 2),
])
def test_the_ordinance_model_for_someone_who_pays(pages: int, expected: int) -> None:
    assert fee_sek(pages=pages, requester_kind="insurer", first_copy=False) == expected
    assert fee_sek(pages=pages, requester_kind="patient", first_copy=False) == expected


@pytest.mark.parametrize("kind", ["patient", "guardian", "representative"])
def test_the_patients_first_copy_is_free(kind: str) -> None:
    assert fee_sek(pages=40, requester_kind=kind, first_copy=True) == 0


@pytest.mark.parametrize("kind", ["insurer", "authority", "care_provider", "court"])
def test_a_third_party_always_pays_the_table(kind: str) -> None:
    assert fee_sek(pages=40, requester_kind=kind, first_copy=True) == 50 + 30 * 2


def test_a_units_own_table() -> None:
    table = FeeTable(free_pages=0, first_charged_page_sek=10, further_page_sek=1)
    assert fee_sek(pages=1, requester_kind="patient", first_copy=False, table=table) == 10
    assert fee_sek(pages=5, requester_kind="patient", first_copy=False, table=table) == 14


def test_an_unknown_requester_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        fee_sek(pages=10, requester_kind="neighbour", first_copy=False)
