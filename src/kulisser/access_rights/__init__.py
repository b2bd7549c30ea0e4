"""Access rights (behörigheter): the systems catalogue, role profiles with their needs-and-risk
analyses, access orders, introduction checklists and the periodic access review."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__, models="models",
    # Orders: the fixed paths (/ny, .csv, /rader/{id}) come before /{order_id} in order_views.
    routers=("order_views", "order_api"),
    kinds=("order_items",),
)
