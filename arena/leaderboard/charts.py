"""The SVG charts of a leaderboard: ratings, head to head, checkpoints over training. One
implementation for the static `--html` page (`html.py`) and `arena serve` (`arena.web`); each
page styles the charts' classes with its own CSS.

Sizing: labels are set in a monospace font whose advance is 0.6 em (DejaVu Sans Mono,
Liberation Mono and Courier all use 0.6), so a label's width is known here and margins grow with
the longest name instead of cutting it. The browser tests measure every label's box against its
chart's, on both pages.

Comparison groups: ratings of agents that no games link are not comparable, so the ratings and
the checkpoints are charted one group at a time (`by_group`); the head-to-head table needs no
split (cells of two groups are simply empty).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

from .render import open_end_label, rating_span

FONT_PX = 12
CHAR_PX = 0.6 * FONT_PX + 0.4  # a little over the advance, for rounding in the browser
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


def text_width(text: str) -> float:
    return CHAR_PX * len(text)


def ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    """Round tick values covering [lo, hi] (Heckbert's nice numbers, Graphics Gems 1990)."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        lo, hi = 0.0, 1.0
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    raw = (hi - lo) / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    return [start + i * step for i in range(int(math.ceil((hi - start) / step + 1e-9)) + 1)]


def by_group(rows: Sequence[Mapping]) -> dict[int, list[Mapping]]:
    """Rated rows per comparison group, best group (1) first; boards without groups are one group."""
    groups: dict[int, list[Mapping]] = {}
    for r in rows:
        if r["rating"] is not None:
            groups.setdefault(r.get("group") or 1, []).append(r)
    return dict(sorted(groups.items()))


def _num(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 10 or v == int(v) else f"{v:.2g}"


def _svg(cls: str, width: float, height: float, label: str, body: list[str]) -> str:
    return (
        f'<svg class="chart {cls}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{html.escape(label)}" '
        f'font-family="DejaVu Sans Mono, Liberation Mono, Courier New, monospace" font-size="{FONT_PX}">'
        + "".join(body)
        + "</svg>"
    )


def _arrow(tip_x: float, tip_y: float, dx: float, dy: float, color: str = "") -> str:
    """A filled arrowhead whose tip is at (tip_x, tip_y), pointing along (dx, dy) (a unit step):
    the open end of an interval."""
    back_x, back_y, side = tip_x - 7 * dx, tip_y - 7 * dy, 4.5
    points = (
        f"{tip_x:.1f},{tip_y:.1f} {back_x + side * dy:.1f},{back_y - side * dx:.1f} "
        f"{back_x - side * dy:.1f},{back_y + side * dx:.1f}"
    )
    fill = f' style="fill:{color}"' if color else ""  # a style, not an attribute: page CSS must not repaint it
    return f'<polygon class="ci open"{fill} points="{points}"/>'


def _interval_tip(r: Mapping, intervals: bool) -> str:
    if not intervals:
        return ""
    low, high = r["ci_low"], r["ci_high"]  # the JSON's numbers; an open end in a parenthesis, as in the tables
    interval = ("(-inf" if low is None else f"[{low}") + ", " + ("+inf)" if high is None else f"{high}]")
    return f" {interval}" + (" (rating set by the prior)" if r.get("prior") else "")


def ratings_chart(rows: Sequence[Mapping], intervals: bool = True, names: Sequence[str] = ()) -> str:
    """One line per agent: rating dot and 95 % interval with end caps, names left of the axis.
    With `intervals` (Bradley-Terry rows), a missing end is an open one: the bar runs to the
    edge of the plot and ends in an arrow, and the bound the games do give ('> 72') is written
    in the right margin. Without, only the dots are drawn. `names` widen the label column to
    fit them too, so that the charts of several groups line up."""
    labels = {r["agent"]: open_end_label(r["ci_low"], r["ci_high"]) if intervals else None for r in rows}
    left = 16 + max(text_width(n) for n in [*names, *(r["agent"] for r in rows)])
    plot, top, row_h = 480, 30, 24
    right = max([56] + [24 + text_width(t) for t in labels.values() if t])
    width = left + plot + right
    ts = ticks(*rating_span(rows, intervals))
    x = lambda v: left + plot * (v - ts[0]) / (ts[-1] - ts[0])  # noqa: E731
    height = top + row_h * len(rows) + 10
    body = [
        f'<line class="grid" x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top - 6}" y2="{height - 4}"/>'
        f'<text class="axis" x="{x(t):.1f}" y="{top - 12}" text-anchor="middle">{_num(t)}</text>'
        for t in ts
    ]
    for k, r in enumerate(rows):
        y = top + row_h * (k + 0.5)
        name = html.escape(r["agent"])
        body.append(f'<text class="name" x="{left - 8:.1f}" y="{y + 4:.1f}" text-anchor="end">{name}</text>')
        if intervals:
            a = x(r["ci_low"]) if r["ci_low"] is not None else left
            b = x(r["ci_high"]) if r["ci_high"] is not None else left + plot
            body.append(f'<line class="ci" x1="{a:.1f}" x2="{b:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>')
            body += [  # a cap on each closed end
                f'<line class="ci" x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{y - 5:.1f}" y2="{y + 5:.1f}"/>'
                for v in (r["ci_low"], r["ci_high"])
                if v is not None
            ]
            if r["ci_low"] is None:
                body.append(_arrow(left, y, -1, 0))
            if r["ci_high"] is None:
                body.append(_arrow(left + plot, y, 1, 0))
            label = labels[r["agent"]]
            if label:
                body.append(
                    f'<text class="bound" x="{left + plot + 10:.1f}" y="{y + 4:.1f}">{html.escape(label)}</text>'
                )
        prior = " prior" if r.get("prior") else ""
        body.append(
            f'<circle class="rating{prior}" cx="{x(r["rating"]):.1f}" cy="{y:.1f}" r="5">'
            f"<title>{name}: {r['rating']}{_interval_tip(r, intervals)}</title></circle>"
        )
    return _svg("ratings", width, height, "Ratings with 95% intervals", body)


def ratings_charts(rows: Sequence[Mapping], intervals: bool = True) -> list[tuple[int, str]]:
    """(group, chart) per comparison group: one rating axis per group, label columns aligned."""
    names = [r["agent"] for r in rows if r["rating"] is not None]
    return [(g, ratings_chart(group, intervals, names)) for g, group in by_group(rows).items()]


def heat(score: float) -> str:
    """Red (0) through light grey (½) to green (1)."""
    ends = ((214, 39, 40), (240, 240, 240)) if score < 0.5 else ((240, 240, 240), (44, 160, 44))
    t = score * 2 if score < 0.5 else score * 2 - 1
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(*ends))


def crosstable_chart(names: Sequence[str], cross: Mapping[str, Mapping[str, Mapping]]) -> str:
    """Score of the row agent against the column agent, in %; column names written upwards.
    Cells shrink with the field (34 px down to 18 px); below 30 px the score is in the tooltip only."""
    cell = max(18, min(34, 640 // max(len(names), 1)))
    longest = max(text_width(n) for n in names)
    left, top = 16 + longest, 14 + longest
    size = cell * len(names)
    body = []
    for k, n in enumerate(names):
        name = html.escape(n)
        body.append(
            f'<text class="name" x="{left - 8:.1f}" y="{top + cell * (k + 0.5) + 4:.1f}" '
            f'text-anchor="end">{name}</text>'
        )
        cx, cy = left + cell * (k + 0.5) + 4, top - 8
        body.append(
            f'<text class="name" x="{cx:.1f}" y="{cy:.1f}" transform="rotate(-90 {cx:.1f} {cy:.1f})">{name}</text>'
        )
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            c = cross.get(a, {}).get(b)
            fill = "#e4e7eb" if c is None else heat(c["score"])
            tip = f"{html.escape(a)} vs {html.escape(b)}: " + (
                "no games" if c is None else f"{c['wins']}-{c['draws']}-{c['losses']} (W-D-L)"
            )
            body.append(
                f'<rect class="cell" x="{left + cell * j:.1f}" y="{top + cell * i:.1f}" width="{cell}" '
                f'height="{cell}" fill="{fill}"><title>{tip}</title></rect>'
            )
            if c is not None and cell >= 30:
                body.append(
                    f'<text class="score" x="{left + cell * (j + 0.5):.1f}" '
                    f'y="{top + cell * (i + 0.5) + 4:.1f}" text-anchor="middle">'
                    f"{round(100 * c['score'])}</text>"
                )
    return _svg("crosstable", left + size + 10, top + size + 10, "Score of row against column, in %", body)


def checkpoints_chart(
    rows: Sequence[Mapping], checkpoints: Mapping[str, tuple[str, int]], intervals: bool = True, colors=None
) -> tuple[str, list[tuple[str, str]]]:
    """Rating over training step, one line per run, for rows of one comparison group; returns
    the SVG and the legend [(run, colour)], which the page writes as HTML beside the chart,
    where long run names wrap. `colors` maps runs to colours (the same in every group's chart).
    An open end of an interval (see `ratings_chart`) runs to the top or bottom of the plot,
    ends in an arrow and is labelled with the bound the games give."""
    runs: dict[str, list] = {}
    for r in rows:
        if r["agent"] in checkpoints:
            run, step = checkpoints[r["agent"]]
            runs.setdefault(run, []).append((step, r))
    colors = colors or {run: PALETTE[k % len(PALETTE)] for k, run in enumerate(sorted(runs))}
    points = [p for series in runs.values() for p in series]
    width, height, left, right, top, bottom = 640, 300, 64, 24, 16, 46
    xt = ticks(min(s for s, _ in points), max(s for s, _ in points))
    yt = ticks(*rating_span((r for _, r in points), intervals))
    x = lambda v: left + (width - left - right) * (v - xt[0]) / (xt[-1] - xt[0])  # noqa: E731
    y = lambda v: height - bottom - (height - top - bottom) * (v - yt[0]) / (yt[-1] - yt[0])  # noqa: E731
    body = [
        f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>'
        f'<text class="axis" x="{left - 8}" y="{y(t) + 4:.1f}" text-anchor="end">{_num(t)}</text>'
        for t in yt
    ]
    body += [
        f'<text class="axis" x="{x(t):.1f}" y="{height - bottom + 18}" text-anchor="middle">{_num(t)}</text>'
        for t in xt
    ]
    body.append(
        f'<text class="axis" x="{(left + width - right) / 2:.0f}" y="{height - 8}" '
        f'text-anchor="middle">training step</text>'
    )
    legend = []
    for run, series in sorted(runs.items()):
        color = colors[run]
        series.sort(key=lambda p: p[0])
        legend.append((run, color))
        body.append(
            f'<polyline class="run" fill="none" style="stroke:{color}" stroke-width="2" points="'
            + " ".join(f"{x(s):.1f},{y(r['rating']):.1f}" for s, r in series)
            + '"/>'
        )
        for s, r in series:
            if intervals:
                low = y(r["ci_low"]) if r["ci_low"] is not None else height - bottom
                high = y(r["ci_high"]) if r["ci_high"] is not None else top
                body.append(
                    f'<line class="ci" style="stroke:{color}" x1="{x(s):.1f}" x2="{x(s):.1f}" '
                    f'y1="{low:.1f}" y2="{high:.1f}"/>'
                )
                label = open_end_label(r["ci_low"], r["ci_high"])
                if r["ci_high"] is None:
                    body.append(_arrow(x(s), top, 0, -1, color))
                if r["ci_low"] is None:
                    body.append(_arrow(x(s), height - bottom, 0, 1, color))
                if label:  # beside the arrow, on the side of the plot's middle
                    side = 1 if x(s) < (left + width - right) / 2 else -1
                    ty = top + 10 if r["ci_high"] is None else height - bottom - 4
                    body.append(
                        f'<text class="bound" x="{x(s) + 8 * side:.1f}" y="{ty:.1f}" '
                        f'text-anchor="{"start" if side > 0 else "end"}">{html.escape(label)}</text>'
                    )
            body.append(
                f'<circle class="rating" style="fill:{color}" cx="{x(s):.1f}" cy="{y(r["rating"]):.1f}" r="4">'
                f"<title>{html.escape(r['agent'])} (step {s}): {r['rating']}"
                f"{_interval_tip(r, intervals)}</title></circle>"
            )
    return _svg("checkpoints", width, height, "Checkpoint rating over training step", body), legend


def checkpoints_charts(
    rows: Sequence[Mapping], checkpoints: Mapping[str, tuple[str, int]], intervals: bool = True
) -> list[tuple[int, str, list[tuple[str, str]]]]:
    """(group, chart, legend) for each comparison group holding checkpoints: steps of runs whose
    ratings no games link are never drawn on one axis. A run keeps its colour in every chart."""
    runs = sorted({checkpoints[r["agent"]][0] for r in rows if r["agent"] in checkpoints})
    colors = {run: PALETTE[k % len(PALETTE)] for k, run in enumerate(runs)}
    return [
        (g, *checkpoints_chart(group, checkpoints, intervals, colors))
        for g, group in by_group(rows).items()
        if any(r["agent"] in checkpoints for r in group)
    ]
