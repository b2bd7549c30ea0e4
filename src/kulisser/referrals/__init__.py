"""Referrals in and out: registration, assessment, replies, delivery and chasing."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    # The outgoing pages first: /remisser/{referral_id} would catch /remisser/utgaende.
    routers=("outgoing_views", "views", "api"), models="models", kinds=("items",), jobs=("jobs",),
    demo="demo:seed",
)
