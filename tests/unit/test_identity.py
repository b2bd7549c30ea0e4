"""Unit tests for kulisser.identity (Swedish identity numbers). Pure logic, no I/O."""

from __future__ import annotations

import dataclasses
import random
from datetime import date

import pytest

from kulisser.identity import (
    PERSONNUMMER_OID,
    PERSONNUMMER_SYSTEM,
    RESERVNUMMER_SYSTEM,
    SAMORDNINGSNUMMER_OID,
    SAMORDNINGSNUMMER_SYSTEM,
    Identifier,
    IdKind,
    InvalidIdentifier,
    generate_personnummer,
    looks_like_identity_number,
    luhn_check_digit,
    parse_identifier,
)

TODAY = date(2026, 11, 23)


def reference_luhn_valid(ten_digits: str) -> bool:
    """Independent textbook Luhn: double every second digit from the right."""
    total = 0
    for i, ch in enumerate(reversed(ten_digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def with_check(nine: str) -> str:
    """Append the correct check digit (found by brute force against the reference Luhn)."""
    (digit,) = [c for c in "0123456789" if reference_luhn_valid(nine + c)]
    return nine + digit


def assert_invalid(text: str, code: str, **kwargs: object) -> InvalidIdentifier:
    with pytest.raises(InvalidIdentifier) as excinfo:
        parse_identifier(text, **kwargs)  # type: ignore[arg-type]
    assert excinfo.value.code == code
    assert excinfo.value.message
    return excinfo.value


# --- Luhn --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nine", "expected"),
    [("121212121", 2), ("701063239", 1), ("811218987", 6)],
)
def test_luhn_known_public_numbers(nine: str, expected: int) -> None:
    assert luhn_check_digit(nine) == expected


def test_luhn_agrees_with_reference_for_random_inputs() -> None:
    rng = random.Random(7)
    for _ in range(2000):
        nine = f"{rng.randrange(10**9):09d}"
        check = luhn_check_digit(nine)
        assert 0 <= check <= 9
        assert reference_luhn_valid(nine + str(check))
        assert not reference_luhn_valid(nine + str((check + 1) % 10))


@pytest.mark.parametrize("bad", ["", "12121212", "1212121212", "12121212a", "١٢١٢١٢١٢١"])
def test_luhn_rejects_non_nine_ascii_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        luhn_check_digit(bad)


# --- Accepted input forms ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("19121212-1212", "191212121212"),
        ("191212121212", "191212121212"),
        ("  19121212-1212 \n", "191212121212"),
        ("121212+1212", "191212121212"),
        ("\t121212+1212 ", "191212121212"),
        # Ten digits with "-" or nothing: latest century not after today -> 2012.
        ("121212-1212", "201212121212"),
        ("1212121212", "201212121212"),
        ("811218-9876", "198112189876"),
    ],
)
def test_parse_accepted_forms(text: str, value: str) -> None:
    ident = parse_identifier(text, today=TODAY)
    assert ident == Identifier(IdKind.PERSONNUMMER, value)
    assert ident.kind is IdKind.PERSONNUMMER
    assert ident.value == value


def test_parse_known_test_number_accessors() -> None:
    ident = parse_identifier("19121212-1212", today=TODAY)
    assert ident.birth_date() == date(1912, 12, 12)
    assert ident.sex() == "male"
    assert ident.formatted() == "19121212-1212"
    assert ident.formatted(today=TODAY) == "19121212-1212"
    assert ident.short(today=TODAY) == "121212+1212"
    assert ident.short(today=date(2011, 12, 31)) == "121212-1212"
    assert ident.short(today=date(2012, 1, 1)) == "121212+1212"  # from the year they turn 100
    assert ident.system == PERSONNUMMER_SYSTEM
    assert ident.oid == PERSONNUMMER_OID


