"""Web helpers: layout templates, static files, htmx and API helpers, the API docs page."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    routers=("api_docs",),
)
