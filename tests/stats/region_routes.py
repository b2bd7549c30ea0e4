"""The region's view and the stats API in the route-coverage tables: aggregates, no patient."""

from __future__ import annotations

REGION = "every unit's work figures side by side (region administrators): aggregates, no patient"
API = "the unit overview's and the region view's figures as JSON: aggregates, no patient"

NO_PATIENT_DATA: dict[tuple[str, str], str] = {
    ("GET", "/oversikt/region"): REGION,
    ("GET", "/oversikt/region.csv"): REGION,
    ("GET", "/api/v1/stats/overview"): API,
    ("GET", "/api/v1/stats/region"): API,
    ("GET", "/api/v1/stats/team"): "the team's open items and hand-overs per secretary as JSON: "
                                   "counts, no patient",
    ("GET", "/api/v1/stats/staffing"): "the staffing figure as JSON: aggregates, no patient",
    ("GET", "/oversikt/taligenkanning.csv"): "speech recognition's help per month: counts, "
                                             "no patient",
}
