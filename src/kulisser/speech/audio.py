"""Probe, decode and measure audio files with PyAV."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from kulisser.i18n import N_, _
from kulisser.speech.settings import DEFAULT_MAX_DURATION_S

SAMPLE_RATE = 16_000
# Quieter than this (loudest 100 ms window) is a recorder that picked up nothing;
# speech into a headset or dictaphone peaks far above -30 dBFS.
SILENCE_THRESHOLD_DBFS = -50.0
_WINDOW_S = 0.1

# Only the containers and codecs the dictation feature supports. FFmpeg reads hundreds
# more, but its rarely used demuxers and decoders are where its security flaws cluster,
# and files from a dictaphone's own format (DSS) must be exported by the user anyway.
_FORMATS = frozenset({"wav", "w64", "mp3", "mov", "mp4", "m4a", "ogg", "matroska", "webm",
                      "flac", "aac"})
# Plus any pcm_* codec, and the ADPCM that simple voice recorders write into WAV.
_CODECS = frozenset({"mp3", "mp3float", "aac", "opus", "vorbis", "flac", "adpcm_ima_wav",
                     "adpcm_ms"})
_SUPPORTED_SV = N_("WAV, MP3, M4A (AAC), OGG/Opus, WebM eller FLAC")


class AudioErrorCode(StrEnum):
    """Why an audio file cannot be used."""

    MISSING = "missing"
    EMPTY = "empty"
    UNSUPPORTED_FORMAT = "unsupported_format"
    CORRUPT = "corrupt"
    NO_AUDIO_STREAM = "no_audio_stream"
    TOO_LONG = "too_long"


class AudioError(Exception):
    """A file that cannot be transcribed, with a Swedish message for the secretary."""

    def __init__(self, code: AudioErrorCode, template: str, **params: Any) -> None:
        # The template and its params are kept apart so that the web layer can pass them
        # through the one translation function; message_sv is the Swedish text itself.
        self.code = code
        self.template = template
        self.params = params
        self.message_sv = template.format(**params)
        super().__init__(f"{code}: {self.message_sv}")


@dataclass(frozen=True, kw_only=True)
class AudioInfo:
    """What a probe learned about an audio file."""

    duration_s: float
    codec: str
    sample_rate: int
    channels: int
    container: str


def _sniff(head: bytes) -> str | None:
    """Name the format that the first bytes announce, or None if not one we know."""
    if (head[:4] == b"RIFF" and head[8:12] == b"WAVE") or head[:4] in (b"RF64", b"BW64"):
        return "wav"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if head[:4] == b"fLaC":
        return "flac"
    if head[1:4] in (b"dss", b"ds2"):
        return "dss"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mpeg"
    return None


def _unsupported(kind: str | None) -> AudioError:
    if kind == "dss":
        return AudioError(
            AudioErrorCode.UNSUPPORTED_FORMAT,
            _("DSS-filer från diktafon stöds inte. Exportera inspelningen som WAV eller MP3 "
              "i diktafonens program och ladda upp den igen."),
        )
    return AudioError(
        AudioErrorCode.UNSUPPORTED_FORMAT,
        _("Filformatet stöds inte. Ladda upp ljud i formatet {formats}."),
        formats=_(_SUPPORTED_SV),
    )


def _unreadable(kind: str | None) -> AudioError:
    # Call a file corrupt only when its first bytes claim a format we support; bytes we
    # do not recognise at all are more likely the wrong kind of file.
    if kind is None or kind == "dss":
        return _unsupported(kind)
    return AudioError(AudioErrorCode.CORRUPT, _("Ljudfilen är skadad och kan inte läsas."))


def _check_file(path: Path) -> str | None:
    """Raise for a missing or empty file; return the format its first bytes announce."""
    if not path.is_file():
        raise AudioError(AudioErrorCode.MISSING, _("Ljudfilen saknas."))
    if path.stat().st_size == 0:
        raise AudioError(AudioErrorCode.EMPTY, _("Ljudfilen är tom."))
    with path.open("rb") as handle:
        return _sniff(handle.read(16))


def _open(path: Path, kind: str | None) -> Any:
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise _unreadable(kind) from exc


def _audio_stream(container: Any, kind: str | None) -> Any:
    """Return the first audio stream, after checking the container and codec."""
    formats = set(container.format.name.split(","))
    if "dss" in formats or not formats & _FORMATS:
        raise _unsupported("dss" if "dss" in formats else kind)
    if not container.streams.audio:
        raise AudioError(AudioErrorCode.NO_AUDIO_STREAM, _("Filen innehåller inget ljudspår."))
    stream = container.streams.audio[0]
    codec = stream.codec_context.name
    if not (codec in _CODECS or codec.startswith("pcm_")):
        raise _unsupported(kind)
    return stream


def _duration(path: Path, container: Any, stream: Any) -> float:
    """Seconds of audio, from the headers or, failing those, from the packets."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration / av.time_base)
    # Browser recordings (MediaRecorder WebM) carry no duration: read the packets'
    # timestamps in a fresh pass, which is quick because nothing is decoded.
    end = 0.0
    with av.open(str(path), mode="r", metadata_errors="ignore") as again:
        for packet in again.demux(again.streams.audio[0]):
            if packet.pts is not None and packet.time_base is not None:
                end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    return end


def _decodes(container: Any, stream: Any, *, packets: int = 8) -> bool:
    """Whether the first packets decode to at least one frame."""
    for seen, packet in enumerate(container.demux(stream)):
        if seen >= packets:
            break
        try:
            if packet.size and packet.decode():
                return True
        except av.FFmpegError:
            continue
    return False


