"""In Chromium: a clinician uploads spoken Swedish, the recognizer drafts it, the secretary
works the review editor with the keyboard (play, pause, seek, shortcuts, autosave).

The live server runs the real speech model in its embedded job runner, so the draft's words
and their times come from the real recognizer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from kulisser.speech.synth import dictation, espeak_available, write_wav
from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser
DRAFT_TIMEOUT_MS = 300_000  # first use assembles the model and loads the dictionary


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short Swedish dictation with pauses, spoken by espeak-ng."""
    if not espeak_available():
        pytest.fail("espeak-ng is missing (make system-deps)")
    audio, rate = dictation(sentences=[
        "Anamnes. Patienten söker för hosta sedan två veckor.",
        "Status. Lungorna är fria.",
        "Bedömning. Sannolikt virusinfektion."], voice="sv", gaps_s=[1.0, 1.0], seed=7)
    path = tmp_path_factory.mktemp("speech") / "diktat.wav"
    write_wav(path, audio, rate=rate)
    return path


@pytest.fixture(scope="module")
def drafted(browser: Browser, live_server: str, speech_wav: Path) -> Iterator[int]:
    """A dictation uploaded through the page by the demo clinician, once its draft is ready."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    page = context.new_page()
    login(page, live_server, "lakare")
    page.goto(live_server + "/patienter?q=Andersson")
    page.locator("a[href^='/patienter/']").filter(has_text=re.compile("Andersson")).first.click()
    page.wait_for_url(re.compile(r".*/patienter/\d+$"))
    page.click("a[href^='/diktat/ny?patient_id=']")
    page.set_input_files("#f-file", str(speech_wav))
    page.select_option("#f-note_type", "visit")
    with page.expect_navigation():
        page.click("#upload-submit")
    match = re.search(r"/signera/(\d+)$", page.url)
    assert match, page.url
    context.close()
    yield int(match.group(1))


def _open_editor(page: Page, live_server: str, did: int, user: str = "sekreterare") -> None:
    login(page, live_server, user)
    page.goto(f"{live_server}/diktat/{did}")
    # Until the draft is there the page polls and reloads itself when it arrives.
    expect(page.locator("#words .w").first).to_be_visible(timeout=DRAFT_TIMEOUT_MS)
    _wait_audio(page, "a.readyState >= 1")


def _audio(page: Page, expr: str) -> object:
    """Evaluate expr with a = the page's <audio> element."""
    return page.evaluate(f"() => {{ const a = document.getElementById('audio'); return {expr}; }}")


def _wait_audio(page: Page, expr: str, timeout_s: float = 10) -> None:
    """Wait until expr (a = the <audio>) is true; page.wait_for_function would need eval (CSP)."""
    deadline = time.monotonic() + timeout_s
    while not _audio(page, expr):
        assert time.monotonic() < deadline, f"timed out waiting for {expr}"
        page.wait_for_timeout(50)


