"""A package as small as a package gets, installed by name in tests/unit/test_packages.py."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    routers=("views",), kinds=("items",), jobs=("jobs",), subscribers="subscribers",
    demo="demo:seed",
)
