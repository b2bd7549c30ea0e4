"""Imports every model so that Base.metadata knows all tables (Alembic, tests)."""

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
import kulisser.dictation.service
import kulisser.reception.service
import kulisser.worklist.escalation  # noqa: F401
