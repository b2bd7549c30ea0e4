"""Login through a real OpenID provider (tests/oidc: `oidc-provider` from npm) on 127.0.0.1:
the code flow with PKCE, followed by httpx through the provider's own login form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import select

from kulisser.db import Database
from kulisser.staff.models import LoginAttempt, UserSession
from kulisser.staff.service import token_hash
from tests.conftest import migrated_database_url
from tests.factories import csrf_from
from tests.oidc import harness
from tests.oidc.harness import ACCOUNTS, DATA, TASKS, UNIT_1, UNIT_2, OidcLive


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcLive]:
    """The provider and a Kulisser server (local passwords off) on a seeded database."""
    tmp = tmp_path_factory.mktemp("oidc")
    url, drop = migrated_database_url(tmp, "oidcflow")
    with harness.running(tmp, url) as running:
        yield running
    drop()  # type: ignore[operator]


def _form(html: str) -> tuple[str, dict[str, str]]:
    """The first form's action and its hidden fields."""
    action = re.search(r'<form[^>]*action="([^"]*)"', html)
    assert action, html[:500]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return action.group(1), fields


def login_at_provider(client: httpx.Client, live: OidcLive, account: str) -> httpx.Response:
    """Start at Kulisser, log in on the provider's form, follow every redirect back."""
    form = client.get(live.app + "/login/oidc")
    assert form.status_code == 200 and urlparse(str(form.url)).port == urlparse(live.issuer).port
    action, _hidden = _form(form.text)
    return client.post(httpx.URL(str(form.url)).join(action),
                       data={"login": account, "password": "vad-som-helst"})


def _db(live: OidcLive) -> Database:
    return Database(live.database_url)


def _sessions(live: OidcLive, user_id: int) -> list[UserSession]:
    db = _db(live)
    with db.session() as session:
        rows = list(session.scalars(select(UserSession).where(UserSession.user_id == user_id)))
        session.expunge_all()
    db.engine.dispose()
    return rows


def test_one_assignment_logs_straight_into_that_unit(live: OidcLive) -> None:
    with httpx.Client(follow_redirects=True, timeout=20) as client:
        page = login_at_provider(client, live, "ett-uppdrag")
        assert page.status_code == 200 and urlparse(str(page.url)).path == "/arbetslista"
        # Elsa has assignments in both units; her claim names the first: she works there.
        assert TASKS[UNIT_1[0]] in page.text and TASKS[UNIT_2[0]] not in page.text
    [row] = _sessions(live, live.ids["elsa"])
    assert row.unit_id == live.ids[UNIT_1[0]]
    assert row.login_method == f"oidc acr={DATA['acr']} amr={','.join(DATA['amr'])}"
    assert row.id_token and row.id_token.count(".") == 2


def test_two_assignments_choose_one_after_login(live: OidcLive) -> None:
    with httpx.Client(follow_redirects=True, timeout=20) as client:
        page = login_at_provider(client, live, "tva-uppdrag")
        assert urlparse(str(page.url)).path == "/login/enhet"
        assert UNIT_1[1] in page.text and UNIT_2[1] in page.text
        assert not _sessions(live, live.ids["tove"])  # no session before the choice
        _action, hidden = _form(page.text)
        forged = client.post(live.app + "/login/enhet",
                             data={"csrf_token": "x", "unit_id": str(live.ids[UNIT_2[0]])})
        assert forged.status_code == 400 and not _sessions(live, live.ids["tove"])
        refused = client.post(live.app + "/login/enhet",
                              data={**hidden, "unit_id": str(live.ids["tove"] + 10_000)})
        assert refused.status_code == 422 and "Välj en av vårdenheterna" in refused.text
        chosen = client.post(live.app + "/login/enhet",
                             data={**hidden, "unit_id": str(live.ids[UNIT_2[0]])})
        assert urlparse(str(chosen.url)).path == "/arbetslista"
        assert TASKS[UNIT_2[0]] in chosen.text and TASKS[UNIT_1[0]] not in chosen.text
    [row] = _sessions(live, live.ids["tove"])
    assert row.unit_id == live.ids[UNIT_2[0]] and row.login_method.startswith("oidc acr=")


