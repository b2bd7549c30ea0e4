"""Settings: unsafe secrets are refused outside demo, cookies are secure in production, env is read."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from kulisser.config import DEMO_SECRET_KEY, ConfigError, Settings, get_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No KULISSER_* variable of the developer's shell leaks into these tests."""
    for name in list(os.environ):
        if name.startswith("KULISSER_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_production_refuses_the_demo_secret() -> None:
    with pytest.raises(ConfigError) as exc:
        Settings(mode="production", secret_key=DEMO_SECRET_KEY)
    assert "KULISSER_SECRET_KEY" in str(exc.value)
    assert "32" in str(exc.value)


def test_production_is_the_default_mode_and_needs_a_secret() -> None:
    # Nothing set at all: a production server must not start with the demo's known key.
    with pytest.raises(ConfigError, match="KULISSER_SECRET_KEY"):
        Settings()


@pytest.mark.parametrize("secret", ["", "short", "x" * 31])
def test_production_refuses_short_secrets(secret: str) -> None:
    with pytest.raises(ConfigError, match="KULISSER_SECRET_KEY"):
        Settings(mode="production", secret_key=secret)


def test_production_accepts_a_long_random_secret() -> None:
    key = secrets.token_urlsafe(36)
    assert len(key) == 48
    settings = Settings(mode="production", secret_key=key)
    assert settings.secret_key == key and settings.mode == "production"
    assert Settings(mode="production", secret_key="y" * 32).secret_key == "y" * 32  # the boundary


@pytest.mark.parametrize("mode", ["demo", "test"])
def test_demo_and_test_modes_accept_the_default_secret(mode: str) -> None:
    settings = Settings(mode=mode)
    assert settings.secret_key == DEMO_SECRET_KEY


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(mode="staging")


def test_secure_cookies_follow_the_mode_unless_overridden() -> None:
    key = secrets.token_urlsafe(36)
    assert Settings(mode="production", secret_key=key).secure_cookies is True
    assert Settings(mode="demo").secure_cookies is False
    assert Settings(mode="test").secure_cookies is False
    # An explicit setting wins either way (a demo served over TLS; a test box on plain http).
    assert Settings(mode="demo", cookie_secure=True).secure_cookies is True
    assert Settings(mode="production", secret_key=key, cookie_secure=False).secure_cookies is False


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = secrets.token_urlsafe(36)
    monkeypatch.setenv("KULISSER_MODE", "production")
    monkeypatch.setenv("KULISSER_SECRET_KEY", key)
    monkeypatch.setenv("KULISSER_DATABASE_URL", "postgresql+psycopg://k@db.example/kulisser")
    monkeypatch.setenv("KULISSER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KULISSER_PORT", "8123")
    monkeypatch.setenv("KULISSER_PAGE_SIZE", "7")
    monkeypatch.setenv("KULISSER_SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("KULISSER_EMERGENCY_ACCESS_MINUTES", "60")
    monkeypatch.setenv("KULISSER_JOBS", "worker")
    monkeypatch.setenv("KULISSER_COOKIE_SECURE", "false")
    s = Settings()
    assert (s.mode, s.secret_key, s.database_url) == (
        "production", key, "postgresql+psycopg://k@db.example/kulisser")
    assert s.data_dir == tmp_path
    assert (s.port, s.page_size, s.session_idle_minutes, s.emergency_access_minutes) == (8123, 7, 15, 60)
    assert s.jobs == "worker"
    assert s.secure_cookies is False
    # Unprefixed names are not ours: MODE=demo must not turn a production server into a demo.
    monkeypatch.setenv("MODE", "demo")
    assert Settings().mode == "production"


def test_secret_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KULISSER_MODE", "production")
    monkeypatch.setenv("KULISSER_SECRET_KEY", "too-short")
    with pytest.raises(ConfigError, match="KULISSER_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("KULISSER_MODE", "demo")
    assert Settings().secret_key == "too-short"


def test_bad_values_in_the_environment_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KULISSER_MODE", "demo")
    monkeypatch.setenv("KULISSER_PORT", "not-a-port")
    with pytest.raises(ValidationError, match="port"):
        Settings()


def test_get_settings_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KULISSER_MODE", "demo")
    monkeypatch.setenv("KULISSER_PAGE_SIZE", "11")
    first = get_settings()
    assert first.mode == "demo" and first.page_size == 11
    monkeypatch.setenv("KULISSER_PAGE_SIZE", "12")
    assert get_settings() is first  # one process, one settings object


def test_speech_and_sms_settings_are_read_and_bounded(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    monkeypatch.setenv("KULISSER_MODE", "demo")
    monkeypatch.setenv("KULISSER_SPEECH_MODEL_PATH", "/srv/models/kb-whisper-large")
    monkeypatch.setenv("KULISSER_SPEECH_BEAM_SIZE", "1")
    monkeypatch.setenv("KULISSER_SPEECH_VAD", "off")
    monkeypatch.setenv("KULISSER_SMS_REMINDERS", "no")
    monkeypatch.setenv("KULISSER_SMS_REMINDER_DAYS_BEFORE", "3")
    monkeypatch.setenv("KULISSER_OUTBOX_DIR", str(tmp_path / "ut"))
    s = Settings()
    assert (s.speech_model_path, s.speech_beam_size, s.speech_vad) == (
        "/srv/models/kb-whisper-large", 1, False)
    assert (s.sms_reminders, s.sms_reminder_days_before) == (False, 3)
    assert s.outbox == tmp_path / "ut"
    # Unset, the outbox lies in the data folder, and a blank model path means the bundled model.
    assert Settings(mode="demo", data_dir=tmp_path, outbox_dir=None).outbox == tmp_path / "outbox"
    assert Settings(mode="demo", speech_model_path="  ").speech_model_path is None
    for name, value in [("KULISSER_SMS_REMINDER_DAYS_BEFORE", "-1"),
                        ("KULISSER_SMS_REMINDER_DAYS_BEFORE", "61"),
                        ("KULISSER_SPEECH_BEAM_SIZE", "0"), ("KULISSER_SMS_REMINDERS", "kanske")]:
        monkeypatch.setenv(name, value)
        with pytest.raises(ValidationError):
            Settings()
        monkeypatch.delenv(name)


def test_an_adapter_must_name_an_importable_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KULISSER_MODE", "demo")
    assert Settings(sms_adapter="tests.unit.test_config:_fake_sms").sms_adapter is not None
    for spec, message in [("no-colon", "package.module:factory"),
                          ("kulisser.nosuchmodule:make", "cannot be imported"),
                          ("tests.unit.test_config:nothing_here", "has no"),
                          ("tests.unit.test_config:DEMO_SECRET_KEY", "not callable")]:
        with pytest.raises(ValidationError, match=message):
            Settings(mailbox_adapter=spec)


class _FakeSms:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, *, to: str, text: str, reference: str) -> None:
        """Send nothing."""


def _fake_sms(settings: Settings) -> _FakeSms:
    return _FakeSms(settings)


def test_the_named_adapters_are_the_ones_the_jobs_use() -> None:
    from kulisser.letters import jobs as letter_jobs
    from kulisser.referrals import sender

    chosen = Settings(mode="demo", sms_adapter="tests.unit.test_config:_fake_sms",
                      mailbox_adapter="tests.unit.test_config:_fake_sms",
                      referral_adapter="tests.unit.test_config:_fake_sms")
    letter_jobs.configure()
    try:
        made = letter_jobs.sms_sender(chosen)
        assert isinstance(made, _FakeSms) and made.settings is chosen
        assert isinstance(letter_jobs.mailbox(chosen), _FakeSms)
        assert isinstance(sender.get_sender(chosen), _FakeSms)
    finally:
        letter_jobs.configure()
    plain = Settings(mode="demo", outbox_dir=Path("/srv/ut"))
    assert letter_jobs.mailbox(plain).folder == Path("/srv/ut/mailbox")  # type: ignore[attr-defined]
    assert sender.get_sender(plain).folder == Path("/srv/ut/referrals")  # type: ignore[attr-defined]