def test_parse_explicit_kind_accepts_str_and_enum() -> None:
    a = parse_identifier("19121212-1212", kind="personnummer", today=TODAY)
    b = parse_identifier("19121212-1212", kind=IdKind.PERSONNUMMER, today=TODAY)
    assert a == b == Identifier(IdKind.PERSONNUMMER, "191212121212")


def test_parse_defaults_today_to_real_clock() -> None:
    assert parse_identifier("19121212-1212").value == "191212121212"


# --- Invalid input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "19121212-1213",
        "191212121211",
        "121212-1210",
        "121212+1213",
        "701063-2392",
        "811218-9875",
    ],
)
def test_bad_check_digit(text: str) -> None:
    err = assert_invalid(text, "bad_check_digit", today=TODAY)
    assert err.message == "Kontrollsiffran stämmer inte."
    assert str(err) == err.message


@pytest.mark.parametrize(
    "twelve",
    [
        "19230229" + "123",  # 1923 is not a leap year
        "20230229" + "123",
        "19000229" + "123",  # century year, not a leap year
        "19121312" + "123",  # month 13
        "19120012" + "123",  # month 00
        "19120100" + "123",  # day 00
        "19120132" + "123",  # day 32
        "19120431" + "123",  # 31 April
        "19120160" + "123",  # day 60: neither pnr nor snr
        "19120192" + "123",  # day 92: 32 + 60
        "19700291" + "123",  # samordningsnummer for 31 February
    ],
)
def test_impossible_dates_with_correct_check_digit(twelve: str) -> None:
    full = twelve[:2] + with_check(twelve[2:])
    err = assert_invalid(full, "bad_date", today=TODAY)
    assert err.message == "Datumet finns inte."
    assert_invalid(f"{full[:8]}-{full[8:]}", "bad_date", today=TODAY)


@pytest.mark.parametrize("prefix", ["20240229", "20000229", "19960229"])
def test_leap_days_are_real_dates(prefix: str) -> None:
    full = prefix[:2] + with_check(prefix[2:] + "123")
    ident = parse_identifier(full, today=TODAY)
    assert ident.birth_date() == date(int(prefix[:4]), 2, 29)


def test_ten_digit_leap_day_century_matters() -> None:
    short = with_check("000229123")
    ident = parse_identifier(f"{short[:6]}-{short[6:]}", today=TODAY)
    assert ident.birth_date() == date(2000, 2, 29)
    # With "+", it would be 1900-02-29, which does not exist.
    assert_invalid(f"{short[:6]}+{short[6:]}", "bad_date", today=TODAY)


def test_future_birth_date_rejected() -> None:
    tomorrow = "20261124"
    full = tomorrow[:2] + with_check(tomorrow[2:] + "123")
    err = assert_invalid(full, "future_date", today=TODAY)
    assert "framtiden" in err.message
    today_full = "20" + with_check("261123123")
    assert parse_identifier(today_full, today=TODAY).birth_date() == TODAY


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "Anna Andersson",
        "19121212-121",
        "1912121212123",
        "191212-121212",
        "19121212+1212",  # "+" is only meaningful in the ten-digit form
        "121212--1212",
        "12121-21212",
        "19121212 1212",
        "121212-121a",
        "١٢١٢١٢-١٢١٢",  # Arabic-Indic digits are not accepted
        "１２１２１２-１２１２",  # full-width digits neither
        "12121212",
    ],
)
def test_bad_format(text: str) -> None:
    err = assert_invalid(text, "bad_format", today=TODAY)
    assert err.message == "Ange 10 eller 12 siffror, t.ex. 19121212-1212."


def test_invalid_identifier_is_value_error() -> None:
    err = InvalidIdentifier("Datumet finns inte.", "bad_date")
    assert isinstance(err, ValueError)
    assert (err.message, err.code) == ("Datumet finns inte.", "bad_date")


def test_unknown_kind_is_programming_error_not_user_error() -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_identifier("19121212-1212", kind="passport")
    assert not isinstance(excinfo.value, InvalidIdentifier)