def test_unknown_person_is_refused_and_logged(live: OidcLive) -> None:
    with httpx.Client(follow_redirects=True, timeout=20) as client:
        page = login_at_provider(client, live, "okand")
        assert page.status_code == 403
        assert "Du finns inte som användare i Kulisser" in page.text
        assert "kulisser_session" not in client.cookies
    db = _db(live)
    with db.session() as session:
        name = "hsa:" + ACCOUNTS["okand"]["employeeHsaId"]
        attempts = list(session.scalars(select(LoginAttempt).where(LoginAttempt.username == name)))
    db.engine.dispose()
    assert [a.success for a in attempts] == [False]


def _refused_with(live: OidcLive, account: str, text: str, username: str) -> None:
    """The account's login is refused with the text; the attempt is kept under the username."""
    with httpx.Client(follow_redirects=True, timeout=20) as client:
        page = login_at_provider(client, live, account)
        assert page.status_code == 403 and text in page.text, page.text[-800:]
        assert "kulisser_session" not in client.cookies
    db = _db(live)
    with db.session() as session:
        attempts = list(session.scalars(select(LoginAttempt).where(
            LoginAttempt.username == username)))
    db.engine.dispose()
    assert [a.success for a in attempts] == [False]


def test_an_ended_assignment_named_by_the_claim_is_refused(live: OidcLive) -> None:
    # Alva's other assignment is valid, but the provider named the ended one.
    _refused_with(live, "avslutat-uppdrag",
                  "Medarbetaruppdraget SE2321000016-UA01 gäller inte längre", "alva")
    assert not _sessions(live, live.ids["alva"])


def test_an_assignment_of_someone_else_is_refused(live: OidcLive) -> None:
    _refused_with(live, "annans-uppdrag",
                  "Medarbetaruppdraget SE2321000016-UT01 hör inte till dig", "axel")
    assert not _sessions(live, live.ids["axel"])


def test_a_login_outside_the_register_is_told_to_ask_for_it(live: OidcLive) -> None:
    # Ulla has a login with her HSA-id (the old mapping) but no entry in the staff register.
    _refused_with(live, "utan-register", "Be din enhetschef att lägga in dig i personalregistret",
                  "ulla")
    assert not _sessions(live, live.ids["ulla"])


def test_local_passwords_are_off(live: OidcLive) -> None:
    form = httpx.get(live.app + "/login")
    assert "Logga in med e-tjänstekort" in form.text and 'name="password"' not in form.text
    answer = httpx.post(live.app + "/login", data={"username": "tove",
                                                   "password": "oanvant-losenord-123"})
    assert answer.status_code == 403 and "kulisser_session" not in answer.cookies


def test_a_forged_or_stale_callback_is_refused(live: OidcLive) -> None:
    answer = httpx.get(live.app + "/login/oidc/callback?code=abc&state=xyz")
    assert answer.status_code == 400 and "Försök igen" in answer.text


def test_logout_ends_the_session_at_the_provider_too(live: OidcLive) -> None:
    with httpx.Client(follow_redirects=True, timeout=20) as client:
        page = login_at_provider(client, live, "ett-uppdrag")
        assert urlparse(str(page.url)).path == "/arbetslista"
        mine = token_hash(client.cookies["kulisser_session"])
        assert mine in {row.token_hash for row in _sessions(live, live.ids["elsa"])}
        out = client.post(live.app + "/logout", data={"csrf_token": csrf_from(page.text)},
                          follow_redirects=False)
        target = urlparse(out.headers["location"])
        assert out.status_code == 303 and f"{target.scheme}://{target.netloc}" == live.issuer
        query = parse_qs(target.query)
        assert query["post_logout_redirect_uri"] == [live.app + "/login"]
        assert query["id_token_hint"][0].count(".") == 2
        confirm = client.get(out.headers["location"])  # the provider asks; we say yes
        action, hidden = _form(confirm.text)
        back = client.post(httpx.URL(str(confirm.url)).join(action), data={**hidden, "logout": "yes"})
        assert str(back.url).startswith(live.app + "/login")
        # Logged out at the provider: the next login shows its form again.
        again = client.get(live.app + "/login/oidc")
        assert urlparse(str(again.url)).port == urlparse(live.issuer).port
        assert 'name="login"' in again.text
    assert mine not in {row.token_hash for row in _sessions(live, live.ids["elsa"])}
