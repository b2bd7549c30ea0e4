"""Staff: users, roles, care units, logins and devices."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    routers=("views", "oidc_views"), models="models",
)
