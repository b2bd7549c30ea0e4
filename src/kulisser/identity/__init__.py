"""Swedish patient identifiers: personnummer, samordningsnummer and reservnummer."""

from kulisser.identity.numbers import (
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

__all__ = [
    "PERSONNUMMER_OID",
    "PERSONNUMMER_SYSTEM",
    "RESERVNUMMER_SYSTEM",
    "SAMORDNINGSNUMMER_OID",
    "SAMORDNINGSNUMMER_SYSTEM",
    "IdKind",
    "Identifier",
    "InvalidIdentifier",
    "generate_personnummer",
    "looks_like_identity_number",
    "luhn_check_digit",
    "parse_identifier",
]
