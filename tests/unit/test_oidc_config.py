"""OpenID settings: consistent at start, and local passwords off only outside demo mode."""

from __future__ import annotations

import pytest

from kulisser.config import ConfigError, Settings

KEY = "k" * 40


def test_passwords_off_needs_an_issuer_and_an_issuer_needs_a_client() -> None:
    with pytest.raises(ConfigError, match="KULISSER_LOCAL_LOGIN=0"):
        Settings(mode="test", secret_key=KEY, local_login=False)
    with pytest.raises(ConfigError, match="KULISSER_OIDC_CLIENT_ID"):
        Settings(mode="test", secret_key=KEY, oidc_issuer="https://idp.example.se")


def test_demo_mode_keeps_passwords() -> None:
    common = {"secret_key": KEY, "local_login": False, "oidc_issuer": "https://idp.example.se",
              "oidc_client_id": "kulisser"}
    assert Settings(mode="demo", **common).password_login  # type: ignore[arg-type]
    assert not Settings(mode="test", **common).password_login  # type: ignore[arg-type]


def test_settings_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KULISSER_OIDC_ISSUER", "https://idp.example.se/")
    monkeypatch.setenv("KULISSER_OIDC_CLIENT_ID", "kulisser")
    monkeypatch.setenv("KULISSER_OIDC_CLAIM_ASSIGNMENT", "uppdrag")
    monkeypatch.setenv("KULISSER_LOCAL_LOGIN", "0")
    monkeypatch.setenv("KULISSER_OIDC_REDIRECT_URI", " ")
    settings = Settings(mode="test", secret_key=KEY)
    assert settings.oidc_claim_assignment == "uppdrag" and not settings.password_login
    assert settings.oidc_redirect_uri is None and settings.oidc_claim_person == "employeeHsaId"
