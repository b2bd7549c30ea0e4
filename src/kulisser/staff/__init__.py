"""Staff: users, roles, care units, logins and devices; the staff register and assignments."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    # The register's fixed paths (/personal/ny, /personal.csv) come before /personal/{id}.
    routers=("views", "oidc_views", "register_views", "register_api"), models="models",
    jobs=("jobs",), demo="demo:seed",
)
