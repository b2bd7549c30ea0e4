"""Probing, decoding and silence detection of audio files (PyAV, no model)."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from kulisser.speech import AudioError, AudioErrorCode, decode_audio, is_silent, probe_audio
from kulisser.speech.synth import write_wav

SENTENCE = ["Patienten mår bra och kan gå hem i dag."]


@pytest.fixture(scope="module")
def speech(speak_wav: Callable[..., Path]) -> Path:
    """A few seconds of Swedish speech as WAV."""
    return speak_wav(SENTENCE)


def _error(path: Path, **kwargs: float) -> AudioError:
    with pytest.raises(AudioError) as caught:
        probe_audio(path, **kwargs)
    assert caught.value.message_sv  # every error carries text for the secretary
    return caught.value


# (suffix, codec, container, sample rate): one per format the dictation feature accepts.
FORMATS = [
    ("wav", "pcm_s16le", None, None),
    ("mp3", "libmp3lame", None, None),
    ("m4a", "aac", "ipod", None),
    ("ogg", "libopus", "ogg", 48_000),
    ("webm", "libopus", "webm", 48_000),
    ("flac", "flac", None, None),
]


@pytest.mark.parametrize(("suffix", "codec", "container", "rate"), FORMATS,
                         ids=[f[0] + "-" + f[1] for f in FORMATS])
def test_probe_and_decode_accept_each_supported_format(
    speech: Path, transcode: Callable[..., Path], tmp_path: Path,
    suffix: str, codec: str, container: str | None, rate: int | None,
) -> None:
    original = probe_audio(speech)
    path = transcode(speech, tmp_path / f"speech.{suffix}", codec=codec,
                     container=container, rate=rate)
    info = probe_audio(path)
    # Encoders pad a frame or two of priming samples; a tenth of a second is plenty.
    assert info.duration_s == pytest.approx(original.duration_s, abs=0.1)
    assert info.channels == 1
    assert info.sample_rate > 0
    samples = decode_audio(path)
    assert samples.dtype == np.float32
    assert len(samples) / 16_000 == pytest.approx(original.duration_s, abs=0.1)
    assert not is_silent(path)


def test_probe_reads_duration_of_streamed_webm_without_header_duration(
    speech: Path, transcode: Callable[..., Path], tmp_path: Path
) -> None:
    # Browsers' MediaRecorder writes WebM as a live stream: no duration in the header.
    path = transcode(speech, tmp_path / "live.webm", codec="libopus", container="webm",
                     rate=48_000, options={"live": "1"})
    with av.open(str(path)) as container:
        assert container.duration is None and container.streams.audio[0].duration is None
    assert probe_audio(path).duration_s == pytest.approx(probe_audio(speech).duration_s,
                                                         abs=0.1)


def test_missing_file(tmp_path: Path) -> None:
    assert _error(tmp_path / "nothing.wav").code is AudioErrorCode.MISSING


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp3"
    path.write_bytes(b"")
    assert _error(path).code is AudioErrorCode.EMPTY


def test_wav_without_samples_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "header-only.wav"
    write_wav(path, np.zeros(0, np.float32), rate=16_000)
    assert _error(path).code is AudioErrorCode.EMPTY


@pytest.mark.parametrize("head", [b"", b"%PDF-1.7\n", b"PK\x03\x04"], ids=["random", "pdf", "zip"])
def test_random_bytes_and_documents_are_unsupported(tmp_path: Path, head: bytes) -> None:
    path = tmp_path / "upload.wav"  # the name claims audio; the bytes decide
    path.write_bytes(head + random.Random(1).randbytes(20_000))
    assert _error(path).code is AudioErrorCode.UNSUPPORTED_FORMAT


@pytest.mark.parametrize("magic", [b"\x02dss", b"\x03dss", b"\x03ds2"])
def test_dictaphone_dss_files_are_unsupported_with_advice(tmp_path: Path, magic: bytes) -> None:
    path = tmp_path / "diktat.dss"
    path.write_bytes(magic + bytes(1020) + random.Random(2).randbytes(20_000))
    error = _error(path)
    assert error.code is AudioErrorCode.UNSUPPORTED_FORMAT
    assert "DSS" in error.message_sv


def test_truncated_m4a_is_corrupt(
    speech: Path, transcode: Callable[..., Path], tmp_path: Path
) -> None:
    whole = transcode(speech, tmp_path / "whole.m4a", codec="aac", container="ipod")
    path = tmp_path / "truncated.m4a"
    # The muxer writes the index (moov) last, so a cut-off upload loses it.
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert _error(path).code is AudioErrorCode.CORRUPT


def test_supported_magic_with_garbage_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "broken.flac"
    path.write_bytes(b"fLaC" + random.Random(3).randbytes(20_000))
    assert _error(path).code is AudioErrorCode.CORRUPT


def test_video_without_audio_has_no_audio_stream(tmp_path: Path) -> None:
    path = tmp_path / "video.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(5):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 10)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    assert _error(path).code is AudioErrorCode.NO_AUDIO_STREAM


def test_unsupported_codec_in_supported_container(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="matroska") as container:
        stream = container.add_stream("ac3", rate=48_000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 48_000), np.float32), format="fltp",
                                           layout="mono")
        frame.sample_rate = 48_000
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    path = tmp_path / "film.mkv"
    path.write_bytes(buffer.getvalue())
    assert _error(path).code is AudioErrorCode.UNSUPPORTED_FORMAT


def test_too_long_names_both_lengths(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    write_wav(path, np.zeros(16_000 * 90, np.float32), rate=16_000)
    assert probe_audio(path).duration_s == pytest.approx(90.0)
    error = _error(path, max_duration_s=60.0)
    assert error.code is AudioErrorCode.TOO_LONG
    assert error.params == {"minutes": 1.5, "limit": 1.0}
    assert "1.5" in error.message_sv


def test_silence_and_faint_noise_are_silent(tmp_path: Path) -> None:
    quiet = tmp_path / "quiet.wav"
    noise = np.random.default_rng(0).normal(0, 10 ** (-70 / 20), 16_000 * 3)
    write_wav(quiet, noise.astype(np.float32), rate=16_000)
    zeros = tmp_path / "zeros.wav"
    write_wav(zeros, np.zeros(16_000, np.float32), rate=16_000)
    assert is_silent(quiet)
    assert is_silent(zeros)


def test_a_short_tone_in_long_silence_is_not_silent(tmp_path: Path) -> None:
    # Loudness is judged per 100 ms window, so one short sound in a long file still counts.
    audio = np.zeros(16_000 * 30, np.float32)
    audio[16_000:19_200] = 0.1 * np.sin(np.arange(3_200) * 2 * np.pi * 440 / 16_000)
    path = tmp_path / "blip.wav"
    write_wav(path, audio, rate=16_000)
    assert not is_silent(path)


def _stereo_wav(path: Path, left: np.ndarray, right: np.ndarray, *, width: int, rate: int) -> None:
    """Interleaved stereo PCM (8-bit unsigned or 16-bit signed), as a phone app may send."""
    import wave

    both = np.stack([left, right], axis=1).reshape(-1)
    pcm = ((both * 127 + 128).astype(np.uint8) if width == 1
           else (both * 32767).astype("<i2"))
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())


@pytest.mark.parametrize("width", [1, 2])
def test_silence_is_judged_in_any_sample_format_and_rate(tmp_path: Path, width: int) -> None:
    # 44.1 kHz stereo, the tone in one channel only at -30 dBFS RMS: loud enough (the channels'
    # mean is about -36 dBFS, above the -50 dBFS threshold); an 8-bit file's own quantization
    # noise around its mid-point must not count as sound.
    rate = 44_100
    t = np.arange(rate * 2) / rate
    tone = (10 ** (-30 / 20) * np.sqrt(2) * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    quiet = np.zeros_like(tone)
    loud_path, quiet_path = tmp_path / "loud.wav", tmp_path / "quiet.wav"
    _stereo_wav(loud_path, quiet, tone, width=width, rate=rate)
    _stereo_wav(quiet_path, quiet, quiet, width=width, rate=rate)
    assert not is_silent(loud_path)
    assert is_silent(quiet_path)


def test_silence_of_planar_float_audio(tmp_path: Path) -> None:
    # FLAC decodes to packed integers, MP3 to planar float: both are read as they come.
    for codec, suffix in (("libmp3lame", "mp3"), ("flac", "flac")):
        for level, silent in ((0.2, False), (0.0, True)):
            path = tmp_path / f"{level}.{suffix}"
            with av.open(str(path), "w") as container:
                stream = container.add_stream(codec, rate=48_000, layout="stereo")
                samples = level * np.sin(np.arange(48_000) * 2 * np.pi * 300 / 48_000)
                fmt = "fltp" if codec == "libmp3lame" else "s16"
                data = (np.stack([samples, samples]).astype(np.float32) if fmt == "fltp"
                        else (np.stack([samples, samples]).T.reshape(1, -1) * 32767).astype(np.int16))
                frame = av.AudioFrame.from_ndarray(data, format=fmt, layout="stereo")
                frame.sample_rate = 48_000
                container.mux(stream.encode(frame))
                container.mux(stream.encode(None))
            assert is_silent(path) is silent, (codec, level)
