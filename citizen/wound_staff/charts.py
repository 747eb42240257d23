"""Server-rendered SVG bar charts of SSI incidence with Wilson's 95 % interval as whiskers,
this period beside the one before. Inline in the page (no script, no image request):
``role="img"`` with a <title> and <desc>, each bar's figures written beside it, and the
periods told apart by their printed name and by fill (solid against hatched), not by
colour alone. Widths are percentages of the chart, so it fits a phone; text stays its size."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from services.wound.statistics import Proportion

INK = "#1a1a1a"
#: 8.6:1 on white; the previous period: white with a #4a4a4a outline and hatch (8.9:1).
CURRENT = "#0b4f8a"
PREVIOUS = "#4a4a4a"
LINE = 16
#: A label's characters per line: at 14 px bold, what a 320 px phone holds (SVG text does
#: not wrap by itself).
LABEL_WIDTH = 30


@dataclass(frozen=True)
class Bar:
    series: str
    rate: Proportion
    text: str
    previous: bool = False


@dataclass(frozen=True)
class Group:
    label: str
    bars: Sequence[Bar]


def _x(value: float, top: float) -> str:
    return f"{1 + 96 * min(value, top) / top:.2f}%"


def bar_chart(chart_id: str, *, title: str, description: str, groups: Sequence[Group]) -> Markup:
    highest = max([b.rate.interval[1] for g in groups for b in g.bars if b.rate.interval]
                  or [0.0])
    top = next(t for t in (0.05, 0.1, 0.2, 0.5, 1.0) if highest <= t)
    parts, y = [], 20
    for tick in (0, top / 2, top):
        anchor = "start" if tick == 0 else ("end" if tick == top else "middle")
        parts.append(f'<line x1="{_x(tick, top)}" x2="{_x(tick, top)}" y1="18" y2="100%" '
                     f'stroke="#6b6b6b" stroke-width="1"/>'
                     f'<text x="{_x(tick, top)}" y="12" font-size="12" fill="{INK}" '
                     f'text-anchor="{anchor}">{tick * 100:g} %</text>')
    for group in groups:
        y += LINE + 4
        lines = textwrap.wrap(group.label, LABEL_WIDTH) or [""]
        spans = "".join(f'<tspan x="0" dy="{LINE if n else 0}">{escape(line)}</tspan>'
                        for n, line in enumerate(lines))
        parts.append(f'<text x="0" y="{y}" font-size="14" font-weight="bold" '
                     f'fill="{INK}">{spans}</text>')
        y += LINE * (len(lines) - 1)
        for bar in group.bars:
            y += LINE
            parts.append(f'<text x="0" y="{y}" font-size="13" fill="{INK}">'
                         f'{escape(bar.series)}: {escape(bar.text)}</text>')
            y += 4
            value = bar.rate.value or 0.0
            fill = f"url(#{chart_id}-hatch)" if bar.previous else CURRENT
            stroke = PREVIOUS if bar.previous else CURRENT
            parts.append(f'<rect x="1%" y="{y}" width="{96 * min(value, top) / top:.2f}%" '
                         f'height="12" fill="{fill}" stroke="{stroke}"/>')
            if bar.rate.interval:
                low, high = (_x(v, top) for v in bar.rate.interval)
                mid = y + 6
                parts.append(f'<line x1="{low}" x2="{high}" y1="{mid}" y2="{mid}" '
                             f'stroke="{INK}" stroke-width="2"/>'
                             f'<line x1="{low}" x2="{low}" y1="{y}" y2="{y + 12}" '
                             f'stroke="{INK}" stroke-width="2"/>'
                             f'<line x1="{high}" x2="{high}" y1="{y}" y2="{y + 12}" '
                             f'stroke="{INK}" stroke-width="2"/>')
            y += 14
    height = y + 8
    # Every interpolated text is escaped above; the rest is our own markup.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#fff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{PREVIOUS}" stroke-width="2"/>'
        f'</pattern></defs>{"".join(parts)}</svg>')
