"""Patients: identities, registration and care relations."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    routers=("views", "api"), models="models",
)
