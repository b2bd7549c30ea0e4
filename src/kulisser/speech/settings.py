"""Settings of the speech recognizer, as one frozen value."""

from __future__ import annotations

import os
from collections.abc import Mapping
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

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RecognizerSettings:
        """Read the settings from KULISSER_SPEECH_* (and KULISSER_DATA_DIR) variables."""
        env = os.environ if environ is None else environ
        defaults = cls()

        def get(name: str) -> str | None:
            value = env.get(f"KULISSER_SPEECH_{name}", "").strip()
            return value or None

        language = get("LANGUAGE")
        vad = get("VAD")
        return cls(
            model_path=get("MODEL_PATH"),
            compute_type=get("COMPUTE_TYPE") or defaults.compute_type,
            beam_size=int(get("BEAM_SIZE") or defaults.beam_size),
            cpu_threads=int(get("CPU_THREADS") or defaults.cpu_threads),
            # "auto" asks Whisper to detect the language.
            language=None if language == "auto" else (language or defaults.language),
            vad=defaults.vad if vad is None else vad.lower() in {"1", "true", "yes", "on"},
            data_dir=Path(env.get("KULISSER_DATA_DIR") or defaults.data_dir),
            max_duration_s=float(get("MAX_DURATION_S") or defaults.max_duration_s),
        )
