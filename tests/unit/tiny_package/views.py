"""The tiny package's one page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

router = APIRouter()


@router.get("/litet-paket", response_class=PlainTextResponse)
def page() -> str:
    """A page that touches nothing."""
    return "Hej från det lilla paketet."
