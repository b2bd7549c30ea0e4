"""The staffing gap as bars above and below a zero line (shortfall up, surplus down).

``charts.bar_chart`` draws from zero upwards only; a gap is negative when a month was staffed
beyond its need, so this chart has its own axis. Same look as ``charts``: title and description
for screen readers, a pattern for each sign (legible in black and white), every bar labelled.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from kulisser.stats import charts
from kulisser.stats.charts import BOTTOM, HEIGHT, INK, LEFT, MUTED, RIGHT, TOP, WIDTH, Format


def gap_chart(key: str, *, title: str, desc: str, labels: Sequence[str],
              values: Sequence[float | None], names: tuple[str, str],
              fmt: Format = charts.number) -> Markup:
    """Bars from a zero line: positive values up (hatched), negative down (solid); None as "–"."""
    high = max((v for v in values if v is not None and v > 0), default=0.0)
    low = max((-v for v in values if v is not None and v < 0), default=0.0)
    step = charts._scale(max(high, low))[1]
    up = step * -(-high // step) if high else 0.0
    down = step * -(-low // step) if low else 0.0
    if up == down == 0:
        up = step
    base, plot_w = HEIGHT - BOTTOM, WIDTH - LEFT - RIGHT

    def y(value: float) -> float:
        return TOP + (base - TOP) * (up - value) / (up + down)

    body = []
    value = -down
    while value <= up + step / 2:
        body.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                    f'stroke="{MUTED if value == 0 else charts.GRID}" stroke-width="1"/>'
                    f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11" '
                    f'fill="{MUTED}">{escape(fmt(value))}</text>')
        value += step
    group = plot_w / max(1, len(labels))
    bar_w = group * 0.6
    for i, (label, v) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + group * i + group * 0.2
        text = "–" if v is None else fmt(v)
        if v is not None:
            top, bottom = (y(v), y(0)) if v >= 0 else (y(0), y(v))
            fill = f"url(#{key}-p1)" if v >= 0 else charts.COLOR
            body.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar_w:.1f}" '
                        f'height="{bottom - top:.1f}" fill="{fill}" stroke="{INK}" stroke-width="0.5">'
                        f'<title>{escape(label)}: {escape(text)}</title></rect>')
        ty = y(max(v or 0.0, 0.0)) - 4 if (v or 0) >= 0 else y(v or 0.0) + 12
        body.append(f'<text x="{x + bar_w / 2:.1f}" y="{ty:.1f}" text-anchor="middle" font-size="10" '
                    f'fill="{INK}">{escape(text)}</text>')
    body += charts._labels(labels, [LEFT + group * (i + 0.5) for i in range(len(labels))])
    for n, (name, fill) in enumerate(((names[0], f"url(#{key}-p1)"), (names[1], charts.COLOR))):
        lx, ly = WIDTH - RIGHT + 10, TOP + 4 + n * 18
        body.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{fill}" stroke="{INK}" '
                    f'stroke-width="0.5"/><text x="{lx + 20}" y="{ly + 10}" font-size="11" '
                    f'fill="{INK}">{escape(name)}</text>')
    return charts._frame(key, title, desc, body)
