"""Page templates hold nothing that the Content-Security-Policy would block in the browser.

The policy (kulisser.app) is `style-src 'self'; script-src 'self'`: an inline style attribute,
a <style> block, an inline script or an on...= handler in a page would be silently ignored by
the browser (and log an error), so the page would look or work other than written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "src" / "kulisser"
# Rendered to PDF by WeasyPrint only, never sent to a browser.
PDF_ONLY = {ROOT / "letters" / "templates" / "letters" / "print.html",
            ROOT / "records" / "templates" / "records" / "copy_pdf.html",
            ROOT / "stats" / "templates" / "stats" / "report_pdf.html"}
PAGES = sorted(p for p in ROOT.glob("**/templates/**/*.html") if p not in PDF_ONLY)
BLOCKED = {
    "inline style attribute": re.compile(r"\sstyle\s*=", re.I),
    "<style> block": re.compile(r"<style[\s>]", re.I),
    "inline script": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I),
}


def test_there_are_page_templates() -> None:
    assert len(PAGES) > 50


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_template_is_csp_clean(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = [what for what, pattern in BLOCKED.items() if pattern.search(text)]
    assert found == [], f"{path.relative_to(ROOT)}: {', '.join(found)}"
