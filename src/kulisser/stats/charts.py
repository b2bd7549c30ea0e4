"""Small server-rendered SVG charts: grouped bars, lines and stacked bars.

Each function returns one ``<svg>`` element as Markup, with a ``<title>`` and ``<desc>`` named
by ``aria-labelledby``. Charts stay legible in black and white: series differ by pattern
(solid, hatched, dotted) or by dash and marker shape, every bar and line end carries its
number as a direct label, and the legend uses the same patterns. Numbers are Swedish: a
non-breaking space between thousands and a decimal comma. Colours are attributes, not style,
so the page's Content-Security-Policy needs nothing for them. No patient data reaches here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 150, 22, 44
INK, GRID, MUTED = "#1d2833", "#d0d6dd", "#4a5560"
COLOR = "#0b5cad"  # the app's link blue: dark enough on white, and as grey still dark
NBSP = "\u00a0"
# Per series: a fill (solid, hatched, dotted) and for lines a dash pattern and a marker.
DASHES = ("", "6 4", "2 3")
MARKERS = ("circle", "square", "diamond")

Format = Callable[[float], str]


def number(value: float | None, digits: int = 0) -> str:
    """A Swedish number: non-breaking space as thousands separator, decimal comma; "–" for None."""
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    return text.replace(",", NBSP).replace(".", ",")


def _scale(value: float) -> tuple[float, float]:
    """A round axis top at or above the value and its grid step (1, 2 or 5 times 10^k)."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / 4
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(f * power for f in (1, 2, 5, 10) if f * power >= raw)
    return step * math.ceil(value / step), step


def _defs(key: str) -> str:
    """The fill patterns of a chart, named after its key so two charts on a page never clash."""
    return (f'<defs><pattern id="{key}-p1" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{COLOR}" stroke-width="3"/></pattern>'
            f'<pattern id="{key}-p2" width="5" height="5" patternUnits="userSpaceOnUse">'
            f'<rect width="5" height="5" fill="#fff"/>'
            f'<circle cx="2.5" cy="2.5" r="1.3" fill="{INK}"/></pattern></defs>')


def _fill(key: str, n: int) -> str:
    return COLOR if n == 0 else f"url(#{key}-p{min(n, 2)})"


def _frame(key: str, title: str, desc: str, body: list[str], *, height: int = HEIGHT) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
            f'role="img" aria-labelledby="{key}-title {key}-desc">'
            f'<title id="{key}-title">{escape(title)}</title><desc id="{key}-desc">{escape(desc)}</desc>')
    # Every text in head and body went through escape(); the rest is our own markup.
    return Markup(head + _defs(key) + "".join(body) + "</svg>")  # noqa: S704


def _axis(top: float, step: float, fmt: Format) -> list[str]:
    """Horizontal grid lines with their values, and the base line."""
    out = []
    base = HEIGHT - BOTTOM
    for i in range(round(top / step) + 1):
        value = step * i
        y = base - (base - TOP) * value / top
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{GRID if i else MUTED}" stroke-width="1"/>'
                   f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                   f'fill="{MUTED}">{escape(fmt(value))}</text>')
    return out


def _legend(key: str, names: Sequence[str], *, lines: bool = False) -> list[str]:
    """The series' names beside the plot, each with its pattern (or dash and marker)."""
    out = []
    for n, name in enumerate(names):
        x, y = WIDTH - RIGHT + 10, TOP + 4 + n * 18
        if lines:
            out.append(f'<line x1="{x}" x2="{x + 16}" y1="{y + 5}" y2="{y + 5}" stroke="{INK}" '
                       f'stroke-width="2" stroke-dasharray="{DASHES[n % 3]}"/>'
                       + _marker(n, x + 8, y + 5))
        else:
            out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{_fill(key, n)}" '
                       f'stroke="{INK}" stroke-width="0.5"/>')
        out.append(f'<text x="{x + 20}" y="{y + 10}" font-size="11" fill="{INK}">{escape(name)}</text>')
    return out


