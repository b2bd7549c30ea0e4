"""Schedules and booking: clinicians' and resources' schedules, their slots, and appointments."""
