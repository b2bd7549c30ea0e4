"""Coding: diagnoses (ICD-10-SE) and procedures (KVÅ) on care contacts, checked and reported."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__, models="models",
    routers=("report_views", "views", "codes_api", "api", "report_api"),
    kinds=("items", "report_items"), jobs=("report_jobs",), subscribers="subscribers",
    demo="demo:seed",
)
