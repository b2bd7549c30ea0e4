"""The waiting list and the care guarantee (vårdgaranti)."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    routers=("views", "entry_views", "api"), models="models", kinds=("items",), jobs=("jobs",),
    subscribers="subscribers", demo="demo:seed",
)
