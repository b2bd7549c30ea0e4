"""Booking's statuses and kinds: of schedules, slots and appointments, with their Swedish labels."""

from __future__ import annotations

from enum import StrEnum

from kulisser.i18n import N_


class ResourceKind(StrEnum):
    """What a schedule belongs to."""

    CLINICIAN = "clinician"
    ROOM = "room"
    EQUIPMENT = "equipment"


RESOURCE_KIND_LABELS = {ResourceKind.CLINICIAN: N_("Läkare/vårdpersonal"), ResourceKind.ROOM: N_("Rum"),
                        ResourceKind.EQUIPMENT: N_("Utrustning")}

class ExceptionKind(StrEnum):
    """Why a schedule has no slots for a while."""

    LEAVE = "leave"
    MEETING = "meeting"
    HOLIDAY = "holiday"
    OTHER = "other"


EXCEPTION_KIND_LABELS = {ExceptionKind.LEAVE: N_("Ledighet"), ExceptionKind.MEETING: N_("Möte"),
                         ExceptionKind.HOLIDAY: N_("Helgdag/stängt"), ExceptionKind.OTHER: N_("Annat")}


class SlotStatus(StrEnum):
    """A slot is free, booked, or blocked (an exception or a clinic cancellation took it)."""

    FREE = "free"
    BOOKED = "booked"
    BLOCKED = "blocked"


class AppointmentStatus(StrEnum):
    """FHIR Appointment.status codes; rebooking moves an appointment and keeps it booked."""

    BOOKED = "booked"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"
    FULFILLED = "fulfilled"  # the visit took place (marked done in the appointment book)


APPOINTMENT_STATUS_LABELS = {AppointmentStatus.BOOKED: N_("Bokad"),
                             AppointmentStatus.CANCELLED: N_("Avbokad"),
                             AppointmentStatus.NOSHOW: N_("Uteblev"),
                             AppointmentStatus.FULFILLED: N_("Genomförd")}
# Statuses in which an appointment holds its slot (at most one per slot, by the index below).
OCCUPYING = (AppointmentStatus.BOOKED.value, AppointmentStatus.NOSHOW.value)
# The visits a day shows in their slot: a visit done keeps its slot (still booked) too.
HOLDS_SLOT = (*OCCUPYING, AppointmentStatus.FULFILLED.value)


class CancelledBy(StrEnum):
    """Who called the visit off."""

    PATIENT = "patient"
    CLINIC = "clinic"


CANCELLED_BY_LABELS = {CancelledBy.PATIENT: N_("Patienten"), CancelledBy.CLINIC: N_("Mottagningen")}


EVENT_LABELS = {"booked": N_("Bokad"), "rebooked": N_("Ombokad"), "cancelled": N_("Avbokad"),
                "no_show": N_("Uteblev"), "fulfilled": N_("Genomförd")}
