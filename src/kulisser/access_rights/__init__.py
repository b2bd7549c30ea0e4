"""Access rights (behörigheter): the systems catalogue, role profiles with their needs-and-risk
analyses, access orders, introduction checklists and the periodic access review."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__, models="models",
    # The fixed paths (/behorigheter/introduktion/ny, .../checklistor) before the {id} ones.
    routers=("views", "intro_checklist_views", "intro_views", "intro_api"),
    kinds=("intro_items",), demo="demo:seed",
)
