"""Server-side SVG charts of a round's results, as pure functions of plain values.

The markup is built by hand, so every piece of text (project and judge names come from users) goes
through :func:`markupsafe.escape` and every number through :func:`_num` (a finite float, printed
plainly) before it reaches the string; only the finished document is marked safe. No ``style``
attributes (the CSP forbids them) and no scripts: colours come from ``fill``/``stroke`` attributes
and CSS classes.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720
LABEL_WIDTH = 220
RIGHT_MARGIN = 24
ROW_HEIGHT = 24
TOP = 28
LABEL_CHARS = 32


def _num(value: float) -> str:
    """A coordinate as plain text (no exponent, two decimals at most); non-finite values are 0."""
    value = float(value)
    if not math.isfinite(value):
        value = 0.0
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _label(text: str) -> str:
    text = str(text)
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…"


def _svg(height: float, title: str, body: list[str], css_class: str) -> Markup:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="result-chart {css_class}" role="img" '
        f'viewBox="0 0 {WIDTH} {_num(height)}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        *body,
        "</svg>",
    ]
    return Markup("".join(parts))


@dataclass(frozen=True)
class ProjectTotals:
    label: str
    totals: Sequence[float]       # the project's counted totals
    aggregate: float | None       # the round's aggregate, drawn as a tick


def distribution_chart(projects: Sequence[ProjectTotals], *, scale_min: float, scale_max: float, title: str,
                       axis_label: str = "") -> Markup:
    """A strip plot: one row per project, a dot per sheet's total on the rubric's scale, a vertical
    tick at the aggregate, and a grid at each fifth of the scale."""
    low, high = float(scale_min), float(scale_max)
    if not math.isfinite(low) or not math.isfinite(high) or high <= low:
        low, high = 0.0, 1.0
    plot = WIDTH - LABEL_WIDTH - RIGHT_MARGIN

    def x(value: float) -> str:
        clamped = min(max(float(value), low), high) if math.isfinite(float(value)) else low
        return _num(LABEL_WIDTH + (clamped - low) / (high - low) * plot)

    height = TOP + ROW_HEIGHT * max(len(projects), 1) + 8
    body = []
    for step in range(6):
        value = low + (high - low) * step / 5
        body.append(f'<line class="chart-grid" x1="{x(value)}" x2="{x(value)}" y1="{TOP - 6}" '
                    f'y2="{_num(height - 8)}" stroke="#dee2e6" stroke-width="1"/>')
        body.append(f'<text class="chart-axis" x="{x(value)}" y="{TOP - 10}" text-anchor="middle" '
                    f'font-size="11" fill="#6c757d">{escape(_num(value))}</text>')
    if axis_label:
        body.append(f'<text class="chart-axis-label" x="{LABEL_WIDTH - 8}" y="{TOP - 10}" text-anchor="end" '
                    f'font-size="11" fill="#6c757d">{escape(axis_label)}</text>')
    for index, project in enumerate(projects):
        middle = TOP + ROW_HEIGHT * index + ROW_HEIGHT / 2
        body.append(f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{_num(middle + 4)}" text-anchor="end" '
                    f'font-size="12" fill="#212529">{escape(_label(project.label))}</text>')
        body.append(f'<line class="chart-row" x1="{LABEL_WIDTH}" x2="{LABEL_WIDTH + plot}" y1="{_num(middle)}" '
                    f'y2="{_num(middle)}" stroke="#e9ecef" stroke-width="1"/>')
        for total in project.totals:
            body.append(f'<circle class="chart-dot" cx="{x(total)}" cy="{_num(middle)}" r="4" fill="#0d6efd" '
                        f'fill-opacity="0.6"><title>{escape(_num(total))}</title></circle>')
        if project.aggregate is not None:
            body.append(f'<line class="chart-aggregate" x1="{x(project.aggregate)}" x2="{x(project.aggregate)}" '
                        f'y1="{_num(middle - 8)}" y2="{_num(middle + 8)}" stroke="#dc3545" stroke-width="2">'
                        f'<title>{escape(_num(project.aggregate))}</title></line>')
    return _svg(height, title, body, "chart-distribution")


@dataclass(frozen=True)
class JudgeBar:
    label: str
    harshness: float    # mean of (their total - the others' mean): negative is harsher than the panel


def harshness_chart(judges: Sequence[JudgeBar], *, title: str, harsher: str = "", kinder: str = "") -> Markup:
    """A horizontal bar per judge from a zero line (the panel): left for harsher than the others,
    right for kinder; the scale is symmetric about zero."""
    plot = WIDTH - LABEL_WIDTH - RIGHT_MARGIN
    zero = LABEL_WIDTH + plot / 2
    extent = max((abs(float(j.harshness)) for j in judges if math.isfinite(float(j.harshness))), default=0.0) or 1.0
    height = TOP + ROW_HEIGHT * max(len(judges), 1) + 8
    body = [f'<line class="chart-zero" x1="{_num(zero)}" x2="{_num(zero)}" y1="{TOP - 6}" y2="{_num(height - 8)}" '
            f'stroke="#212529" stroke-width="1"/>',
            f'<text class="chart-axis" x="{_num(zero)}" y="{TOP - 10}" text-anchor="middle" font-size="11" '
            f'fill="#6c757d">0</text>']
    if harsher:
        body.append(f'<text class="chart-axis" x="{LABEL_WIDTH}" y="{TOP - 10}" font-size="11" '
                    f'fill="#6c757d">{escape(harsher)} (−{escape(_num(extent))})</text>')
    if kinder:
        body.append(f'<text class="chart-axis" x="{LABEL_WIDTH + plot}" y="{TOP - 10}" text-anchor="end" '
                    f'font-size="11" fill="#6c757d">{escape(kinder)} (+{escape(_num(extent))})</text>')
    for index, judge in enumerate(judges):
        value = float(judge.harshness) if math.isfinite(float(judge.harshness)) else 0.0
        top = TOP + ROW_HEIGHT * index
        width = abs(value) / extent * (plot / 2)
        left = zero - width if value < 0 else zero
        css, colour = ("chart-bar-harsh", "#fd7e14") if value < 0 else ("chart-bar-kind", "#198754")
        body.append(f'<text class="chart-label" x="{LABEL_WIDTH - 8}" y="{_num(top + ROW_HEIGHT / 2 + 4)}" '
                    f'text-anchor="end" font-size="12" fill="#212529">{escape(_label(judge.label))}</text>')
        body.append(f'<rect class="{css}" x="{_num(left)}" y="{_num(top + 5)}" width="{_num(width)}" '
                    f'height="{ROW_HEIGHT - 10}" fill="{colour}"><title>{escape(_num(value))}</title></rect>')
    return _svg(height, title, body, "chart-harshness")
