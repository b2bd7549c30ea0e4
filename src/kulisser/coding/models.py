"""The coding package's tables: the code systems (code_models) and the care contacts."""

from __future__ import annotations

from kulisser.coding import code_models  # noqa: F401 - registers the code systems' tables
from kulisser.coding.contact_models import CareContact as CareContact
from kulisser.coding.contact_models import ContactCode as ContactCode
from kulisser.coding.contact_models import ContactEvent as ContactEvent
from kulisser.coding.contact_models import Suggestion as Suggestion
from kulisser.coding.report_models import RegisterExport as RegisterExport
