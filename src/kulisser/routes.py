"""Every router of the application, in one list (new packages add theirs here)."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """The page and API routers, imported late so that kinds register first."""
    from kulisser.audit import api as audit_api
    from kulisser.audit import views as audit_views
    from kulisser.booking import api as booking_api
    from kulisser.booking import schedule_views as booking_schedule_views
    from kulisser.booking import views as booking_views
    from kulisser.dictation import api as dictation_api
    from kulisser.dictation import quality_views as dictation_quality_views
    from kulisser.dictation import views as dictation_views
    from kulisser.letters import api as letters_api
    from kulisser.letters import print_views as letters_print_views
    from kulisser.letters import views as letters_views
    from kulisser.patients import api as patients_api
    from kulisser.patients import views as patients_views
    from kulisser.reception import views as reception_views
    from kulisser.referrals import api as referrals_api
    from kulisser.referrals import outgoing_views as referrals_outgoing_views
    from kulisser.referrals import views as referrals_views
    from kulisser.results import api as results_api
    from kulisser.results import views as results_views
    from kulisser.staff import views as staff_views
    from kulisser.waitlist import api as waitlist_api
    from kulisser.waitlist import entry_views as waitlist_entry_views
    from kulisser.waitlist import views as waitlist_views
    from kulisser.web import api_docs
    from kulisser.worklist import api as worklist_api
    from kulisser.worklist import views as worklist_views

    return [
        staff_views.router,
        worklist_views.router,
        patients_views.router,
        reception_views.router,
        audit_views.router,
        # Before the dictation pages: /diktat/{dictation_id} would catch /diktat/kvalitet.
        dictation_quality_views.router,
        dictation_views.router,
        patients_api.router,
        worklist_api.router,
        audit_api.router,
        dictation_api.router,
        results_views.router,
        results_api.router,
        # Before the referral pages: /remisser/{referral_id} would catch /remisser/utgaende.
        referrals_outgoing_views.router,
        referrals_views.router,
        referrals_api.router,
        waitlist_views.router,
        waitlist_entry_views.router,
        waitlist_api.router,
        # Before the letter pages: /brev/{letter_id} would catch /brev/utskrift and /brev/mallar.
        letters_print_views.router,
        letters_views.router,
        letters_api.router,
        booking_views.router,
        booking_schedule_views.router,
        booking_api.router,
        api_docs.router,
    ]
