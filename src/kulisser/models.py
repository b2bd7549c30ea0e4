"""Imports every model so that Base.metadata knows all tables (Alembic, tests)."""

from kulisser import events
from kulisser.audit.models import AuditEvent, AuditReview, AuditSample, EmergencyAccess
from kulisser.db import Base
from kulisser.dictation.models import Dictation, DictationEvent, GlossaryTerm, NoteType, NoteVersion
from kulisser.jobs.models import Job
from kulisser.patients.models import CareRelation, Patient
from kulisser.reception.models import PhoneMessage
from kulisser.staff.models import ApiToken, CareUnit, LoginAttempt, UnitMembership, User, UserSession
from kulisser.worklist.models import DeadlineRule, WorkItem, WorkItemEvent

__all__ = [
    "ApiToken", "AuditEvent", "AuditReview", "AuditSample", "Base", "CareRelation", "CareUnit",
    "DeadlineRule", "Dictation", "DictationEvent", "EmergencyAccess", "GlossaryTerm", "Job",
    "LoginAttempt", "NoteType", "NoteVersion", "Patient", "PhoneMessage",
    "UnitMembership", "User", "UserSession", "WorkItem", "WorkItemEvent",
]

# Kinds (and job tasks) register themselves when their service module loads.
import kulisser.booking.service  # schedules, slots, appointments (tables register with it)
import kulisser.dictation.service
import kulisser.letters.jobs  # letters (the "letter" kind) and the SMS reminder job
import kulisser.reception.service
import kulisser.referrals.service  # referrals in and out, their two kinds and jobs
import kulisser.results.service  # results and referral replies, their two kinds
import kulisser.waitlist.service  # waiting list, guarantee limits, the "waitlist" kind
import kulisser.worklist.escalation
import kulisser.worklist.invariants  # noqa: F401 - the "unowned" kind and the hourly check
from kulisser.letters import subscribers as letters_subscribers
from kulisser.waitlist import subscribers as waitlist_subscribers

# Domain event subscribers (kulisser.events), until the packages declare their own. The wait
# ends before the letter is written, as when booking called them itself.
events.install(waitlist_subscribers)
events.install(letters_subscribers)
