"""Attention marks: the real Swedish dictionary (hunspell-sv via spylls), glossary and confidence."""

from __future__ import annotations

import threading

from kulisser.db import Database
from kulisser.dictation import attention
from kulisser.dictation import service as dictations
from kulisser.dictation.models import Dictation
from kulisser.dictation.storage import AudioStore
from kulisser.jobs import runner
from tests import factories
from tests.dictation.conftest import FakeTranscriber
from tests.dictation.helpers import upload
from tests.integration.conftest import JOB_SETTINGS


def _w(text: str, probability: float = 0.95) -> dict[str, object]:
    return {"text": text, "probability": probability, "start": 0.0, "end": 0.1}


def test_the_dictionary_ships_with_hunspell_sv() -> None:
    path = attention.dictionary_path()
    assert path.name == "sv_SE"
    assert path.with_suffix(".dic").stat().st_size > 1_000_000


def test_common_swedish_words_pass_and_misspellings_do_not() -> None:
    for word in ("Patienten", " mår", "bra.", "hjärtljuden", "förmaksflimmer", "Bedömning:"):
        assert attention.spelled_ok(word), word
    for word in ("patieten", "hjärtlyuden", "bedömnnig"):
        assert not attention.spelled_ok(word), word


def test_numbers_and_punctuation_are_never_marked() -> None:
    for token in ("12", "5,5", "07:30", "–", "...", "5mg", "T4", ""):
        assert attention.spelled_ok(token), token


def test_flags_mark_misspelt_and_unsure_words_and_spare_glossary_terms() -> None:
    words = [_w(" Patienten"), _w(" hjärtlyuden"), _w(" Xarelto"), _w(" mår", 0.31), _w(" bra.")]
    assert attention.attention_flags(words, glossary=set()) == [False, True, True, True, False]
    # A glossary term passes; a glossary cannot excuse a word the recognizer was unsure of.
    assert attention.attention_flags(words, glossary={"xarelto", "mår"}) == [
        False, True, False, True, False]
    # The threshold is the caller's.
    assert attention.attention_flags(words, glossary={"xarelto"}, threshold=0.3)[3] is False


def test_multiword_glossary_terms_cover_their_words() -> None:
    words = [_w("Lupus"), _w("erythematosus")]
    assert attention.attention_flags(words, glossary={"lupus erythematosus"}) == [False, False]


def test_render_flags_apply_todays_glossary_without_the_dictionary() -> None:
    stored = [{**_w("Xarelto"), "attention": True}, {**_w("bra"), "attention": False},
              {**_w("tja", 0.2), "attention": True}, _w("gammalt", 0.4)]
    assert attention.render_flags(stored, glossary=set()) == [True, False, True, True]
    assert attention.render_flags(stored, glossary={"xarelto", "tja"}) == [False, False, True, True]


def test_the_dictionary_loads_once_across_threads() -> None:
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(attention.spelled_ok("lungorna")))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 4
    first = attention._load()
    assert attention._load() is first


def test_the_transcription_job_stores_the_flags_with_the_draft(
        jobdb: Database, store: AudioStore, fake: FakeTranscriber) -> None:
    # The fake's probabilities fall by 0.1 per word from 0.9: the fifth (0.5) and sixth are unsure.
    fake.words = ["Patienten", "har", "hjärtlyuden", "Xarelto", "och", "feber."]
    with jobdb.session() as s:
        world = factories.make_world(s)
        dictations.add_term(s, actor=factories.actor(s, world.secretary_id), term="Xarelto")
        did = upload(s, world, store=store).id
    assert runner.work(jobdb, settings=JOB_SETTINGS, burst=True) == 1
    with jobdb.session() as s:
        d = s.get(Dictation, did)
        assert d is not None and d.draft_words is not None
        assert [(w["text"], w["attention"]) for w in d.draft_words] == [
            ("Patienten", False), ("har", False), ("hjärtlyuden", True), ("Xarelto", False),
            ("och", True), ("feber.", True)]
