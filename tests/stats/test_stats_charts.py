"""Pure pieces of the statistics: Swedish numbers, turnaround buckets and percentiles, periods,
and the SVG charts (well-formed XML, titled, carrying their numbers, black-and-white legible)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from kulisser.errors import ValidationFailed
from kulisser.stats import aggregate, charts, service
from kulisser.stats.service import Period

SVG = "{http://www.w3.org/2000/svg}"


def test_swedish_numbers() -> None:
    assert charts.number(1234567) == "1\u00a0234\u00a0567"
    assert charts.number(2.26, 1) == "2,3"
    assert charts.number(1234.5, 1) == "1\u00a0234,5"
    assert charts.number(None) == "–"


def test_buckets_and_nearest_rank_percentiles() -> None:
    assert [aggregate.bucket(h) for h in (0, 0.2, 1, 1.01, 48, 48.5, 72, 24 * 90 + 1)] == [
        0, 1, 1, 2, 48, 72, 72, 2880]  # hours up to 2 days, days up to 90, then 30 days
    hist = aggregate.merge([{"2": 1, "24": 1}, {"120": 1, "2": 1}])
    assert hist == {2: 2, 24: 1, 120: 1}
    assert aggregate.percentile(hist, 50) == 2      # rank 2 of 4
    assert aggregate.percentile(hist, 90) == 120    # rank 4 of 4
    assert aggregate.percentile({}, 50) is None
    ten = {h: 1 for h in range(1, 11)}
    assert aggregate.percentile(ten, 50) == 5 and aggregate.percentile(ten, 90) == 9


def test_periods_and_their_comparison() -> None:
    assert service.period_bounds(Period.WEEK, date(2026, 12, 5)) == (
        date(2026, 11, 30), date(2026, 12, 5), date(2026, 11, 23), date(2026, 11, 28))
    assert service.period_bounds(Period.MONTH, date(2026, 3, 31)) == (
        date(2026, 3, 1), date(2026, 3, 31), date(2026, 2, 1), date(2026, 2, 28))
    assert service.period_bounds(Period.QUARTER, date(2026, 5, 2)) == (
        date(2026, 4, 1), date(2026, 5, 2), date(2026, 1, 1), date(2026, 2, 1))
    assert service.period_bounds(Period.YEAR, date(2026, 1, 1))[2:] == (
        date(2025, 1, 1), date(2025, 1, 1))
    with pytest.raises(ValidationFailed):
        service.parse_period("decennium")
    with pytest.raises(ValidationFailed):
        service.parse_day("5/12", default=date(2026, 12, 5))


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own server-rendered SVG
    assert root.tag == SVG + "svg" and root.get("role") == "img"
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert title is not None and desc is not None and title.text and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    return root


def _texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in root.iter(SVG + "text")]


def test_bar_chart_is_xml_with_its_numbers_and_patterns() -> None:
    svg = charts.bar_chart("t1", title="Ledtid <dagar> & mer", desc="Två serier.",
                           labels=["Uppgifter", "Återuppringningar"],
                           series=[("Median", [1234.0, None]), ("90:e percentil", [2.0, 5.0])])
    root = _parse(str(svg))
    assert root.find(SVG + "title").text == "Ledtid <dagar> & mer"  # type: ignore[union-attr]
    texts = _texts(root)
    assert "1\u00a0234" in texts and "–" in texts and "Återuppringningar" in texts
    fills = {r.get("fill") for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None}
    # The second series is hatched, not only another colour: legible in black and white.
    assert "url(#t1-p1)" in fills and charts.COLOR in fills
    assert {"Median", "90:e percentil"} <= set(texts)
    # The value axis has round steps up to a round top at or above the largest value.
    assert {"0", "500", "1\u00a0000", "1\u00a0500"} <= set(texts)


def test_line_chart_and_stacked_bars() -> None:
    line = _parse(str(charts.line_chart(
        "t2", title="Flöde", desc="Inkommande och klara.", labels=["1 dec", "2 dec", "3 dec"],
        series=[("Inkommande", [3.0, 5.0, 2.0]), ("Klara", [1.0, 4.0, 6.0])])))
    polylines = list(line.iter(SVG + "polyline"))
    assert len(polylines) == 2 and polylines[0].get("stroke-dasharray") != polylines[1].get(
        "stroke-dasharray")
    titles = ["".join(t.itertext()) for t in line.iter(SVG + "title")]
    assert "2 dec, Klara: 4" in titles and "2" in _texts(line) and "6" in _texts(line)
    stacked = _parse(str(charts.stacked_bars(
        "t3", title="Öppna", desc="Efter ålder.", labels=["Uppgifter"],
        segments=["0–2 dagar", "3–14 dagar", "över 14 dagar"], values=[[4, 1500, 2]])))
    assert "1\u00a0506" in _texts(stacked)
    titles = ["".join(t.itertext()) for t in stacked.iter(SVG + "title")]
    assert "Uppgifter, 3–14 dagar: 1\u00a0500" in titles
    empty = _parse(str(charts.bar_chart("t4", title="Tomt", desc="Inga ärenden.", labels=[],
                                        series=[("Median", [])])))
    assert empty is not None
