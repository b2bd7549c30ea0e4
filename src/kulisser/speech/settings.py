"""Settings of the speech recognizer, as one frozen value.

The application fills it from its one settings class (KULISSER_SPEECH_*, see
kulisser.dictation.jobs.recognizer_settings); the package itself reads no environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# An hour of dictation is far beyond a normal letter; longer files are usually mistakes
# (a recorder left running) and would hold a worker for a long time.
DEFAULT_MAX_DURATION_S = 60 * 60.0


@dataclass(frozen=True, kw_only=True)
class RecognizerSettings:
    """How the recognizer finds its model and decodes speech."""

    # A CTranslate2 Whisper directory (e.g. KBLab KB-Whisper); None means the bundled base.
    model_path: str | None = None
    # int8 is the fastest CPU type and loses little accuracy for Whisper.
    compute_type: str = "int8"
    # Beam search 5 is Whisper's own default; greedy (1) is faster but drops words in
    # noisy dictation, and the draft is made in the background, not while anyone waits.
    beam_size: int = 5
    cpu_threads: int = 2
    # None lets Whisper guess; dictations are Swedish, and guessing costs time and errs.
    language: str | None = "sv"
    vad: bool = True
    data_dir: Path = field(default_factory=lambda: Path("var"))
    max_duration_s: float = DEFAULT_MAX_DURATION_S
