"""The one phone-number check used by every phone field."""

from __future__ import annotations

import pytest

from kulisser.phone import InvalidPhone, e164, normalize, phone_error


@pytest.mark.parametrize(("typed", "international"), [
    ("070-123 45 67", "+46701234567"),
    ("0701234567", "+46701234567"),
    ("08-123 45 67", "+4681234567"),
    ("08-123 45", "+46812345"),
    ("0498-12 34 56", "+46498123456"),
    ("031 - 123 456", "+4631123456"),
    ("+46 70 123 45 67", "+46701234567"),
    ("0046 8 123 45 67", "+4681234567"),
    ("+44 20 7946 0958", "+442079460958"),
    ("+1 212-555-0100", "+12125550100"),
])
def test_plausible_numbers_are_accepted(typed: str, international: str) -> None:
    assert e164(typed) == international
    assert phone_error(typed) is None


@pytest.mark.parametrize("typed", [
    "070-1",  # a mobile number is 10 digits
    "070-123 45 678",
    "08-1234",  # fewer than 5 digits after the area code
    "08-123 456 789",  # more than 8
    "08123-45",  # area code too long before the dash
    "123 45 67",  # neither 0 nor +
    "+46 70 1",
    "+44 20",  # too short for any country
    "+0 123 456 789",
    "+1234567890123456",  # longer than E.164 allows
    "ring mig",
    "070(123)4567",
    "070/1234567",
])
def test_implausible_numbers_are_refused(typed: str) -> None:
    message = phone_error(typed)
    assert message
    with pytest.raises(InvalidPhone):
        normalize(typed)


def test_stored_as_typed_with_spaces_tidied() -> None:
    assert normalize("  070-123   45 67 ") == "070-123 45 67"


def test_empty_is_fine_unless_required() -> None:
    assert phone_error("  ") is None
    assert phone_error("", required=True) == "Ange ett telefonnummer."


def test_wrong_characters_say_so() -> None:
    assert phone_error("ring mig") == ("Telefonnumret får bara innehålla siffror, mellanslag, "
                                       "bindestreck och +.")
    assert "tio siffror" in (phone_error("070-1") or "")
