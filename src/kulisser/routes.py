"""Every router of the application, in one list (new packages add theirs here)."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """The page and API routers, imported late so that kinds register first."""
    from kulisser.audit import api as audit_api
    from kulisser.audit import views as audit_views
    from kulisser.dictation import api as dictation_api
    from kulisser.patients import api as patients_api
    from kulisser.patients import views as patients_views
    from kulisser.reception import views as reception_views
    from kulisser.staff import views as staff_views
    from kulisser.worklist import api as worklist_api
    from kulisser.worklist import views as worklist_views

    return [
        staff_views.router,
        worklist_views.router,
        patients_views.router,
        reception_views.router,
        audit_views.router,
        patients_api.router,
        worklist_api.router,
        audit_api.router,
        dictation_api.router,
    ]
