"""Access rights (behörigheter): the systems catalogue, role profiles with their needs-and-risk
analyses, access orders, introduction checklists and the periodic access review."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__, models="models",
    routers=("intro_checklist_views", "intro_views", "intro_api"),
    kinds=("intro_items",),
    demo="demo_intro:seed",
)
