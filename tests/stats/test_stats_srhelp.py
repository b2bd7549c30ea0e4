"""The overview's section "Hjälper taligenkänningen?" (issue 15 item 8): the manager's figure
of the period's month; secretaries see the overview without it, as the quality page allows."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kulisser.db import utcnow
from tests import factories
from tests.dictation.test_recognizer_help import _span, add


def test_the_manager_sees_the_month_on_the_overview(db: Session, world: factories.World,
                                                    manager_client: TestClient) -> None:
    signed = utcnow() - timedelta(minutes=1)
    add(db, world, mode="draft", audio_s=120, active_min=_span(4), signed=signed)
    add(db, world, mode="empty", audio_s=60, active_min=_span(3), signed=signed)
    db.commit()
    html = manager_client.get("/oversikt?period=manad").text
    assert 'id="overview-srhelp"' in html
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", html.split('id="srhelp"')[1].split("</table>")[0])
    assert cells[-6:] == ["2,0", "1", "3,0", "1", "100,0 %", "0,0 %"]


def test_secretaries_see_the_overview_without_it(secretary_client: TestClient) -> None:
    response = secretary_client.get("/oversikt")
    assert response.status_code == 200 and 'id="overview-srhelp"' not in response.text
