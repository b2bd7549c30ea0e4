"""The import's readers without a database: flags, ranges, CSV rows, flat lines, FHIR validation."""

from __future__ import annotations

import json

import pytest

from kulisser.errors import ValidationFailed
from kulisser.results import fhir
from kulisser.results.formats import (
    CsvFormatError,
    Incoming,
    IncomingValue,
    RowError,
    interpret,
    parse_range,
    read_csv,
    read_flat_line,
)
from tests.results.helpers import csv_drop, observation, report


@pytest.mark.parametrize(("flag", "value", "abnormal", "critical"), [
    ("", 140.0, False, False),
    ("N", 140.0, False, False),
    ("H", 160.0, True, False),
    ("l", 100.0, True, False),  # case does not matter
    ("HH", 250.0, True, True),
    ("LL", 50.0, True, True),
    ("AA", None, True, True),
    ("", 100.0, True, False),  # below the range without a flag: still abnormal
    ("N", 170.0, True, False),  # a "normal" flag does not hide a value outside the range
    ("ZZ", 140.0, True, False),  # an unknown flag is never quietly normal
])
def test_interpretation(flag: str, value: float | None, abnormal: bool, critical: bool) -> None:
    v = IncomingValue(value_num=value, ref_low=117, ref_high=153, flag=flag)
    notes = interpret(v)
    assert (v.abnormal, v.critical) == (abnormal, critical)
    assert bool(notes) == (flag == "ZZ")


@pytest.mark.parametrize(("text", "expected"), [
    ("3,0-5,0", (3.0, 5.0)), ("3.5 – 4.4", (3.5, 4.4)), ("<5", (None, 5.0)),
    ("> 60", (60.0, None)), ("≤ 0,5", (None, 0.5)), ("normalt", (None, None)), ("", (None, None)),
])
def test_reference_ranges(text: str, expected: tuple[float | None, float | None]) -> None:
    assert parse_range(text) == expected


def test_csv_rows_each_become_a_result_or_a_row_error() -> None:
    data = csv_drop("A1;191212121212;lakare;718-7;Hemoglobin;95;g/L;117-153;L;2026-11-20 10:00;Hemolys?",
                    ";191212121212;;K;Kalium;4,1;mmol/L;3,5-4,4;;;",
                    "A3;19121212-1213;;K;Kalium;5,9;mmol/L;3,5-4,4;;inte en tid;")
    rows = read_csv(data)
    first, second, third = rows
    assert isinstance(first, Incoming) and isinstance(third, Incoming)
    assert first.row == 2 and first.source_system == "urn:kulisser:csv" and first.source_id == "A1"
    assert first.identifier == "191212121212" and first.clinician == "lakare"
    assert first.values[0].value_num == 95 and first.values[0].abnormal and first.title == "Hemoglobin"
    assert first.issued_at is not None and first.issued_at.utcoffset() is not None
    assert json.loads(first.raw)["text"] == "Hemolys?"  # the raw row is kept as it was
    assert isinstance(second, RowError) and second.row == 3 and "sender_id" in second.message
    # A bad time is noted and left empty; the value above its range is abnormal without a flag.
    assert third.issued_at is None and "Svarstiden" in " ".join(third.notes)
    assert third.values[0].abnormal


def test_csv_with_swedish_headers_commas_and_windows_encoding() -> None:
    text = "Avsändar-id,Personnummer,Analys,Värde,Enhet,Avvikelse\nB1,191212121212,Kalium,\"4,1\",mmol/L,\n"
    [row] = read_csv(text.encode("cp1252"))
    assert isinstance(row, Incoming) and row.source_id == "B1" and row.values[0].value_num == 4.1
    with pytest.raises(CsvFormatError, match="sender_id"):
        read_csv(b"namn;varde\nx;1\n")
    with pytest.raises(CsvFormatError, match="tom"):
        read_csv(b"  \n")


def test_flat_json_lines() -> None:
    ok = read_flat_line('{"sender_id": "J1", "identity_number": 191212121212, "value": 4.2}', row=7)
    assert isinstance(ok, Incoming) and ok.row == 7 and ok.identifier == "191212121212"
    assert ok.source_system == "urn:kulisser:jsonl" and ok.values[0].value == "4.2"
    bad = read_flat_line('{"sender_id": "J2", "valeu": 1}', row=8)
    assert isinstance(bad, RowError) and "valeu" in bad.message
    assert isinstance(read_flat_line("not json", row=9), RowError)


def test_fhir_report_with_contained_values_orderer_and_patient() -> None:
    body = report("191212121212", orderer="SE2321000016-ABCD",
                  values=[observation("a", value=95, flag="L"), observation("b", value=140)])
    [inc] = fhir.read(body)
    assert inc.source_system == "urn:oid:1.2.752.99.1" and inc.identifier == "191212121212"
    assert inc.identifier_kind == "personnummer" and inc.clinician == "SE2321000016-ABCD"
    assert [v.abnormal for v in inc.values] == [True, False] and inc.abnormal and not inc.critical
    assert inc.values[0].ref_low == 117 and inc.values[0].unit == "g/L"
    assert json.loads(inc.raw)["resourceType"] == "DiagnosticReport"


def test_fhir_bundle_and_single_observation() -> None:
    obs = observation("x", value=3.0, low=3.5, high=4.4) | {"identifier": [{"value": "OBS-1"}]}
    dr = report("191212121212", values=[])
    dr["result"] = [{"reference": "urn:uuid:obs-1"}]
    loose = observation("y", value=5.0) | {"id": "y", "subject": {"identifier": {"value": "191212121212"}}}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:obs-1", "resource": obs}, {"resource": dr}, {"resource": loose}]}
    first, second = fhir.read(bundle)
    assert first.values[0].abnormal and first.values[0].ref_high == 4.4
    assert json.loads(first.raw)["resourceType"] == "Bundle"  # the report with its observation
    assert second.source_id == "y" and second.source_system == "urn:kulisser:fhir:Observation"


@pytest.mark.parametrize(("payload", "field", "message"), [
    ({"resourceType": "Patient"}, "resourceType", "Endast"),
    ({"resourceType": "DiagnosticReport", "status": "final"}, "DiagnosticReport.code", "saknas"),
    ({"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "x"}, "bogus": 1},
     "DiagnosticReport.bogus", "Okänt"),
    ({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
      "valueQuantity": {"value": "mycket"}}, "Observation.valueQuantity.value", "Ogiltigt"),
    ({"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "x"}},
     "DiagnosticReport.identifier", "id saknas"),
    ({"resourceType": "DiagnosticReport", "id": "r", "status": "entered-in-error", "code": {"text": "x"}},
     "DiagnosticReport.status", "importeras inte"),
    ({"resourceType": "DiagnosticReport", "id": "r", "status": "final", "code": {"text": "x"},
      "result": [{"reference": "#missing"}]}, "DiagnosticReport.result.0", "Referensen"),
])
def test_invalid_fhir_names_the_path_in_swedish(payload: dict[str, object], field: str,
                                                message: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        fhir.read(payload)
    assert field in caught.value.errors, caught.value.errors
    assert message in caught.value.errors[field]
