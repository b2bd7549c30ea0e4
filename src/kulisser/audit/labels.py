"""The Swedish words for the codes audit rows keep: outcomes, actions and objects.

The one mapping the log review, its CSV and the API's labels use. Every action and object
type the code writes must be here: tests/unit/test_audit_labels.py walks the source for them.
"""

from __future__ import annotations

from kulisser.i18n import _

OUTCOMES: dict[str, str] = {"allowed": _("Tillåten"), "emergency": _("Nödåtkomst"),
                            "denied": _("Nekad"),
                            # A care relation started for a patient already on file (followed up).
                            "relation": _("Ny vårdrelation")}
ACTIONS: dict[str, str] = {"read": _("Läsning"), "list": _("Visad i lista"),
                           "create": _("Registrering"), "update": _("Ändring"),
                           "sign": _("Signering"), "emergency": _("Nödåtkomst begärd"),
                           "export": _("Export")}
OBJECT_TYPES: dict[str, str] = {
    "audit_log": _("Åtkomstloggen"), "appointment": _("Besök"), "booking_day": _("Tidbok (dag)"),
    "booking_waitlist": _("Väntelista (vid bokning)"),
    "care_relation": _("Vårdrelation"), "dictation": _("Diktat"),
    "dictation_audio": _("Diktat (ljud)"), "dictation_list": _("Diktatlista"),
    "dictation_text": _("Diktat (text)"), "glossary_term": _("Ordlisteterm"),
    "identity_lookup": _("Sökning på identitetsnummer"),
    "letter": _("Brev"), "letter_pdf": _("Brev (PDF)"), "outgoing_referral": _("Utgående remiss"),
    "outgoing_referral_list": _("Lista över utgående remisser"), "patient": _("Patient"),
    "patient_letters": _("Patientens brev"), "patient_search": _("Patientsökning"),
    "patient_visits": _("Patientens besök"), "print_batch": _("Utskrift av brev"),
    "referral": _("Remiss"), "referral_attachment": _("Remissbilaga"),
    "referral_list": _("Remisslista"), "referral_template": _("Remissmall"), "result": _("Provsvar"),
    "result_list": _("Provsvarslista"), "schedule": _("Schema"),
    "schedule_exception": _("Schemaundantag"), "schedule_template": _("Schemapass"),
    "signed_note": _("Signerad anteckning"), "signed_note_fhir": _("Signerad anteckning (FHIR)"),
    "slot": _("Tid i tidboken"), "sms_opt_out": _("Val om sms-påminnelser"),
    "waitlist": _("Väntelista"), "waitlist_entry": _("Post på väntelistan"),
    "waitlist_export": _("Export av väntelistan"), "work_item": _("Ärende"),
    "worklist": _("Arbetslista"), "audit_event": _("Loggrad"), "audit_sample": _("Stickprov"),
    "emergency_access": _("Nödåtkomst"),
}


def outcome_label(code: str) -> str:
    """The Swedish word for an outcome code (the code itself if unknown)."""
    return OUTCOMES.get(code, code)


def action_label(code: str) -> str:
    """The Swedish word for an action code (the code itself if unknown)."""
    return ACTIONS.get(code, code)


def object_label(code: str, object_id: str | None = None) -> str:
    """The Swedish word for an object type, with its id as "nr 55" when there is one."""
    label = OBJECT_TYPES.get(code, code)
    return _("{label} nr {id}", label=label, id=object_id) if object_id else label
