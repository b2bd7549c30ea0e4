"""In Chromium: every main page fits a phone (390 px), a small laptop (800 px) and 1280 px.

A page fails when the document scrolls sideways or when any element reaches past the right
edge of the viewport without being inside a box of its own that scrolls or clips (a wide
table inside `.table-wrap` is fine; the page itself is not). Identity numbers must not wrap
and a select must show its chosen option whole. On a phone (up to 600 px) no table is wider
than the viewport: a list's rows stack into cards (label: value), and only a table marked
`data-wide` (a calendar grid, which means nothing stacked) scrolls in its box. The header
takes at most two lines at every width (on a narrow screen its menu folds behind a button).
Screenshots of every page at every width go to test-artifacts/layout-<page>-<width>-<database>.png.

One browser; per user one login, whose cookies are reused by a fresh context per width.
The test only reads: it follows the first link of each list to find a record to open.
"""

from __future__ import annotations

import io
import math
import re
import struct
import wave
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser

WIDTHS = (390, 800, 1280)

# (name, user, list page, regex of the first link on it to follow; None: the list page itself)
PAGES: tuple[tuple[str, str, str, str | None], ...] = (
    ("worklist", "chef", "/arbetslista?scope=queue", None),
    ("worklist-mine", "sekreterare", "/arbetslista", None),
    ("item", "chef", "/arbetslista?scope=queue", r"^/arenden/\d+$"),
    ("new-item", "chef", "/arbetslista/ny", None),
    ("reception", "chef", "/reception?q=Andersson", None),
    ("patients", "chef", "/patienter?q=Andersson", None),
    ("patient", "chef", "/patienter?q=Andersson", r"^/patienter/\d+$"),
    ("new-patient", "chef", "/patienter/ny", None),
    ("dictation-queue", "sekreterare", "/diktat?status=open", None),
    ("dictation-editor", "sekreterare", "/diktat?status=open", r"^/diktat/\d+$"),
    ("dictation-quality", "chef", "/diktat/kvalitet", None),
    ("overview", "chef", "/oversikt", None),
    ("overview-year", "sekreterare", "/oversikt?period=ar", None),
    ("overview-reports", "chef", "/oversikt/rapporter", None),
    ("sign-list", "lakare", "/signera", None),
    ("sign", "lakare", "/signera", r"^/signera/\d+$"),
    ("dictate", "lakare", "/diktat/ny", None),
    ("worklist-clinician", "lakare", "/arbetslista", None),
    ("results", "chef", "/provsvar", None),
    ("result", "chef", "/provsvar?scope=all", r"^/provsvar/\d+$"),
    ("results-import", "chef", "/provsvar/importera", None),
    ("referrals", "chef", "/remisser", None),
    ("referral", "chef", "/remisser", r"^/remisser/\d+$"),
    ("new-referral", "chef", "/remisser/ny", None),
    ("outgoing", "chef", "/remisser/utgaende", None),
    ("outgoing-one", "chef", "/remisser/utgaende", r"^/remisser/utgaende/\d+$"),
    ("waitlist", "chef", "/vantelista", None),
    ("coding", "sekreterare", "/kodning", None),
    ("coding-contact", "sekreterare", "/kodning", r"^/kodning/\d+$"),
    ("coding-new", "sekreterare", "/kodning/ny", None),
    ("waitlist-entry", "chef", "/vantelista", r"^/vantelista/\d+$"),
    ("waitlist-settings", "chef", "/vantelista/installningar", None),
    ("records", "chef", "/journalkopior?status=all", None),
    ("record-request", "chef", "/journalkopior?status=all", r"^/journalkopior/\d+$"),
    ("new-record-request", "chef", "/journalkopior/ny", None),
    ("records-figures", "chef", "/journalkopior/statistik", None),
    ("records-settings", "chef", "/journalkopior/installningar", None),
    ("record-compile", "sekreterare", "/journalkopior?status=compiling", r"^/journalkopior/\d+$"),
    ("record-preview", "sekreterare", "/journalkopior?status=compiling", r"^/journalkopior/\d+$"),
    ("booking-week", "chef", "/tidbok", None),
    ("booking-day", "chef", "/tidbok", r"^/tidbok/resurs/\d+"),
    ("booking-search", "chef", "/tidbok/sok", None),
    ("schedules", "chef", "/tidbok/scheman", None),
    ("letters", "chef", "/brev?status=all", None),
    ("letter", "chef", "/brev?status=all", r"^/brev/\d+$"),
    ("letter-templates", "chef", "/brev/mallar", None),
    ("print-run", "chef", "/brev/utskrift", None),
    ("log", "chef", "/logg", None),
    ("log-samples", "chef", "/logg/stickprov", None),
    ("log-relations", "chef", "/logg/vardrelationer", None),
    ("log-emergency", "chef", "/logg/nodatkomst", None),
    ("log-signals", "chef", "/logg/signaler", None),
    ("log-watch", "chef", "/logg/bevakning", None),
    ("rules", "chef", "/enhet/regler", None),
    ("staff-register", "chef", "/personal", None),
    ("staff-person", "chef", "/personal", r"^/personal/\d+$"),
    ("new-staff-person", "chef", "/personal/ny", None),
    ("password", "chef", "/konto/losenord", None),
)