# --- Samordningsnummer ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["701063-2391", "7010632391", "19701063-2391", "197010632391"])
def test_samordningsnummer(text: str) -> None:
    ident = parse_identifier(text, today=TODAY)
    assert ident == Identifier(IdKind.SAMORDNINGSNUMMER, "197010632391")
    assert ident.kind is IdKind.SAMORDNINGSNUMMER
    assert ident.birth_date() == date(1970, 10, 3)
    assert ident.sex() == "male"
    assert ident.formatted() == "19701063-2391"
    assert ident.short(today=TODAY) == "701063-2391"
    assert ident.system == SAMORDNINGSNUMMER_SYSTEM
    assert ident.oid == SAMORDNINGSNUMMER_OID
    assert parse_identifier(text, kind="samordningsnummer", today=TODAY) == ident


def test_kind_mismatch_personnummer_expected() -> None:
    err = assert_invalid("701063-2391", "wrong_kind", kind="personnummer", today=TODAY)
    assert "samordningsnummer" in err.message


def test_kind_mismatch_samordningsnummer_expected() -> None:
    err = assert_invalid("19121212-1212", "wrong_kind", kind=IdKind.SAMORDNINGSNUMMER, today=TODAY)
    assert "personnummer" in err.message


def test_kind_mismatch_reports_real_errors_first() -> None:
    assert_invalid("701063-2392", "bad_check_digit", kind="personnummer", today=TODAY)


# --- Century inference -------------------------------------------------------------------


def _ten(yymmdd: str, sep: str, serial: str = "123") -> str:
    digits = with_check(yymmdd + serial)
    return f"{digits[:6]}{sep}{digits[6:]}"


@pytest.mark.parametrize("sep", ["-", ""])
def test_century_date_later_this_year_means_previous_century(sep: str) -> None:
    assert parse_identifier(_ten("261124", sep), today=TODAY).birth_date() == date(1926, 11, 24)
    assert parse_identifier(_ten("261231", sep), today=TODAY).birth_date() == date(1926, 12, 31)


@pytest.mark.parametrize("sep", ["-", ""])
def test_century_up_to_today_is_this_century(sep: str) -> None:
    assert parse_identifier(_ten("261123", sep), today=TODAY).birth_date() == TODAY
    assert parse_identifier(_ten("260101", sep), today=TODAY).birth_date() == date(2026, 1, 1)
    assert parse_identifier(_ten("000101", sep), today=TODAY).birth_date() == date(2000, 1, 1)


@pytest.mark.parametrize("sep", ["-", ""])
def test_century_later_year_digits_mean_previous_century(sep: str) -> None:
    assert parse_identifier(_ten("270101", sep), today=TODAY).birth_date() == date(1927, 1, 1)
    assert parse_identifier(_ten("991231", sep), today=TODAY).birth_date() == date(1999, 12, 31)


def test_century_plus_separator_is_hundred_or_older() -> None:
    assert parse_identifier(_ten("121212", "+"), today=TODAY).birth_date() == date(1912, 12, 12)
    assert parse_identifier(_ten("261123", "+"), today=TODAY).birth_date() == date(1926, 11, 23)
    assert parse_identifier(_ten("270101", "+"), today=TODAY).birth_date() == date(1827, 1, 1)
    # "+" applies from the calendar year someone turns 100, even before the birthday.
    assert parse_identifier(_ten("261224", "+"), today=TODAY).birth_date() == date(1926, 12, 24)


def test_century_inference_on_new_years_eve_and_day() -> None:
    eve, new_year = date(2025, 12, 31), date(2026, 1, 1)
    assert parse_identifier(_ten("260101", "-"), today=eve).birth_date() == date(1926, 1, 1)
    assert parse_identifier(_ten("260101", "-"), today=new_year).birth_date() == new_year
    assert parse_identifier(_ten("251231", "-"), today=eve).birth_date() == eve


