"""Reception and phone desk: patient look-up and phone messages (call-back items)."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    routers=("views",), models="models", kinds=("items",),
)