# Elements reaching past the right edge, outermost only, unless a scrolling or clipping box
# holds them; the document's own overflow; identity numbers broken over two lines.
_MEASURE = """() => {
  const vw = document.documentElement.clientWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > vw) {
    problems.push(`the page is ${document.documentElement.scrollWidth} px wide`);
  }
  const held = (el) => {
    // An absolutely placed box escapes every scroller between it and its containing block.
    let start = el.parentElement;
    if (getComputedStyle(el).position === 'absolute') {
      while (start && start !== document.body && getComputedStyle(start).position === 'static') {
        start = start.parentElement;
      }
    }
    for (let p = start; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '');
  const reported = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= vw + 1) continue;
    if (getComputedStyle(el).position === 'fixed' || held(el)) continue;
    if (reported.some((p) => p.contains(el))) continue;
    reported.push(el);
    problems.push(`${name(el)} reaches ${Math.round(r.right)} px: ` +
      (el.innerText || '').trim().slice(0, 40).replace(/\\s+/g, ' '));
  }
  for (const el of document.querySelectorAll('.ident')) {
    const lines = el.getClientRects().length;
    const r = el.getBoundingClientRect();
    const lh = parseFloat(getComputedStyle(el).lineHeight) || 20;
    if (lines > 1 || r.height > lh * 1.5) problems.push(`identity number wraps: ${el.textContent}`);
  }
  // A select too narrow for its chosen option cuts the text off (the arrow takes ~24 px).
  const ctx = document.createElement('canvas').getContext('2d');
  for (const el of document.querySelectorAll('main select')) {
    const option = el.options[el.selectedIndex];
    if (!option || el.getBoundingClientRect().width === 0) continue;
    const s = getComputedStyle(el);
    ctx.font = s.font;
    const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) - 20;
    if (ctx.measureText(option.text).width > room + 1) {
      problems.push(`select ${name(el)} cuts off "${option.text}"`);
    }
  }
  // On a phone a list table stacks into cards: none is wider than the viewport.
  if (vw <= 600) {
    for (const el of document.querySelectorAll('main table:not([data-wide])')) {
      const r = el.getBoundingClientRect();
      if (r.width > vw + 1 || el.scrollWidth > vw + 1) {
        problems.push(`table ${name(el)} is ${Math.round(Math.max(r.width, el.scrollWidth))} px wide`);
      }
    }
  }
  // The header: at most two lines of links, buttons and names.
  const header = document.querySelector('header.top');
  if (header) {
    const tops = [];
    for (const el of header.querySelectorAll('a, button, span, select, summary')) {
      if (!el.checkVisibility()) continue;  // a folded menu, a closed disclosure
      for (const r of el.getClientRects()) {
        if (r.width === 0 || r.height === 0) continue;
        if (!tops.some((t) => Math.abs(t - r.top) < r.height / 2)) tops.push(r.top);
      }
    }
    if (tops.length > 2) problems.push(`the header takes ${tops.length} lines`);
  }
  return problems;
}"""


@pytest.fixture(scope="module")
def sessions(browser: Browser, live_server: str) -> Iterator[dict[str, Any]]:
    """Each user's logged-in cookies (one login per user for the whole module)."""
    states: dict[str, Any] = {}
    for user in sorted({p[1] for p in PAGES}):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
        page = context.new_page()
        login(page, live_server, user)
        states[user] = context.storage_state()
        context.close()
    yield states