def test_short_form_round_trips_on_the_same_day() -> None:
    rng = random.Random(2026)
    todays = [TODAY, date(2026, 1, 1), date(2025, 12, 31), date(2000, 2, 29), date(2040, 6, 1)]
    for _ in range(500):
        ident = generate_personnummer(rng, samordningsnummer=rng.random() < 0.2)
        for today in todays:
            born = ident.birth_date()
            assert born is not None
            if born > today:
                continue
            short = ident.short(today=today)
            assert short[6] == ("+" if today.year - born.year >= 100 else "-")
            assert parse_identifier(short, today=today) == ident


# --- Reservnummer --------------------------------------------------------------------------


def test_reservnummer_normalized_and_kept_apart() -> None:
    ident = parse_identifier("  abc-123 ", kind="reservnummer")
    assert ident == Identifier(IdKind.RESERVNUMMER, "ABC-123")
    assert ident.system == RESERVNUMMER_SYSTEM
    assert ident.oid is None
    assert ident.birth_date() is None
    assert ident.sex() is None
    assert ident.formatted() == "ABC-123"
    assert ident.short() == "ABC-123"


def test_valid_personnummer_typed_as_reservnummer_stays_reservnummer() -> None:
    reserv = parse_identifier("19121212-1212", kind=IdKind.RESERVNUMMER)
    pnr = parse_identifier("19121212-1212", today=TODAY)
    assert reserv.kind is IdKind.RESERVNUMMER
    assert reserv.value == "19121212-1212"
    assert reserv != pnr
    assert reserv.system != pnr.system


@pytest.mark.parametrize("text", ["ABC123", "R-1234", "99-12345"])
def test_auto_detection_never_yields_reservnummer(text: str) -> None:
    assert_invalid(text, "bad_format", today=TODAY)


def test_reservnummer_length_limits() -> None:
    assert parse_identifier("x", kind="reservnummer").value == "X"
    assert parse_identifier("9" * 20, kind="reservnummer").value == "9" * 20
    assert_invalid("9" * 21, "bad_format", kind="reservnummer")


@pytest.mark.parametrize("text", ["", "   ", "AB 12", "AB_12", "ÅÄÖ1", "AB+12", "١٢٣"])
def test_reservnummer_rejects_bad_characters(text: str) -> None:
    err = assert_invalid(text, "bad_format", kind="reservnummer")
    assert "reservnummer" in err.message.lower()


# --- Identifier construction ---------------------------------------------------------------


def test_identifier_is_frozen_and_hashable() -> None:
    ident = Identifier(IdKind.PERSONNUMMER, "191212121212")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ident.value = "x"  # type: ignore[misc]
    assert {ident, Identifier(IdKind.PERSONNUMMER, "191212121212")} == {ident}


def test_identifier_coerces_kind_from_string() -> None:
    ident = Identifier("personnummer", "191212121212")  # type: ignore[arg-type]
    assert ident.kind is IdKind.PERSONNUMMER


@pytest.mark.parametrize(
    ("kind", "value", "code"),
    [
        (IdKind.PERSONNUMMER, "19121212-1212", "bad_format"),
        (IdKind.PERSONNUMMER, "1212121212", "bad_format"),
        (IdKind.PERSONNUMMER, "197010632391", "wrong_kind"),
        (IdKind.SAMORDNINGSNUMMER, "191212121212", "wrong_kind"),
        (IdKind.RESERVNUMMER, "abc", "bad_format"),
        (IdKind.RESERVNUMMER, "", "bad_format"),
    ],
)
def test_identifier_rejects_non_normalized_values(kind: IdKind, value: str, code: str) -> None:
    with pytest.raises(InvalidIdentifier) as excinfo:
        Identifier(kind, value)
    assert excinfo.value.code == code


# --- Sex -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("serial", "sex"),
    [("121", "male"), ("123", "male"), ("129", "male"), ("120", "female"), ("128", "female")],
)
def test_sex_from_second_to_last_digit(serial: str, sex: str) -> None:
    ident = parse_identifier("19" + with_check("800101" + serial), today=TODAY)
    assert ident.sex() == sex


