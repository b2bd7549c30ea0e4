"""Kulisser: the workbench for Swedish medical secretaries."""

__version__ = "0.1.0"
