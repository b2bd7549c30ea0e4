"""Record requests: copies of the record (journalkopior) and log extracts (loggutdrag)."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__, models="models",
    # The fixed paths (/journalkopior/ny, /journalkopior/delegering, the API's /delegations,
    # /releases, /fee-quote) come before the /journalkopior/{id} routes.
    routers=("review_views", "review_api", "compile_views", "compile_api", "views", "api"),
    kinds=("items",), subscribers="subscribers", demo="demo:seed",
)