# --- Search-box heuristic ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["19121212-1212", "191212121212", "121212-1212", "121212+1212", "1212121212", " 701063-2391 "],
)
def test_looks_like_identity_number_true(text: str) -> None:
    assert looks_like_identity_number(text)


@pytest.mark.parametrize(
    "text",
    ["", "Anna", "Anna 191212", "1912", "19121212", "121212-121", "1912121212123", "12-12-12"],
)
def test_looks_like_identity_number_false(text: str) -> None:
    assert not looks_like_identity_number(text)


# --- Generator -----------------------------------------------------------------------------


def test_generate_round_trips_for_1000_seeds() -> None:
    personnummer = pytest.importorskip("personnummer.personnummer")
    for seed in range(1000):
        ident = generate_personnummer(random.Random(seed))
        assert ident.kind is IdKind.PERSONNUMMER
        assert reference_luhn_valid(ident.value[2:])
        assert personnummer.valid(ident.value)
        born = ident.birth_date()
        assert born is not None
        assert date(1920, 1, 1) <= born <= date(2020, 12, 31)
        assert parse_identifier(ident.value, today=TODAY) == ident
        assert parse_identifier(ident.formatted(), today=TODAY) == ident
        assert parse_identifier(ident.short(today=TODAY), today=TODAY) == ident
        assert parse_identifier(ident.value, kind="personnummer", today=TODAY) == ident


def test_generate_is_deterministic_per_seed() -> None:
    a = [generate_personnummer(random.Random(42)) for _ in range(3)]
    b = [generate_personnummer(random.Random(42)) for _ in range(3)]
    assert a == b
    rng = random.Random(1)
    assert len({generate_personnummer(rng).value for _ in range(200)}) > 190


def test_generate_respects_birth_date_and_sex() -> None:
    rng = random.Random(3)
    for _ in range(200):
        born = date(1985, 7, 31)
        male = generate_personnummer(rng, birth_date=born, sex="male")
        female = generate_personnummer(rng, birth_date=born, sex="female")
        assert male.birth_date() == female.birth_date() == born
        assert male.sex() == "male"
        assert female.sex() == "female"
        assert male.value[8:11] != "000"
        assert female.value[8:11] != "000"
        assert parse_identifier(male.formatted(), today=TODAY) == male
        assert parse_identifier(female.formatted(), today=TODAY) == female


def test_generate_samordningsnummer_round_trips() -> None:
    for seed in range(300):
        ident = generate_personnummer(random.Random(seed), samordningsnummer=True)
        assert ident.kind is IdKind.SAMORDNINGSNUMMER
        assert int(ident.value[6:8]) > 60
        assert parse_identifier(ident.formatted(), today=TODAY) == ident
        assert parse_identifier(ident.value, kind="samordningsnummer", today=TODAY) == ident
    leap = generate_personnummer(
        random.Random(0), birth_date=date(2000, 2, 29), samordningsnummer=True
    )
    assert leap.value[:8] == "20000289"
    assert leap.birth_date() == date(2000, 2, 29)


def test_generate_rejects_unknown_sex() -> None:
    with pytest.raises(ValueError):
        generate_personnummer(random.Random(0), sex="other")


# --- FHIR systems --------------------------------------------------------------------------


def test_fhir_systems_and_oids() -> None:
    assert PERSONNUMMER_SYSTEM == "http://electronichealth.se/identifier/personnummer"
    assert SAMORDNINGSNUMMER_SYSTEM == "http://electronichealth.se/identifier/samordningsnummer"
    assert RESERVNUMMER_SYSTEM == "urn:kulisser:reservnummer"
    assert PERSONNUMMER_OID == "1.2.752.129.2.1.3.1"
    assert SAMORDNINGSNUMMER_OID == "1.2.752.129.2.1.3.3"
    assert str(IdKind.PERSONNUMMER) == "personnummer"
    assert [k.value for k in IdKind] == ["personnummer", "samordningsnummer", "reservnummer"]
