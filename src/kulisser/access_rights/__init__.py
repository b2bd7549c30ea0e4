"""Access rights (behörigheter): the systems catalogue, role profiles with their needs-and-risk
analyses, access orders, introduction checklists and the periodic access review."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__, models="models",
    routers=(
        "catalogue_views", "catalogue_api",  # profiles (item 2)
    ),
)
