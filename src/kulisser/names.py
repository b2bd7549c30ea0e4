"""Name search that ignores case and accents: "aberg" finds "Åberg", "Hélène", "Müller"."""

from __future__ import annotations

import unicodedata


def search_key(text: str) -> str:
    """Fold a name or a search term: lower case, accents and rings dropped ("Åberg" -> "aberg")."""
    # NFKD splits "Å" into "A" and a combining ring; dropping the combining marks leaves the
    # base letter. The same fold on the stored key (Patient.search_name) and on the typed term
    # makes the search accent-blind on SQLite and PostgreSQL alike, with a plain index.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
