"""Schedules and booking: clinicians' and resources' schedules, their slots, and appointments."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    routers=("views", "schedule_views", "api"), models="models", kinds=("items",), jobs=("jobs",),
    demo="demo:seed",
)
