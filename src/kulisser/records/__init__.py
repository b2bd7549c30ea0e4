"""Record requests: copies of the record (journalkopior) and log extracts (loggutdrag)."""

from kulisser.packages import Package

PACKAGE = Package(name=__name__, models="models", routers=("compile_views", "compile_api"))