def test_the_editor_plays_toggles_seeks_and_keeps_the_text(page: Page, live_server: str,
                                                           drafted: int) -> None:
    _open_editor(page, live_server, drafted)
    words = page.locator("#words .w")
    assert words.count() >= 5
    starts = [float(s) for s in words.evaluate_all("ws => ws.map(w => w.dataset.start)")]
    assert starts == sorted(starts) and starts[0] >= 0
    duration = float(_audio(page, "a.duration"))  # type: ignore[arg-type]
    assert starts[-1] < duration
    area = page.locator("#note-text")
    opened = area.input_value()  # the draft under the note type's headings
    assert opened.startswith("Anamnes:\n") and "\n\nStatus:" in opened
    # The play shortcut works while the focus is in the text.
    area.click()
    assert _audio(page, "a.paused") is True
    page.keyboard.press("F4")
    _wait_audio(page, "!a.paused")
    _wait_audio(page, "a.currentTime > 0.5")
    expect(page.locator("#words .w.now")).to_have_count(1)  # the word being spoken
    expect(page.locator("#play-button")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("F4")
    _wait_audio(page, "a.paused")
    assert area.evaluate("el => el === document.activeElement")  # typing goes on
    # A click on a word seeks there.
    target = words.nth(words.count() // 2)
    start = float(target.get_attribute("data-start") or "0")
    target.click()
    assert abs(float(_audio(page, "a.currentTime")) - start) < 0.05  # type: ignore[arg-type]
    expect(target).to_have_class(re.compile(r"\bnow\b"))
    # F3 steps back three seconds (not before the start).
    page.keyboard.press("F3")
    assert abs(float(_audio(page, "a.currentTime")) - max(0.0, start - 3)) < 0.05  # type: ignore[arg-type]
    # F5 steps forward (and never reloads the page while someone types).
    page.evaluate("() => { window.stillHere = true; }")
    before = float(_audio(page, "a.currentTime"))  # type: ignore[arg-type]
    page.keyboard.press("F5")
    assert abs(float(_audio(page, "a.currentTime")) - min(duration, before + 3)) < 0.05  # type: ignore[arg-type]
    assert page.evaluate("() => window.stillHere === true")
    # Speed: F7 faster, F6 slower.
    page.keyboard.press("F7")
    assert _audio(page, "a.playbackRate") == pytest.approx(1.1)
    page.keyboard.press("F6")
    assert _audio(page, "a.playbackRate") == pytest.approx(1.0)
    # Autosave: typed text is saved within seconds and survives a reload.
    area.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nÅtgärd: Återbesök om en vecka.")
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Sparat \d\d:\d\d$"), timeout=10_000)
    screenshot(page, "dictation-editor")
    page.reload()
    expect(page.locator("#note-text")).to_have_value(re.compile(r"Återbesök om en vecka\.\s*$"))
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^Sparat \d\d:\d\d$"))


def test_text_typed_just_before_leaving_is_kept(page: Page, live_server: str, drafted: int) -> None:
    _open_editor(page, live_server, drafted, user="sekreterare2")
    area = page.locator("#note-text")
    area.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Sista meningen.")
    page.goto(live_server + "/diktat")  # at once: the save goes as the page is left
    deadline = time.monotonic() + 10
    while True:
        page.goto(f"{live_server}/diktat/{drafted}")
        if "Sista meningen." in page.locator("#note-text").input_value():
            break
        assert time.monotonic() < deadline, "the text typed before leaving was lost"
        page.wait_for_timeout(300)


def test_the_shortcuts_can_be_changed_and_are_remembered(page: Page, live_server: str,
                                                         drafted: int) -> None:
    _open_editor(page, live_server, drafted, user="sekreterare3")
    page.click("#keys-open")
    page.click("#key-playPause")
    page.keyboard.press("F9")
    expect(page.locator("#key-playPause")).to_have_value("F9")
    page.click("#key-back")
    page.keyboard.press("A")  # a letter would stop that letter being typed
    page.click("#keys-save")
    expect(page.locator("#keys-error")).to_contain_text("funktionstangent")
    page.click("#keys-reset")
    page.click("#key-playPause")
    page.keyboard.press("F9")
    page.click("#keys-save")
    expect(page.locator("#keys-dialog")).not_to_be_visible()
    expect(page.locator("kbd[data-key-for=playPause]").first).to_have_text("F9")
    page.reload()
    expect(page.locator("kbd[data-key-for=playPause]").first).to_have_text("F9")
    page.locator("#note-text").click()
    page.keyboard.press("F9")
    _wait_audio(page, "!a.paused")
    page.keyboard.press("F9")
    _wait_audio(page, "a.paused")


def test_send_sign_over_the_pages_at_390px(browser: Browser, live_server: str, drafted: int) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE")
    page = context.new_page()
    _open_editor(page, live_server, drafted)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing forces sideways scrolling
    screenshot(page, "dictation-editor-narrow")
    page.locator("#note-text").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nSkickas från mobilen.")
    page.keyboard.press("Alt+s")  # the send access key: the text is saved first
    page.wait_for_url(re.compile(r".*/diktat\?klart=skickat-\d+"))
    expect(page.locator(".notice")).to_contain_text("skickat för signering")
    context.close()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE")
    page = context.new_page()
    login(page, live_server, "lakare")
    page.goto(live_server + "/signera")
    page.click(f"#to-sign a[href='/signera/{drafted}']")
    expect(page.locator("#note-text")).to_have_value(re.compile("Skickas från mobilen."))
    page.click("#sign-button")
    page.wait_for_url(re.compile(r".*/signera\?klart=signerad-\d+"))
    page.goto(f"{live_server}/signera/{drafted}")
    expect(page.locator("#versions li")).to_have_count(1)
    screenshot(page, "dictation-signed-narrow")
    context.close()


def test_a_recording_made_in_the_browser_is_uploaded(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE",
                                  permissions=["microphone"])
    page = context.new_page()
    login(page, live_server, "lakare2")
    page.goto(live_server + "/patienter?q=Berg")
    match = re.search(r"\d{8}[-+]\d{4}", page.locator("tbody tr").first.inner_text())
    assert match
    page.goto(live_server + "/diktat/ny")
    expect(page.locator("#recorder")).to_be_visible()
    page.click("#rec-start")
    expect(page.locator("#rec-status")).to_have_text("Spelar in …")
    page.wait_for_timeout(2500)  # the fake microphone's beeps: not silent
    page.click("#rec-stop")
    expect(page.locator("#rec-status")).to_contain_text("Inspelningen är klar")
    page.click("#rec-play")  # listened to through Web Audio (CSP allows no blob: media)
    expect(page.locator("#rec-play")).to_contain_text("Sluta lyssna")
    page.click("#rec-play")
    # A bad identity number comes back in place; the recording is kept for the next try.
    page.fill("#f-identifier", "19121212-1213")
    page.click("#upload-submit")
    expect(page.locator("#e-identifier")).to_have_text("Kontrollsiffran stämmer inte.")
    expect(page.locator("#f-identifier")).to_have_value("19121212-1213")
    page.fill("#f-identifier", match.group(0))
    page.click("#upload-submit")
    page.wait_for_url(re.compile(r".*/signera/\d+$"))
    expect(page.locator("h1")).to_contain_text("Besöksanteckning")
    audio_type = page.evaluate(
        "() => fetch(document.getElementById('audio').src).then(r => r.headers.get('content-type'))")
    assert audio_type in ("audio/webm", "audio/ogg"), audio_type
    context.close()
