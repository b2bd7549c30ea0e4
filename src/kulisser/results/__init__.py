"""Results and referral replies: imports, matching, signing and follow-up."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    routers=("views", "api"), models="models", kinds=("items",), demo="demo:seed",
)
