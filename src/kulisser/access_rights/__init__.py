"""Access rights (behörigheter): the systems catalogue, role profiles with their needs-and-risk
analyses, access orders, introduction checklists and the periodic access review."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__, models="models",
    routers=("review_views", "review_api"),
    kinds=("review_items",),
    jobs=("review_jobs",),
)
