"""Background jobs: the job table, its runners and the context a task gets."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    models="models",
)
