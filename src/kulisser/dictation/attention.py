"""Which draft words the secretary should check: low recognizer confidence or unknown spelling.

A word needs attention when the recognizer was unsure of it (probability under a threshold)
or when it is neither in the Swedish dictionary (hunspell-sv, read with spylls) nor in the
unit's glossary of medical terms. Numbers and punctuation never do. The dictionary takes a
few seconds to load, so it is loaded once per process, lazily, by the first caller (the
transcription job, which stores the flags with the draft; pages only read them).
"""

from __future__ import annotations

import functools
import threading
from importlib import metadata
from pathlib import Path
from typing import Any

DEFAULT_THRESHOLD = 0.6
_DIST = "hunspell-sv"
_NAME = "sv_SE"
# Characters stripped from a recognised token before the lookup ("bra." -> "bra").
_PUNCT = " \t\n.,;:!?\"'()[]{}«»”“„’‘…–—-/*"

_lock = threading.Lock()
_dictionary: Any = None


class DictionaryMissing(RuntimeError):
    """The hunspell-sv files could not be found (the package is not installed)."""


def dictionary_path() -> Path:
    """The path of sv_SE.aff/.dic without the suffix, as hunspell-sv installs them.

    The package ships the files as data files under the environment's share/hunspell/
    folder (not inside an importable module), so they are found through its file list.
    """
    try:
        dist = metadata.distribution(_DIST)
    except metadata.PackageNotFoundError as exc:
        raise DictionaryMissing(f"{_DIST} is not installed") from exc
    for entry in dist.files or []:
        if entry.name == f"{_NAME}.dic":
            dic = Path(str(dist.locate_file(entry))).resolve()
            if dic.is_file() and dic.with_suffix(".aff").is_file():
                return dic.with_suffix("")
    raise DictionaryMissing(f"{_DIST} has no {_NAME}.dic/.aff")


def _load() -> Any:
    global _dictionary
    if _dictionary is None:
        with _lock:
            if _dictionary is None:  # another thread may have loaded it while we waited
                from spylls.hunspell import Dictionary

                _dictionary = Dictionary.from_files(str(dictionary_path()))
    return _dictionary


def clean(word: str) -> str:
    """The token without surrounding spaces and punctuation ("  bra." -> "bra")."""
    return word.strip(_PUNCT)


def _no_letters(token: str) -> bool:
    # "12", "5,5", "07:30", "%": numbers, times and symbols are never misspelt.
    return not any(ch.isalpha() for ch in token)


@functools.lru_cache(maxsize=50_000)
def _known(token: str) -> bool:
    dictionary = _load()
    if dictionary.lookup(token):
        return True
    # Hyphenated compounds the dictionary lacks as a whole ("covid-vaccin"): every part known.
    parts = [p for p in token.split("-") if p]
    return len(parts) > 1 and all(_no_letters(p) or dictionary.lookup(p) for p in parts)


def spelled_ok(word: str) -> bool:
    """Whether the word is Swedish as the dictionary knows it (numbers and punctuation are)."""
    token = clean(word)
    if not token or _no_letters(token) or any(ch.isdigit() for ch in token):
        return True  # "5mg", "T4": measurements and codes are not spelling
    return _known(token)


def glossary_words(terms: set[str]) -> set[str]:
    """The casefolded words of glossary terms ("diabetes mellitus" -> both words too)."""
    words = {t.casefold() for t in terms}
    for term in terms:
        words |= {clean(part).casefold() for part in term.split() if clean(part)}
    return words


def in_glossary(word: str, glossary: set[str]) -> bool:
    """Whether the word is one of the unit's terms (glossary as from glossary_words)."""
    token = clean(word).casefold()
    return bool(token) and token in glossary


def attention_flags(words: list[dict[str, Any]], *, glossary: set[str],
                    threshold: float = DEFAULT_THRESHOLD) -> list[bool]:
    """For each recognised word (text, probability): whether the secretary should check it."""
    known = glossary_words(glossary)
    flags = []
    for word in words:
        text = str(word.get("text", ""))
        probability = word.get("probability")
        unsure = probability is not None and float(probability) < threshold
        flags.append(unsure or not (in_glossary(text, known) or spelled_ok(text)))
    return flags


def render_flags(words: list[dict[str, Any]], *, glossary: set[str],
                 threshold: float = DEFAULT_THRESHOLD) -> list[bool]:
    """The stored flags with today's glossary applied (cheap: no dictionary lookups).

    A word flagged when the draft was made passes once it is in the glossary, unless the
    recognizer was unsure of it. Words stored without a flag are judged by probability only.
    """
    known = glossary_words(glossary)
    flags = []
    for word in words:
        probability = word.get("probability")
        unsure = probability is not None and float(probability) < threshold
        stored = bool(word.get("attention", False))
        flags.append(unsure or (stored and not in_glossary(str(word.get("text", "")), known)))
    return flags
