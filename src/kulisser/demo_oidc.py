"""The demo's OpenID login: `kulisser demo` starts the test provider (tests/oidc/provider.mjs,
the npm package `oidc-provider`) on 127.0.0.1 as a child process, with the demo's accounts
(`staff/demo_accounts.json`, the file the register's demo seed reads too), and points Kulisser's
OIDC settings at it. It needs a checkout (the provider is a test fixture, not in the wheel),
Node.js 20.19 or later and `npm ci` in tests/oidc (`make demo` tries it); where any is missing
or the provider does not answer, the demo runs with local passwords and says why.

The provider stops with the demo: `stop()` at the end of `kulisser demo`, and, should the demo
be killed, the provider exits when its stdin pipe from the demo closes.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from kulisser.config import Settings, get_settings
from kulisser.i18n import _
from kulisser.staff.demo import ACCOUNTS_FILE

PROVIDER_DIR = Path(__file__).resolve().parents[2] / "tests" / "oidc"
CLIENT_ID = "kulisser-demo"
MIN_NODE = (20, 19)
WAIT_SECONDS = 20.0


@dataclass
class DemoProvider:
    """A running demo provider: its issuer URL, the client's secret, the process and its log."""

    issuer: str
    client_secret: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """Stop the provider (politely, then for good)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdin is not None:
            self.process.stdin.close()

    def configure(self, environ: MutableMapping[str, str]) -> None:
        """Point Kulisser's OIDC settings (KULISSER_OIDC_*) at this provider."""
        environ["KULISSER_OIDC_ISSUER"] = self.issuer
        environ["KULISSER_OIDC_CLIENT_ID"] = CLIENT_ID
        environ["KULISSER_OIDC_CLIENT_SECRET"] = self.client_secret


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _node_version(node: str) -> tuple[int, ...]:
    try:
        out = subprocess.run(  # noqa: S603 - node from PATH, fixed arguments, no shell
            [node, "--version"], capture_output=True, text=True, timeout=10,
            check=False).stdout.strip().lstrip("v")
        return tuple(int(part) for part in out.split(".")[:2])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return ()


def missing(provider_dir: Path = PROVIDER_DIR, node: str | None = None) -> str:
    """Why the demo provider cannot start here (Swedish), or "" when it can."""
    if not (provider_dir / "provider.mjs").is_file():
        return _("testleverantören (tests/oidc/provider.mjs) finns bara i en utcheckning av "
                 "Kulisser, inte i ett installerat paket.")
    node = node or shutil.which("node")
    if node is None:
        return _("Node.js ({version} eller senare) finns inte.", version="20.19")
    if _node_version(node) < MIN_NODE:
        return _("Node.js är för gammal ({version} eller senare behövs).", version="20.19")
    if not (provider_dir / "node_modules" / "oidc-provider").is_dir():
        return _("npm-paketet oidc-provider är inte installerat: kör `make oidc-provider` "
                 "(npm ci i tests/oidc).")
    return ""


def start(*, app_hosts: tuple[str, ...], app_port: int, log_dir: Path,
          provider_dir: Path = PROVIDER_DIR, node: str | None = None,
          wait_seconds: float = WAIT_SECONDS) -> tuple[DemoProvider | None, str]:
    """Start the provider for a Kulisser at these hosts and port: (provider, "") or (None, why)."""
    why = missing(provider_dir, node)
    if why:
        return None, why
    node = node or shutil.which("node")
    assert node is not None
    port, secret = _free_port(), secrets.token_urlsafe(24)
    apps = [f"http://{host}:{app_port}" for host in dict.fromkeys(app_hosts)]
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "oidc-provider.log"
    env = {**os.environ, "OIDC_PORT": str(port), "OIDC_CLIENT_ID": CLIENT_ID,
           "OIDC_CLIENT_SECRET": secret, "OIDC_ACCOUNTS": str(ACCOUNTS_FILE),
           "OIDC_REDIRECT_URIS": ",".join(a + "/login/oidc/callback" for a in apps),
           "OIDC_POST_LOGOUT_URIS": ",".join(a + "/login" for a in apps),
           "OIDC_EXIT_WITH_STDIN": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - node from PATH, our own script, no shell
            [node, str(provider_dir / "provider.mjs")], cwd=provider_dir, env=env,
            stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT)
    provider = DemoProvider(issuer=f"http://127.0.0.1:{port}", client_secret=secret,
                            process=process, log=log)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(provider.issuer + "/.well-known/openid-configuration",
                         timeout=2).status_code == 200:
                return provider, ""
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    provider.stop()
    return None, _("testleverantören svarade inte (se {log}).", log=str(log))


def hosts(configured: str) -> tuple[str, ...]:
    """The host names a browser may use for the demo: the configured one, or the loopback's."""
    if configured in ("0.0.0.0", "::", ""):  # noqa: S104 - only compared, never bound here
        return ("127.0.0.1", "localhost")
    return (configured, "127.0.0.1", "localhost")


def for_demo(settings: Settings, *, port: int) -> DemoProvider | None:
    """`kulisser demo`'s provider, the settings pointed at it; None (having said why) if not."""
    if settings.oidc_issuer:  # the operator's own provider wins
        return None
    provider, why = start(app_hosts=hosts(settings.host), app_port=port,
                          log_dir=Path(settings.data_dir))
    if provider is None:
        print(_("  OpenID-inloggning i demon är av: {why} Lösenorden ovan fungerar.", why=why))
        return None
    provider.configure(os.environ)
    get_settings.cache_clear()  # the server reads the provider's settings
    print(_("  OpenID (demo): \"Logga in med SITHS-kort (demo)\" på inloggningssidan; "
            "testleverantören på {issuer} tar konton som sekreterare3 (två uppdrag) eller "
            "vikarie (ingen inloggning), valfritt lösenord.", issuer=provider.issuer))
    print()
    return provider
