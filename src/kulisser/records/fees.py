"""The fee for a copy of the record, from the unit's table.

The default follows the fees ordinance's model (avgiftsförordningen 15-16 §§): pages 1-9 are
free, the 10th page costs 50 kr and each further page 2 kr, no VAT. The patient's own first
copy is free (EU Court C-307/22, under the GDPR's right of access); a third party always pays
the table. Guardians and representatives ask on the patient's behalf and are treated as the
patient.
"""

from __future__ import annotations

from dataclasses import dataclass

from kulisser.records.states import THIRD_PARTIES, RequesterKind


@dataclass(frozen=True)
class FeeTable:
    """A unit's fee table (record_unit_rules; these defaults when the unit has none)."""

    free_pages: int = 9
    first_charged_page_sek: int = 50
    further_page_sek: int = 2


DEFAULT = FeeTable()


def fee_sek(*, pages: int, requester_kind: RequesterKind | str, first_copy: bool,
            table: FeeTable = DEFAULT) -> int:
    """The fee in whole kronor for a copy of ``pages`` pages."""
    if pages < 0:
        raise ValueError("pages must not be negative")
    kind = RequesterKind(requester_kind)
    if first_copy and kind not in THIRD_PARTIES:
        return 0
    if pages <= table.free_pages:
        return 0
    return table.first_charged_page_sek + (pages - table.free_pages - 1) * table.further_page_sek