def _tone_wav() -> bytes:
    """One second of a quiet tone: enough for a dictation to exist (its draft does not matter)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"".join(struct.pack("<h", int(3000 * math.sin(i / 16000 * 2 * math.pi * 440)))
                               for i in range(16000)))
    return buffer.getvalue()


def _ensure_a_dictation(browser: Browser, base: str, state: Any) -> None:
    """The demo seeds no dictations without a data folder: the clinician uploads one if none."""
    context = browser.new_context(storage_state=state)
    page = context.new_page()
    page.goto(base + "/signera")
    # An open one: the demo's signed notes (coding's) are listed too, under "Signerade".
    if page.locator("main table:not(#signed) a[href^='/signera/']").count() == 0:
        page.goto(base + "/patienter?q=Andersson")
        page.locator("main a[href^='/patienter/']").filter(has_text="Andersson").first.click()
        page.wait_for_url(re.compile(r".*/patienter/\d+$"))
        page.click("a[href^='/diktat/ny?patient_id=']")
        page.set_input_files("#f-file", {"name": "ton.wav", "mimeType": "audio/wav",
                                         "buffer": _tone_wav()})
        page.select_option("#f-note_type", "visit")
        with page.expect_navigation():
            page.click("#upload-submit")
        assert re.search(r"/signera/\d+$", page.url), page.locator("main").inner_text()
    context.close()

# Pages reached from a record's page rather than linked from the list: the record's path plus.
SUFFIXES = {"record-compile": "/sammanstall", "record-preview": "/forhandsgranska"}


@pytest.fixture(scope="module")
def urls(browser: Browser, live_server: str, sessions: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each page's name: (user, path), a record's path found by following its list's first link."""
    found: dict[str, tuple[str, str]] = {}
    missing: list[str] = []
    _ensure_a_dictation(browser, live_server, sessions["lakare"])
    for user in sessions:
        context = browser.new_context(storage_state=sessions[user])
        page = context.new_page()
        for name, who, path, link in PAGES:
            if who != user:
                continue
            if link is None:
                found[name] = (user, path)
                continue
            page.goto(live_server + path)
            page.wait_for_load_state("networkidle")
            hrefs = page.eval_on_selector_all(
                "main a[href], main [data-href]",
                "els => els.map(e => e.getAttribute('href') || e.getAttribute('data-href'))")
            target = next((h for h in hrefs if re.search(link, h)), None)
            if target is None:
                missing.append(f"{name}: no link matching {link} on {path}")
            else:
                found[name] = (user, target + SUFFIXES.get(name, ""))
        context.close()
    assert not missing, "\n".join(missing)
    return found


def _problems(page: Page, base: str, path: str) -> list[str]:
    response = page.goto(base + path)
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    page.wait_for_load_state("networkidle")
    return list(page.evaluate(_MEASURE))[:6]  # the first few say enough


@pytest.mark.parametrize("width", WIDTHS)
def test_every_main_page_fits_the_screen(
        browser: Browser, live_server: str, sessions: dict[str, Any],
        urls: dict[str, tuple[str, str]], width: int) -> None:
    failures: list[str] = []
    for user in sessions:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="sv-SE",
                                      storage_state=sessions[user])
        page = context.new_page()
        for name, (who, path) in urls.items():
            if who != user:
                continue
            problems = _problems(page, live_server, path)
            screenshot(page, f"layout-{name}-{width}")
            failures += [f"{name} ({path}) at {width} px: {p}" for p in problems]
        context.close()
    assert not failures, "\n".join(failures)


def test_on_a_phone_the_menu_opens_from_the_keyboard_and_rows_are_labelled_cards(
        browser: Browser, live_server: str, sessions: dict[str, Any]) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 900}, locale="sv-SE",
                                  storage_state=sessions["chef"])
    page = context.new_page()
    page.goto(live_server + "/vantelista")
    toggle = page.locator("header .menu-toggle")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("header nav")).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("header nav a", has_text="Tidbok")).to_be_visible()
    # The manager's pages: one more disclosure, opened from the keyboard too.
    page.locator("header nav summary").focus()
    page.keyboard.press("Enter")
    expect(page.locator("header nav a", has_text="Loggranskning")).to_be_visible()
    screenshot(page, "layout-menu-open-390")
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(page.locator("header nav")).to_be_hidden()
    # A waiting-list row is a card whose cells say what they are ("Patient: ...").
    cell = page.locator("main table tbody tr").first.locator("td").first
    label = cell.get_attribute("data-label")
    assert label, "the cell has no label"
    before = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label in before and cell.evaluate("td => getComputedStyle(td).display") == "block"
    context.close()
    # On a wide screen there is no button: the menu is simply there.
    wide = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE",
                               storage_state=sessions["chef"])
    page = wide.new_page()
    page.goto(live_server + "/vantelista")
    expect(page.locator("header .menu-toggle")).to_be_hidden()
    expect(page.locator("header nav a", has_text="Tidbok")).to_be_visible()
    wide.close()
