"""Dictations with speech recognition: upload, review, signing and quality figures."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    # The quality pages first: /diktat/{dictation_id} would catch /diktat/kvalitet.
    routers=("quality_views", "review_views", "views", "signing_views", "api"), models="models",
    kinds=("items",), jobs=("jobs",), demo="demo:seed",
)
