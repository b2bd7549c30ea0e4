"""Speech recognition for dictations: a pure library that imports nothing from the web."""

from kulisser.speech.audio import (
    AudioError,
    AudioErrorCode,
    AudioInfo,
    decode_audio,
    is_silent,
    probe_audio,
)
from kulisser.speech.model import ModelError, ensure_default_model, model_dir
from kulisser.speech.recognizer import Recognizer, Segment, Transcript, Word
from kulisser.speech.settings import RecognizerSettings
from kulisser.speech.wer import WerResult, normalize_text, word_error_rate, word_errors

__all__ = [
    "AudioError",
    "AudioErrorCode",
    "AudioInfo",
    "ModelError",
    "Recognizer",
    "RecognizerSettings",
    "Segment",
    "Transcript",
    "WerResult",
    "Word",
    "decode_audio",
    "ensure_default_model",
    "is_silent",
    "model_dir",
    "normalize_text",
    "probe_audio",
    "word_error_rate",
    "word_errors",
]
