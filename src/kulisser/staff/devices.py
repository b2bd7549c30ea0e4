"""Known devices: a signed cookie, set at a successful login, that names the browser per user.

Login throttling locks an account after repeated failures. Counted over every address, that
lock would let anyone lock a colleague out by typing wrong passwords from another machine.
So a browser where the user has logged in before carries a signed entry (user id, a random
device id, when it was issued); its attempts are counted apart, by that device id, and the
lock others caused does not stop it. The signature (HMAC with the secret key) means the entry
cannot be forged or moved to another user; the device id alone grants nothing without the
password. (A progressive delay was the other choice: grown by an attacker it still keeps the
real user waiting, and capped it lets the attacker go on guessing.)

Workstations are shared, so one cookie keeps an entry for each of the last few users.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

DEVICE_COOKIE = "kulisser_device"
# The cookie is only needed by the login form's POST; nothing else ever receives it.
DEVICE_COOKIE_PATH = "/login"
DEVICE_DAYS = 180
MAX_ENTRIES = 8
_SEPARATOR = "~"


def _key(secret: str) -> bytes:
    # A key of its own, so that no other signature made with the secret fits a device entry.
    return hashlib.sha256(b"kulisser-device-cookie\0" + secret.encode()).digest()


def _sign(secret: str, payload: str) -> str:
    mac = hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _entry(secret: str, *, user_id: int, device_id: str, issued: int) -> str:
    payload = f"{user_id}.{device_id}.{issued}"
    return f"{payload}.{_sign(secret, payload)}"


def known_devices(cookie: str | None, *, secret: str, now: datetime) -> dict[int, str]:
    """The device id per user id of a cookie's valid, unexpired entries (others are ignored)."""
    found: dict[int, str] = {}
    if not cookie:
        return found
    oldest = int((now - timedelta(days=DEVICE_DAYS)).timestamp())
    for raw in cookie.split(_SEPARATOR)[:MAX_ENTRIES]:
        parts = raw.split(".")
        if len(parts) != 4 or not parts[0].isdigit() or not parts[2].isdigit():
            continue
        payload = ".".join(parts[:3])
        if not hmac.compare_digest(_sign(secret, payload), parts[3]):
            continue
        if int(parts[2]) < oldest or len(parts[1]) > 32:
            continue
        found.setdefault(int(parts[0]), parts[1])
    return found


def remember(cookie: str | None, *, secret: str, user_id: int, now: datetime) -> str:
    """The cookie's new value after a successful login: this user's entry first, renewed."""
    current = known_devices(cookie, secret=secret, now=now)
    # Keep the device id across logins, so a failure count stays with its browser.
    device_id = current.get(user_id) or secrets.token_hex(8)
    entries = [_entry(secret, user_id=user_id, device_id=device_id, issued=int(now.timestamp()))]
    kept = [raw for raw in (cookie or "").split(_SEPARATOR)[:MAX_ENTRIES]
            if raw and not raw.startswith(f"{user_id}.")
            and known_devices(raw, secret=secret, now=now)]
    return _SEPARATOR.join((entries + kept)[:MAX_ENTRIES])
