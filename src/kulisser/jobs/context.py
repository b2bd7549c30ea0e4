"""What a job task receives: its transaction's session and the settings its process started with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from kulisser.config import Settings


@dataclass(frozen=True)
class JobContext:
    """A task's session (committed by the runner when the job is recorded done) and settings.

    The settings are the ones the app or `kulisser worker` was started with, read and checked
    once at start; a task never reads the environment or a module global for configuration.
    """

    session: Session
    settings: Settings
