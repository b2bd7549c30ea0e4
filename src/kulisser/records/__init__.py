"""Record requests: copies of the record (journalkopior) and log extracts (loggutdrag)."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__, models="models",
    # rreview's routers come before rcore's: /journalkopior/delegering and the API's fixed
    # paths (/delegations, /releases) would be caught by the {id} routes.
    routers=("review_views", "review_api"), kinds=("review_items",),
    # rreview's delegation table; rcore's demo requests come after it (merge into one seeder).
    demo="review_demo:seed",
)
