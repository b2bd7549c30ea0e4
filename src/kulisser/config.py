"""One settings class, read from KULISSER_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, IPvAnyNetwork, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEMO_SECRET_KEY = "kulisser-demo-secret-not-for-production"  # noqa: S105 - refused outside demo


class ConfigError(RuntimeError):
    """Raised when the settings are unsafe or inconsistent."""


class Settings(BaseSettings):
    """Runtime settings; every field can be set as KULISSER_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="KULISSER_", extra="ignore")

    mode: Literal["demo", "production", "test"] = "production"
    secret_key: str = DEMO_SECRET_KEY
    database_url: str = "sqlite:///var/kulisser.db"
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8000
    # Sessions: idle and absolute limits; healthcare workstations are shared.
    session_idle_minutes: int = 60
    session_max_hours: int = 10
    cookie_secure: bool | None = None
    # Login throttling: failures per username and per address within the window.
    login_max_failures: int = 5
    login_max_failures_per_ip: int = 30
    login_window_minutes: int = 15
    # Reverse proxies whose X-Forwarded-For (and -Proto) is believed: addresses or networks,
    # comma-separated. Empty: the TCP peer is the client, whatever the headers say.
    trusted_proxies: Annotated[tuple[IPvAnyNetwork, ...], NoDecode] = ()
    # Emergency access (nödåtkomst) lasts this long before it must be asked for again.
    emergency_access_minutes: int = 240
    # An open item due within this many hours is "due soon".
    due_soon_hours: int = 4
    page_size: int = 50
    # Under load (README "Under load"): each server process lets this many requests work at
    # once; the rest wait in line, on the event loop and holding no connection, for at most
    # `request_queue_seconds`, then get 503 with Retry-After. The connection pool is sized
    # from the same figure (unset: the limit plus room for the embedded job runner), so an
    # admitted request never waits for a connection; a wait longer than `db_pool_timeout`
    # answers 503 too, never a frozen server.
    max_concurrent_requests: int = Field(default=16, ge=1, le=500)
    request_queue_seconds: float = Field(default=10.0, gt=0, le=300)
    retry_after_seconds: int = Field(default=5, ge=1, le=3600)
    db_pool_size: int | None = Field(default=None, ge=1, le=500)
    db_max_overflow: int = Field(default=4, ge=0, le=500)
    db_pool_timeout: float = Field(default=5.0, gt=0, le=300)
    # Jobs: "embedded" runs them in the web process; "worker" leaves them to `kulisser worker`
    # processes polling the job table; "procrastinate" (PostgreSQL, production) hands them to
    # `kulisser worker` processes through procrastinate (kulisser.jobs.pgqueue).
    jobs: Literal["embedded", "worker", "procrastinate"] = "embedded"
    # "embedded" and "worker": a job's lease, renewed by a heartbeat every third of it while
    # the job runs; a killed worker's job runs again once its lease is out.
    job_lease_seconds: int = Field(default=45, ge=10, le=3600)
    # Dictations: longer or larger recordings are refused at upload (a recorder left running
    # would hold a recognition worker for a long time).
    # Request bodies larger than this are refused (413) as they arrive, before authentication;
    # dictation audio, referral PDFs and results imports have the larger limits below.
    max_body_megabytes: int = Field(default=2, ge=1)
    results_import_max_megabytes: int = Field(default=50, ge=1)
    dictation_max_minutes: int = 60
    dictation_max_megabytes: int = 200
    # Speech recognition (docs/speech.md). No model path: the bundled Whisper base model.
    speech_model_path: str | None = None
    # A language code, or "auto" to let Whisper guess (dictations are Swedish; guessing errs).
    speech_language: str = "sv"
    speech_compute_type: str = "int8"
    speech_beam_size: int = Field(default=5, ge=1, le=10)
    speech_cpu_threads: int = Field(default=2, ge=1, le=64)
    speech_vad: bool = True
    # Referrals: an outgoing referral unanswered this many days gets a "chase" work item;
    # PDF attachments larger than this are refused.
    referral_chase_days: int = Field(default=30, ge=1, le=365)
    referral_attachment_max_megabytes: int = 20
    # SMS reminders go out this many days before a visit (0: on the day itself).
    sms_reminders: bool = True
    sms_reminder_days_before: int = Field(default=2, ge=0, le=60)
    # Where the default adapters write (referral file drop, digital-mailbox drop, SMS log);
    # unset: <data_dir>/outbox.
    outbox_dir: Path | None = None
    # Coding: the rule file of the coding checks (sex/age limits); unset: the shipped
    # coding/rules/default.toml. kulisser.coding.checks reads it from the environment.
    coding_rules: Path | None = None
    # The care provider's HSA-id written in the patient-register file (coding/register_layout.py).
    care_provider_hsa_id: str = ""
    # The region's monthly report goes to these, comma-separated, through the mailbox adapter
    # (stats/report_send.py); a unit's report goes to its managers.
    report_recipients: str = ""
    # Another transport: "package.module:factory", a callable that takes these settings and
    # returns the adapter (kulisser.adapters); unset: the default adapter on disk.
    sms_adapter: str | None = None
    mailbox_adapter: str | None = None
    referral_adapter: str | None = None
    # Login through the region's OpenID provider (README "Login through the identity
    # provider"); no issuer: OpenID login is off. The claim names are the region's.
    oidc_issuer: str | None = None
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid profile"
    oidc_redirect_uri: str | None = None  # unset: this server's /login/oidc/callback
    oidc_claim_person: str = "employeeHsaId"
    oidc_claim_assignment: str = "commissionHsaId"
    oidc_claim_provider: str = "healthCareProviderHsaId"
    # Local passwords; off (0) only with an OpenID provider. Demo mode keeps them.
    local_login: bool = True

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("sms_adapter", "mailbox_adapter", "referral_adapter", "speech_model_path",
                     "oidc_issuer", "oidc_redirect_uri", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("sms_adapter", "mailbox_adapter", "referral_adapter")
    @classmethod
    def _adapter_importable(cls, value: str | None) -> str | None:
        if value is not None:
            from kulisser.adapters import resolve

            resolve(value)  # fail at start-up, not at the first letter
        return value

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.mode == "production" and (
            self.secret_key == DEMO_SECRET_KEY or len(self.secret_key) < 32
        ):
            raise ConfigError(
                "KULISSER_SECRET_KEY must be set to a random value of at least 32 characters "
                "outside demo mode (python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if self.jobs == "procrastinate" and not self.database_url.startswith("postgresql"):
            raise ConfigError("KULISSER_JOBS=procrastinate needs a PostgreSQL KULISSER_DATABASE_URL.")
        if self.oidc_issuer and not self.oidc_client_id:
            raise ConfigError("KULISSER_OIDC_ISSUER needs KULISSER_OIDC_CLIENT_ID.")
        if not self.local_login and not self.oidc_issuer:
            raise ConfigError("KULISSER_LOCAL_LOGIN=0 needs KULISSER_OIDC_ISSUER (or no one logs in).")
        return self

    @property
    def pool_options(self) -> dict[str, int | float]:
        """The engine's connection pool: room for every admitted request and the job runner."""
        size = self.db_pool_size or self.max_concurrent_requests + 4
        return {"pool_size": size, "max_overflow": self.db_max_overflow,
                "pool_timeout": self.db_pool_timeout}

    @property
    def outbox(self) -> Path:
        """The folder of the default sending adapters."""
        return self.outbox_dir if self.outbox_dir is not None else Path(self.data_dir) / "outbox"

    @property
    def password_login(self) -> bool:
        """Whether local passwords are accepted (always in demo mode)."""
        return self.local_login or self.mode == "demo"

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies carry the Secure flag (default: only in production)."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.mode == "production"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
