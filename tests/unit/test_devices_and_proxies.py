"""Known-device cookies (staff.devices) and the client address behind proxies (web.deps)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network
from typing import Any

import pytest

from kulisser.config import Settings
from kulisser.staff import devices
from kulisser.web.deps import forwarded_client

SECRET = "s" * 40
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def test_a_remembered_device_is_known_for_its_user_only() -> None:
    cookie = devices.remember(None, secret=SECRET, user_id=7, now=NOW)
    known = devices.known_devices(cookie, secret=SECRET, now=NOW)
    assert list(known) == [7] and len(known[7]) == 16


def test_the_device_id_stays_across_logins_and_other_users_are_kept() -> None:
    first = devices.remember(None, secret=SECRET, user_id=7, now=NOW)
    device = devices.known_devices(first, secret=SECRET, now=NOW)[7]
    both = devices.remember(first, secret=SECRET, user_id=8, now=NOW)
    again = devices.remember(both, secret=SECRET, user_id=7, now=NOW + timedelta(days=1))
    known = devices.known_devices(again, secret=SECRET, now=NOW + timedelta(days=1))
    assert known[7] == device and set(known) == {7, 8}
    assert again.count("~") == 1  # one entry per user, not one per login


def test_a_shared_browser_keeps_the_last_few_users() -> None:
    cookie = None
    for user_id in range(1, 20):
        cookie = devices.remember(cookie, secret=SECRET, user_id=user_id, now=NOW)
    known = devices.known_devices(cookie, secret=SECRET, now=NOW)
    assert set(known) == set(range(20 - devices.MAX_ENTRIES, 20))


@pytest.mark.parametrize("tamper", [
    lambda c: c.replace("7.", "8.", 1),                         # moved to another user
    lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),  # signature changed
    lambda c: "7.abcdef0123456789.1.x",                         # made up
    lambda c: "",
])
def test_a_forged_or_altered_entry_is_not_known(tamper) -> None:  # type: ignore[no-untyped-def]
    cookie = devices.remember(None, secret=SECRET, user_id=7, now=NOW)
    assert devices.known_devices(tamper(cookie), secret=SECRET, now=NOW) == {}


def test_another_secret_or_an_old_entry_is_not_known() -> None:
    cookie = devices.remember(None, secret=SECRET, user_id=7, now=NOW)
    assert devices.known_devices(cookie, secret="t" * 40, now=NOW) == {}
    late = NOW + timedelta(days=devices.DEVICE_DAYS + 1)
    assert devices.known_devices(cookie, secret=SECRET, now=late) == {}


PROXIES = (ip_network("10.0.0.0/8"), ip_network("192.0.2.1"))


def test_forwarded_for_is_ignored_without_trusted_proxies() -> None:
    assert forwarded_client("10.1.1.1", ["198.51.100.7"], ()) == "10.1.1.1"


def test_forwarded_for_is_ignored_from_an_untrusted_peer() -> None:
    assert forwarded_client("203.0.113.9", ["198.51.100.7"], PROXIES) == "203.0.113.9"


def test_the_client_is_the_first_untrusted_hop_from_the_right() -> None:
    # The client wrote "1.2.3.4" itself; the trusted proxies appended what they saw.
    assert forwarded_client("10.1.1.1", ["1.2.3.4, 198.51.100.7, 10.2.2.2"], PROXIES) == "198.51.100.7"
    assert forwarded_client("192.0.2.1", ["1.2.3.4", "198.51.100.7:5555"], PROXIES) == "198.51.100.7"
    assert forwarded_client("10.1.1.1", ["[2001:db8::5]:443"], PROXIES) == "2001:db8::5"


def test_garbage_or_an_all_trusted_chain_stops_at_the_last_good_hop() -> None:
    assert forwarded_client("10.1.1.1", ["not-an-ip, 10.2.2.2"], PROXIES) == "10.2.2.2"
    assert forwarded_client("10.1.1.1", ["10.3.3.3, 10.2.2.2"], PROXIES) == "10.3.3.3"
    assert forwarded_client("10.1.1.1", [], PROXIES) == "10.1.1.1"


def test_trusted_proxies_setting_is_comma_separated_and_checked() -> None:
    settings = Settings(mode="demo", trusted_proxies="10.0.0.0/8, 192.0.2.1")  # type: ignore[arg-type]
    assert settings.trusted_proxies == PROXIES
    assert Settings(mode="demo").trusted_proxies == ()
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings(mode="demo", trusted_proxies="proxy.example")  # type: ignore[arg-type]


@pytest.mark.parametrize("trusted", ["", "10.0.0.0/8, 192.0.2.1"])
def test_serve_gives_uvicorn_the_same_trusted_proxies(monkeypatch: pytest.MonkeyPatch,
                                                      trusted: str) -> None:
    import uvicorn
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from kulisser import cli

    settings = Settings(mode="demo", trusted_proxies=trusted)  # type: ignore[arg-type]
    seen: dict[str, Any] = {}
    monkeypatch.setattr(cli, "_settings", lambda: settings)
    monkeypatch.setattr(uvicorn, "run", lambda *_a, **kw: seen.update(kw))
    cli.main(["serve"])
    assert seen["proxy_headers"] is bool(trusted)
    if not trusted:
        return

    async def client_seen_by_app(peer: str, forwarded: str) -> str:
        found: dict[str, Any] = {}

        async def app(scope: Any, _receive: Any, _send: Any) -> None:
            found.update(scope)

        middleware = ProxyHeadersMiddleware(app, trusted_hosts=seen["forwarded_allow_ips"])
        await middleware({"type": "http", "client": (peer, 1), "headers": [
            (b"x-forwarded-for", forwarded.encode())]}, None, None)  # type: ignore[arg-type]
        return str(found["client"][0])

    # uvicorn rewrites the peer exactly where client_ip() would have: the two agree.
    for peer, forwarded in (("10.1.1.1", "1.2.3.4, 198.51.100.7, 10.2.2.2"),
                            ("192.0.2.1", "198.51.100.8"), ("203.0.113.9", "198.51.100.9")):
        rewritten = asyncio.run(client_seen_by_app(peer, forwarded))
        assert rewritten == forwarded_client(peer, [forwarded], settings.trusted_proxies)
        assert forwarded_client(rewritten, [forwarded], settings.trusted_proxies) == rewritten