def probe_audio(path: Path, *, max_duration_s: float = DEFAULT_MAX_DURATION_S) -> AudioInfo:
    """Check that a file is usable audio and describe it; raise AudioError if not."""
    kind = _check_file(path)
    with _open(path, kind) as container:
        stream = _audio_stream(container, kind)
        try:
            decodes = _decodes(container, stream)
            duration = _duration(path, container, stream)
        except av.FFmpegError as exc:
            raise _unreadable(kind) from exc
        if not decodes:
            if duration <= 0:
                raise AudioError(AudioErrorCode.EMPTY, _("Ljudfilen innehåller inget ljud."))
            raise _unreadable(kind)
        if duration > max_duration_s:
            raise AudioError(
                AudioErrorCode.TOO_LONG,
                _("Inspelningen är {minutes} minuter lång; högst {limit} minuter tillåts."),
                minutes=round(duration / 60, 1),
                limit=round(max_duration_s / 60, 1),
            )
        return AudioInfo(
            duration_s=duration,
            codec=stream.codec_context.name,
            sample_rate=int(stream.codec_context.sample_rate or 0),
            channels=int(stream.codec_context.channels or 0),
            container=container.format.name,
        )


@dataclass
class _Tally:
    good: int = 0
    bad: int = 0


def _frames(container: Any, stream: Any, tally: _Tally) -> Iterator[Any]:
    """The stream's decoded frames; a packet that fails to decode is counted and skipped."""
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.FFmpegError:
            # A damaged frame in a long dictation should cost a moment, not the draft.
            tally.bad += 1
            continue
        tally.good += 1
        yield from frames


def decode_audio(path: Path, *, sample_rate: int = SAMPLE_RATE) -> npt.NDArray[np.float32]:
    """Decode a file to mono float32 samples at sample_rate; raise AudioError if unreadable."""
    kind = _check_file(path)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    chunks: list[npt.NDArray[np.float32]] = []
    tally = _Tally()
    with _open(path, kind) as container:
        for frame in _frames(container, _audio_stream(container, kind), tally):
            for out in resampler.resample(frame):
                chunks.append(np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1))
        for out in resampler.resample(None):
            chunks.append(np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1))
    # PyAV's resampler graph is only freed by the cycle collector (faster-whisper #390);
    # a worker that decodes all day would otherwise grow.
    del resampler
    gc.collect()
    if tally.bad > tally.good:
        raise _unreadable(kind)
    if not chunks:
        raise AudioError(AudioErrorCode.EMPTY, _("Ljudfilen innehåller inget ljud."))
    return np.concatenate(chunks).astype(np.float32, copy=False)


def peak_rms_dbfs(samples: npt.NDArray[np.float32], *, sample_rate: int = SAMPLE_RATE) -> float:
    """The RMS level in dBFS of the loudest 100 ms window of the samples."""
    window = max(1, int(sample_rate * _WINDOW_S))
    usable = len(samples) - len(samples) % window
    if usable == 0:
        frames = samples.reshape(1, -1) if len(samples) else np.zeros((1, 1), np.float32)
    else:
        frames = samples[:usable].reshape(-1, window)
    rms = float(np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1)).max())
    return 20.0 * float(np.log10(max(rms, 1e-10)))


def samples_are_silent(
    samples: npt.NDArray[np.float32], *, threshold_dbfs: float = SILENCE_THRESHOLD_DBFS
) -> bool:
    """Whether no 100 ms window of the samples is louder than the threshold."""
    return peak_rms_dbfs(samples) < threshold_dbfs


def _mono(frame: Any) -> npt.NDArray[np.float64]:
    """A decoded frame's samples in [-1, 1], channels averaged, at the frame's own rate."""
    data = frame.to_ndarray()
    channels = max(1, len(frame.layout.channels))
    if not frame.format.is_planar:  # interleaved: one row of samples * channels
        data = data.reshape(-1, channels).T
    values = data.astype(np.float64)
    if data.dtype.kind == "i":
        values /= float(2 ** (8 * data.dtype.itemsize - 1))
    elif data.dtype.kind == "u":
        half = float(2 ** (8 * data.dtype.itemsize - 1))
        values = (values - half) / half
    return np.asarray(values.reshape(channels, -1).mean(axis=0))


def is_silent(path: Path, *, threshold_dbfs: float = SILENCE_THRESHOLD_DBFS) -> bool:
    """Whether a whole audio file is silence (no 100 ms window above the threshold).

    Decodes at the file's own rate without a resampler and stops at the first loud window:
    an upload is checked while its request waits, and the resampler's graph could only be
    freed by a full garbage collection, which stops every request of the process.
    """
    kind = _check_file(path)
    limit = (10 ** (threshold_dbfs / 20)) ** 2  # the threshold as a mean square
    pending = np.zeros(0, np.float64)
    window = seen = 0
    tally = _Tally()
    with _open(path, kind) as container:
        for frame in _frames(container, _audio_stream(container, kind), tally):
            window = window or max(1, int(frame.sample_rate * _WINDOW_S))
            samples = _mono(frame)
            seen += len(samples)
            pending = np.concatenate((pending, samples))
            usable = len(pending) - len(pending) % window
            if usable and np.mean(np.square(pending[:usable].reshape(-1, window)),
                                  axis=1).max() >= limit:
                return False
            pending = pending[usable:]
    if tally.bad > tally.good:
        raise _unreadable(kind)
    if seen == 0:
        raise AudioError(AudioErrorCode.EMPTY, _("Ljudfilen innehåller inget ljud."))
    # A file shorter than one window is judged as a whole (as peak_rms_dbfs does).
    return not (seen < window and float(np.mean(np.square(pending))) >= limit)
