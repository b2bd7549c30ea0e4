"""The worklist: work items, their kinds, deadlines, escalation and the consistency check."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    routers=("views", "api"), models="models",
    kinds=("kinds", "invariants", "escalation"), jobs=("invariants", "escalation"),
)
