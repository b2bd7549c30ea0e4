"""The access log: the access check, audit rows and the log review."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    routers=("views", "signal_views", "api", "signal_api"), models="models",
    kinds=("items",), jobs=("jobs",), demo="demo:seed",
)
