"""The access log: the access check, audit rows and the log review."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    routers=("views", "api"), models="models",
)
