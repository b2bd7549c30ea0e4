"""Access rights (behörigheter): the systems catalogue, role profiles with their needs-and-risk
analyses, access orders, introduction checklists and the periodic access review."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__, models="models",
    # Fixed paths (/behorigheter/introduktion/ny, .../checklistor, .../bestallningar/ny)
    # come before the {id} ones of the same part.
    routers=("views", "intro_checklist_views", "intro_views", "intro_api",
             "review_views", "review_api"),
    kinds=("intro_items", "review_items"), jobs=("review_jobs",), demo="demo:seed",
)
