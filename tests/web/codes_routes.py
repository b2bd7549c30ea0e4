"""Calls for tests/web/test_route_coverage.py and test_route_identity.py: the code systems'
routes (issue 14 items 1 and 4). `k` is the identity file's Known."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/coding/codes"): "code search in the ICD-10/KVÅ tables, no patient",
    ("POST", "/api/v1/coding/validate"): "checks codes, sex and age sent in the body; reads and "
                                         "stores no patient",
}

# The search box takes any text: an identity number typed into it finds no code, for a
# registered patient and an unknown number alike.
IDENTITY_ROUTES: dict[tuple[str, str], Callable[[Any, str], tuple[str, dict[str, Any]]]] = {
    ("GET", "/api/v1/coding/codes"): lambda k, n: (f"/api/v1/coding/codes?q={n}", {}),
}
