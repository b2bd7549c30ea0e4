"""The coding package's tables: the code systems (code_models) and the care contacts."""

from __future__ import annotations
