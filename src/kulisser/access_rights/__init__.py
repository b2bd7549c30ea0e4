"""Access rights (behörigheter): the systems catalogue, role profiles with their needs-and-risk
analyses, access orders, introduction checklists and the periodic access review."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__, models="models",
    # Within each part the fixed paths (/ny, .csv, /analyser, /checklistor, /rader/{id}) come
    # before the {id} ones.
    routers=("views", "catalogue_views", "catalogue_api", "order_views", "order_api",
             "intro_checklist_views", "intro_views", "intro_api", "review_views", "review_api"),
    kinds=("order_items", "intro_items", "review_items", "analysis_items"), jobs=("review_jobs",),
    demo="demo:seed",
)
