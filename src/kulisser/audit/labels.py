"""The Swedish words for the codes audit rows keep: outcomes, actions and objects.

The one mapping the log review, its CSV and the API's labels use. Every action and object
type the code writes must be here: tests/unit/test_audit_labels.py walks the source for them.
"""

from __future__ import annotations

from kulisser.i18n import N_, _

OUTCOMES: dict[str, str] = {"allowed": N_("Tillåten"), "emergency": N_("Nödåtkomst"),
                            "denied": N_("Nekad"),
                            # A care relation started for a patient already on file (followed up).
                            "relation": N_("Ny vårdrelation")}
ACTIONS: dict[str, str] = {"read": N_("Läsning"), "list": N_("Visad i lista"),
                           "create": N_("Registrering"), "update": N_("Ändring"),
                           "sign": N_("Signering"), "emergency": N_("Nödåtkomst begärd"),
                           "export": N_("Export"),
                           "release": N_("Utlämnande"),
                           # A request under a login whose assignment has ended (staff register).
                           "login": N_("Inloggning")}
OBJECT_TYPES: dict[str, str] = {
    "audit_log": N_("Åtkomstloggen"), "audit_signal": N_("Loggsignal"),
    "audit_watch": N_("Bevakningslista"), "appointment": N_("Besök"), "booking_day": N_("Tidbok (dag)"),
    "booking_waitlist": N_("Väntelista (vid bokning)"),
    "care_contact": N_("Vårdkontakt (kodning)"),
    "register_export": N_("Export till patientregistret"),
    "care_contact_fhir": N_("Vårdkontakt (FHIR)"),
    "care_relation": N_("Vårdrelation"), "dictation": N_("Diktat"),
    "dictation_audio": N_("Diktat (ljud)"), "dictation_list": N_("Diktatlista"),
    "dictation_text": N_("Diktat (text)"), "glossary_term": N_("Ordlisteterm"),
    "identity_lookup": N_("Sökning på identitetsnummer"),
    "letter": N_("Brev"), "letter_pdf": N_("Brev (PDF)"), "outgoing_referral": N_("Utgående remiss"),
    "outgoing_referral_list": N_("Lista över utgående remisser"), "patient": N_("Patient"),
    "patient_letters": N_("Patientens brev"), "patient_search": N_("Patientsökning"),
    "patient_visits": N_("Patientens besök"), "print_batch": N_("Utskrift av brev"),
    "referral": N_("Remiss"), "referral_attachment": N_("Remissbilaga"),
    "referral_list": N_("Remisslista"), "referral_template": N_("Remissmall"), "result": N_("Provsvar"),
    "result_list": N_("Provsvarslista"), "schedule": N_("Schema"),
    "schedule_exception": N_("Schemaundantag"), "schedule_template": N_("Schemapass"),
    "signed_note": N_("Signerad anteckning"), "signed_note_fhir": N_("Signerad anteckning (FHIR)"),
    "slot": N_("Tid i tidboken"), "sms_opt_out": N_("Val om sms-påminnelser"),
    "waitlist": N_("Väntelista"), "waitlist_entry": N_("Post på väntelistan"),
    "waitlist_export": N_("Export av väntelistan"), "work_item": N_("Ärende"),
    "worklist": N_("Arbetslista"), "audit_event": N_("Loggrad"), "audit_sample": N_("Stickprov"),
    "emergency_access": N_("Nödåtkomst"),
    "record_delegation": N_("Delegation om utlämnande"),
    "record_request": N_("Begäran om journalkopia"),
    "record_request_export": N_("Export av begäranden om journalkopior"),
    "record_copy": N_("Journalkopia (sammanställning)"),
    "staff_assignment": N_("Medarbetaruppdrag"), "staff_person": N_("Person i personalregistret"),
    # Access rights (issue 13 items 2-5): refusals of another unit's records are logged.
    "introduction": N_("Introduktion av nyanställd"), "role_profile": N_("Rollprofil"),
    "access_order": N_("Behörighetsbeställning"), "access_review": N_("Behörighetsuppföljning"),
    "risk_analysis": N_("Behovs- och riskanalys"),
    "access_system": N_("System i behörighetskatalogen"),
    # The monthly report to leadership (issue 15 item 5): another unit's report is refused.
    "stats_report": N_("Månadsrapport"),
}


def outcome_label(code: str) -> str:
    """The Swedish word for an outcome code (the code itself if unknown)."""
    return _(OUTCOMES[code]) if code in OUTCOMES else code


def action_label(code: str) -> str:
    """The Swedish word for an action code (the code itself if unknown)."""
    return _(ACTIONS[code]) if code in ACTIONS else code


def object_label(code: str, object_id: str | None = None) -> str:
    """The Swedish word for an object type, with its id as "nr 55" when there is one."""
    label = _(OBJECT_TYPES[code]) if code in OBJECT_TYPES else code
    return _("{label} nr {id}", label=label, id=object_id) if object_id else label
