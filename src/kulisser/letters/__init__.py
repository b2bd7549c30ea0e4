"""Letters: templates, PDFs, printing, the digital mailbox and SMS reminders."""

from kulisser.packages import Package

PACKAGE = Package(
    name=__name__,
    # The print and template pages first: /brev/{letter_id} would catch /brev/utskrift, /brev/mallar.
    routers=("print_views", "views", "api"), models="models", kinds=("items",), jobs=("jobs",),
    subscribers="subscribers", demo="demo:seed",
)
