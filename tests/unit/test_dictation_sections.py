"""The draft placed under the note's headings where the clinician said them."""

from __future__ import annotations

import pytest

from kulisser.dictation.sections import place_draft

VISIT = ["Anamnes", "Status", "Bedömning", "Åtgärd"]


def test_spoken_headings_split_the_draft_in_order() -> None:
    draft = ("Besöksanteckning. Anamnes. Patienten söker för andfåddhet sedan några veckor. "
             "Status: hjärtljuden är regelbundna. Bedömning, sannolikt astma. "
             "Åtgärd. Spirometri bokas.")
    assert place_draft(VISIT, draft) == (
        "Anamnes:\nBesöksanteckning.\nPatienten söker för andfåddhet sedan några veckor.\n\n"
        "Status:\nHjärtljuden är regelbundna.\n\n"
        "Bedömning:\nSannolikt astma.\n\n"
        "Åtgärd:\nSpirometri bokas.\n")


def test_without_spoken_headings_the_draft_goes_under_the_first() -> None:
    assert place_draft(VISIT, "  Patienten har feber sedan i går. ") == (
        "Anamnes:\nPatienten har feber sedan i går.\n\nStatus:\n\nBedömning:\n\nÅtgärd:\n")


def test_a_heading_word_inside_a_sentence_is_text() -> None:
    note = place_draft(VISIT, "Patientens status är oförändrad. Status är bra.")
    assert note.startswith("Anamnes:\nPatientens status är oförändrad. Status är bra.\n\nStatus:\n\n")


def test_a_heading_said_out_of_order_stays_in_the_text() -> None:
    note = place_draft(VISIT, "Status. Normalt. Anamnes. Hosta.")
    assert note == "Anamnes:\n\nStatus:\nNormalt. Anamnes. Hosta.\n\nBedömning:\n\nÅtgärd:\n"


def test_headings_of_several_words_and_case() -> None:
    note = place_draft(["Frågeställning", "Aktuella läkemedel"],
                       "FRÅGESTÄLLNING. Ablation? Aktuella  läkemedel: inga.")
    assert note == "Frågeställning:\nAblation?\n\nAktuella läkemedel:\nInga.\n"


@pytest.mark.parametrize(("headings", "draft", "expected"), [
    (VISIT, "", "Anamnes:\n\nStatus:\n\nBedömning:\n\nÅtgärd:\n"),
    ([], "Brev till patienten.", "Brev till patienten.\n"),
    ([], "", ""),
])
def test_empty_cases(headings: list[str], draft: str, expected: str) -> None:
    assert place_draft(headings, draft) == expected