def _marker(n: int, x: float, y: float) -> str:
    shape = MARKERS[n % 3]
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#fff" stroke="{INK}" stroke-width="1.5"/>'
    if shape == "square":
        return (f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{INK}"/>')
    return (f'<path d="M{x:.1f} {y - 4:.1f} L{x + 4:.1f} {y:.1f} L{x:.1f} {y + 4:.1f} '
            f'L{x - 4:.1f} {y:.1f} Z" fill="{INK}"/>')


def _labels(labels: Sequence[str], xs: Sequence[float]) -> list[str]:
    """Category labels under the plot, thinned so that they never overlap."""
    step = max(1, -(-len(labels) * 44 // (WIDTH - LEFT - RIGHT)))
    return [f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="11" '
            f'fill="{MUTED}">{escape(label)}</text>'
            for i, (label, x) in enumerate(zip(labels, xs, strict=True)) if i % step == 0]


def bar_chart(key: str, *, title: str, desc: str, labels: Sequence[str],
              series: Sequence[tuple[str, Sequence[float | None]]],
              fmt: Format = number) -> Markup:
    """Grouped vertical bars: one group per label, one bar per series, each bar labelled."""
    top, step = _scale(max((v or 0 for _n, values in series for v in values), default=0))
    plot_w, base = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM
    group = plot_w / max(1, len(labels))
    bar_w = group * 0.8 / max(1, len(series))
    body = _axis(top, step, fmt)
    for n, (name, values) in enumerate(series):
        for i, (label, value) in enumerate(zip(labels, values, strict=True)):
            x = LEFT + group * i + group * 0.1 + bar_w * n
            h = (base - TOP) * (value or 0) / top
            text = fmt(value) if value is not None else "–"
            body.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                        f'fill="{_fill(key, n)}" stroke="{INK}" stroke-width="0.5">'
                        f'<title>{escape(label)}, {escape(name)}: {escape(text)}</title></rect>'
                        f'<text x="{x + bar_w / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" '
                        f'font-size="10" fill="{INK}">{escape(text)}</text>')
    body += _labels(labels, [LEFT + group * (i + 0.5) for i in range(len(labels))])
    if len(series) > 1:
        body += _legend(key, [name for name, _v in series])
    return _frame(key, title, desc, body)


def line_chart(key: str, *, title: str, desc: str, labels: Sequence[str],
               series: Sequence[tuple[str, Sequence[float]]], fmt: Format = number) -> Markup:
    """Lines over time, told apart by dash and marker; each line's last value labelled."""
    top, step = _scale(max((v for _n, values in series for v in values), default=0))
    plot_w, base = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM
    spacing = plot_w / max(1, len(labels))
    xs = [LEFT + spacing * (i + 0.5) for i in range(len(labels))]
    body = _axis(top, step, fmt)
    for n, (name, values) in enumerate(series):
        points = [(x, base - (base - TOP) * v / top) for x, v in zip(xs, values, strict=True)]
        if not points:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{INK}" stroke-width="2" '
                    f'stroke-dasharray="{DASHES[n % 3]}"/>')
        for (x, y), label, value in zip(points, labels, values, strict=True):
            body.append(f'<g>{_marker(n, x, y)}<title>{escape(label)}, {escape(name)}: '
                        f'{escape(fmt(value))}</title></g>')
        x, y = points[-1]
        body.append(f'<text x="{x + 6:.1f}" y="{y - 6 - 12 * n:.1f}" font-size="10" fill="{INK}">'
                    f'{escape(fmt(values[-1]))}</text>')
    body += _labels(labels, xs)
    body += _legend(key, [name for name, _v in series], lines=True)
    return _frame(key, title, desc, body)


def stacked_bars(key: str, *, title: str, desc: str, labels: Sequence[str], segments: Sequence[str],
                 values: Sequence[Sequence[int]], fmt: Format = number) -> Markup:
    """Stacked vertical bars: one bar per label, one patterned segment per part; totals on top."""
    top, step = _scale(max((sum(v) for v in values), default=0))
    plot_w, base = WIDTH - LEFT - RIGHT, HEIGHT - BOTTOM
    group = plot_w / max(1, len(labels))
    bar_w = group * 0.6
    body = _axis(top, step, fmt)
    for i, (label, parts) in enumerate(zip(labels, values, strict=True)):
        x, y = LEFT + group * i + group * 0.2, float(base)
        for n, (segment, value) in enumerate(zip(segments, parts, strict=True)):
            h = (base - TOP) * value / top
            y -= h
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                        f'fill="{_fill(key, n)}" stroke="{INK}" stroke-width="0.5">'
                        f'<title>{escape(label)}, {escape(segment)}: {escape(fmt(value))}</title></rect>')
        body.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                    f'font-size="10" fill="{INK}">{escape(fmt(sum(parts)))}</text>')
    body += _labels(labels, [LEFT + group * (i + 0.5) for i in range(len(labels))])
    body += _legend(key, segments)
    return _frame(key, title, desc, body)
