"""Record requests: copies of the record (journalkopior) and log extracts (loggutdrag)."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    # views.py defines its fixed paths (/journalkopior/ny ...) before /journalkopior/{id}.
    routers=("views", "api"), models="models", kinds=("items",), demo="demo:seed",
)
