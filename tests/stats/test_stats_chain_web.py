"""The dictation chain's section of /oversikt: its charts, the two targets with the previous
period, its table one click away and its CSV, seen by the manager and a secretary alike."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from kulisser.db import Database, utcnow
from kulisser.stats import aggregate, chain
from tests import factories
from tests.conftest import Client
from tests.stats.test_stats_chain import dictate, review


def _seed(database: Database, world: factories.World) -> None:
    """One dictation untouched for 5 days, one in the record 19 days but unsigned, one signed."""
    now = utcnow()
    with database.session() as s:
        dictate(s, world, now - timedelta(days=5))
        waiting = dictate(s, world, now - timedelta(days=20))
        review(waiting, world, now - timedelta(days=19, hours=2))
        waiting.send_for_signature(actor_id=world.secretary_id, now=now - timedelta(days=19))
        done = dictate(s, world, now - timedelta(days=3))
        review(done, world, now - timedelta(hours=3))
        done.send_for_signature(actor_id=world.secretary_id, now=now - timedelta(hours=2))
        done.sign(actor_id=world.clinician_id, now=now - timedelta(hours=1))
        s.flush()
        chain.rebuild(s, first=aggregate.local_day(now - timedelta(days=21)),
                      last=aggregate.local_day(now), now=now, unit_ids=[world.unit_id])


def _section(html: str) -> str:
    # From the chain's section to the end of its card (the page's further sections follow it).
    start = html.index('aria-labelledby="h-chain"')
    return html[start:html.index("</section>", start)]


def test_the_chain_section_for_the_manager_and_a_secretary(
        client_as: Client, database: Database, world: factories.World) -> None:
    _seed(database, world)
    for user in (world.manager_id, world.secretary_id):
        page = client_as(user).get("/oversikt", params={"period": "manad"})
        assert page.status_code == 200, page.text
        part = _section(page.text)
        assert "Diktatkedjan" in part
        targets = part[part.index('id="chain-targets"'):part.index("</dl>")]
        assert re.search(r"Inte i journalen efter 2 dagar</dt><dd>1 ", targets)
        assert re.search(r"Osignerade efter 14 dagar</dt><dd>1 ", targets)
        assert '<title id="chain-stall-title">Dagar i varje steg av diktatkedjan</title>' in part
        assert '<title id="chain-waiting-title">' in part
        assert len(re.findall(r"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\"", part)) == 2
        table = part[part.index('id="table-chain"'):part.index("</table>")]
        assert part.index("<details>") < part.index('id="table-chain"')
        dictated = re.search(r"<th scope=\"row\">Dikterad</th>(.*?)</tr>", table, re.S)
        assert dictated is not None
        cells = re.findall(r"<td>(.*?)</td>", dictated.group(1))
        # Waiting 0-2, 3-14, over 14 days; not in the record after 2 days; unsigned after 14.
        assert cells[5:] == ["0", "1", "0", "1", "0"]
        assert "figur=diktat" in part


def test_the_chain_csv(client_as: Client, database: Database, world: factories.World) -> None:
    _seed(database, world)
    res = client_as(world.secretary_id).get("/oversikt.csv?period=manad&figur=diktat")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    assert "diktat.csv" in res.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(res.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Steg", "In i steget"]
    steps = {r[0]: r for r in rows[1:6]}
    assert list(steps) == ["Dikterad", "Utkast klart", "Granskas", "Fråga till diktatören",
                           "Väntar på signering"]
    assert steps["Dikterad"][7:] == ["1", "0", "1", "0", "1", "0"]
    assert steps["Väntar på signering"][7:] == ["1", "0", "0", "1", "0", "1"]
    assert rows[-2][:2] == ["Inte i journalen efter 2 dagar, vid periodens slut", "1"]
    assert rows[-1][:2] == ["Osignerade efter 14 dagar, vid periodens slut", "1"]
    assert client_as(world.clinician_id).get("/oversikt.csv?figur=diktat").status_code == 403
