"""The leaderboard as one self-contained HTML page: inline CSS and hand-written SVG, no scripts,
nothing fetched, so it opens offline."""

from __future__ import annotations

import html
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from .render import _interval, display_rows, open_end_label, rating_span
from .stats import Board

_CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --accent: #3e63dd; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f7fa; color: var(--ink);
       font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 28px 20px 40px; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin: 0 0 12px; font-size: 17px; }
.meta, .note { color: var(--muted); margin: 0 0 18px; }
.warning { color: #9a3412; background: #fff7ed; border: 1px solid #fed7aa; border-radius: 6px;
           padding: 8px 12px; margin: 0 0 12px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px;
          padding: 18px 20px; margin: 0 0 18px; box-shadow: 0 1px 2px rgba(0,0,0,.04); overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; text-align: right; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
th.agent, td.agent { text-align: left; font-weight: 600; }
tbody tr:nth-child(even) { background: #fafbfc; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: var(--ink); }
svg .axis { fill: var(--muted); font-size: 11px; }
svg .grid { stroke: var(--line); }
svg .ci { stroke: var(--accent); stroke-width: 2; }
svg .rating { fill: var(--accent); stroke: #fff; stroke-width: 1.5; }
svg .cell { stroke: #fff; stroke-width: 1; }
svg .run { fill: none; stroke-width: 2.5; }
svg .open { fill: var(--accent); }
svg .bound { fill: var(--accent); }
"""
_PALETTE = ("#3e63dd", "#e5484d", "#30a46c", "#f76b15", "#8e4ec6", "#12a594", "#d6409f", "#978365")


def _ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    """Round-numbered ticks (1, 2, 5 × 10^k apart) covering [lo, hi]."""
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    return [step * k for k in range(math.floor(lo / step), math.ceil(hi / step) + 1)]


def _scale(ticks: list[float], start: float, stop: float):
    return lambda v: start + (v - ticks[0]) / (ticks[-1] - ticks[0]) * (stop - start)


def _num(v: float) -> str:
    return f"{v:g}" if abs(v) < 1e5 else f"{v:.3g}"


def _heat(score: float) -> str:
    """Diverging red → white → green colour for a score in [0, 1]."""
    (s0, c0), (s1, c1) = (
        ((0, (229, 72, 77)), (0.5, (246, 247, 249))) if score <= 0.5 else ((0.5, (246, 247, 249)), (1, (48, 164, 108)))
    )
    t = (score - s0) / (s1 - s0)
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(c0, c1))


def _svg(cls: str, width: int, height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg class="chart {cls}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{html.escape(label)}">' + "".join(body) + "</svg>"
    )


def _arrow(tip_x: float, tip_y: float, dx: int, dy: int, color: str = "") -> str:
    """An arrowhead with its tip at (tip_x, tip_y) pointing along (dx, dy): an open interval end."""
    bx, by = tip_x - 7 * dx, tip_y - 7 * dy
    fill = f' style="fill:{color}"' if color else ""
    return (
        f'<polygon class="open"{fill} points="{tip_x:.1f},{tip_y:.1f} {bx + 4.5 * dy:.1f},{by - 4.5 * dx:.1f} '
        f'{bx - 4.5 * dy:.1f},{by + 4.5 * dx:.1f}"/>'
    )


def _svg_ratings(rows: Sequence[dict], intervals: bool = True) -> str:
    # The label column grows with the longest name (~7 px a character at 12 px): names are
    # never clipped, the plot keeps 560 px. An open interval end (null: the games bound the
    # rating on one side only) runs to the plot's edge, ends in an arrow, and the bound the
    # games do give ('> 72') is written in the right margin.
    labels = [open_end_label(r["ci_low"], r["ci_high"]) if intervals else None for r in rows]
    left = max(180, 16 + 7 * max(len(r["agent"]) for r in rows))
    right = max([30] + [24 + 7 * len(t) for t in labels if t])
    width, top, row_h = left + 550 + right, 28, 26
    ticks = _ticks(*rating_span(rows, intervals))
    x = _scale(ticks, left, width - right)
    height = top + row_h * len(rows) + 8
    body = [
        f'<line class="grid" x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top - 6}" y2="{height - 4}"/>'
        f'<text class="axis" x="{x(t):.1f}" y="{top - 12}" text-anchor="middle">{_num(t)}</text>'
        for t in ticks
    ]
    for k, (r, label) in enumerate(zip(rows, labels)):
        y = top + row_h * (k + 0.5)
        name = html.escape(r["agent"])
        body.append(f'<text x="{left - 10}" y="{y + 4:.1f}" text-anchor="end">{name}</text>')
        if intervals:
            a = x(r["ci_low"]) if r["ci_low"] is not None else left
            b = x(r["ci_high"]) if r["ci_high"] is not None else width - right
            body.append(
                f'<line class="ci" x1="{a:.1f}" x2="{b:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>'
                + "".join(
                    f'<line class="ci" x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{y - 5:.1f}" y2="{y + 5:.1f}"/>'
                    for v in (r["ci_low"], r["ci_high"])
                    if v is not None
                )
                + (_arrow(left, y, -1, 0) if r["ci_low"] is None else "")
                + (_arrow(width - right, y, 1, 0) if r["ci_high"] is None else "")
            )
            if label:
                body.append(f'<text class="bound" x="{width - right + 10}" y="{y + 4:.1f}">{html.escape(label)}</text>')
        interval = "" if not intervals else " " + _interval(r["ci_low"], r["ci_high"])
        body.append(
            f'<circle class="rating" cx="{x(r["rating"]):.1f}" cy="{y:.1f}" r="5">'
            f"<title>{name}: {r['rating']}{interval}</title></circle>"
        )
    return _svg("ratings", width, height, "Ratings with 95% intervals", body)


def _svg_heatmap(names: Sequence[str], cross: dict) -> str:
    cell = max(18, min(46, 640 // max(len(names), 1)))
    left = 12 + 7 * max(len(n) for n in names)  # full names: no clipping of row or column labels
    top = 12 + 5 * max(len(n) for n in names)
    size = cell * len(names)
    body = []
    for k, n in enumerate(names):
        name = html.escape(n)
        body.append(f'<text x="{left - 8}" y="{top + cell * (k + 0.5) + 4:.1f}" text-anchor="end">{name}</text>')
        cx = left + cell * (k + 0.5)
        body.append(f'<text x="{cx:.1f}" y="{top - 8}" transform="rotate(-40 {cx:.1f} {top - 8})">{name}</text>')
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            c = cross.get(a, {}).get(b)
            fill = "#e4e7eb" if c is None else _heat(c["score"])
            tip = f"{html.escape(a)} vs {html.escape(b)}: " + (
                "no games" if c is None else f"{c['wins']}-{c['draws']}-{c['losses']}, score {c['score']:.0%}"
            )
            body.append(
                f'<rect class="cell" x="{left + cell * j}" y="{top + cell * i}" width="{cell}" '
                f'height="{cell}" fill="{fill}"><title>{tip}</title></rect>'
            )
            if c is not None and cell >= 30:
                body.append(
                    f'<text x="{left + cell * (j + 0.5):.1f}" y="{top + cell * (i + 0.5) + 4:.1f}" '
                    f'text-anchor="middle" font-size="11">{round(100 * c["score"])}</text>'
                )
    tail = round(5.4 * max(len(n) for n in names))  # the last column label, rotated 40° up-right
    return _svg("heatmap", left + size + 10 + tail, top + size + 10, "Head-to-head score of row against column", body)


def _svg_checkpoints(rows: Sequence[dict], checkpoints: Mapping[str, tuple[str, int]], intervals: bool = True) -> str:
    runs: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for r in rows:
        if r["agent"] in checkpoints:
            run, step = checkpoints[r["agent"]]
            runs[run].append((step, r))
    points = [p for series in runs.values() for p in series]
    width, height, left, right, top, bottom = 760, 340, 64, 24, 36, 46
    xt = _ticks(min(s for s, _ in points), max(s for s, _ in points))
    yt = _ticks(*rating_span((r for _, r in points), intervals))
    x, y = _scale(xt, left, width - right), _scale(yt, height - bottom, top)
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
        f'<text class="axis" x="{(left + width - right) / 2}" y="{height - 8}" text-anchor="middle">'
        f"training step</text>"
    )
    for k, (run, series) in enumerate(sorted(runs.items())):
        color, series = _PALETTE[k % len(_PALETTE)], sorted(series, key=lambda p: p[0])
        line = " ".join(f"{x(s):.1f},{y(r['rating']):.1f}" for s, r in series)
        body.append(f'<polyline class="run" stroke="{color}" points="{line}"/>')
        for s, r in series:
            if intervals:  # an open end runs to the plot's edge, with an arrow and the bound given
                low = y(r["ci_low"]) if r["ci_low"] is not None else height - bottom
                high = y(r["ci_high"]) if r["ci_high"] is not None else top
                body.append(
                    f'<line class="ci" stroke="{color}" style="stroke:{color}" x1="{x(s):.1f}" '
                    f'x2="{x(s):.1f}" y1="{low:.1f}" y2="{high:.1f}"/>'
                )
                if r["ci_high"] is None:
                    body.append(_arrow(x(s), top, 0, -1, color))
                if r["ci_low"] is None:
                    body.append(_arrow(x(s), height - bottom, 0, 1, color))
                label = open_end_label(r["ci_low"], r["ci_high"])
                if label:
                    side = 1 if x(s) < (left + width - right) / 2 else -1
                    ty = top + 10 if r["ci_high"] is None else height - bottom - 4
                    body.append(
                        f'<text class="bound" x="{x(s) + 8 * side:.1f}" y="{ty:.1f}" '
                        f'text-anchor="{"start" if side > 0 else "end"}">{html.escape(label)}</text>'
                    )
            body.append(
                f'<circle class="rating" style="fill:{color}" cx="{x(s):.1f}" cy="{y(r["rating"]):.1f}" '
                f'r="4.5"><title>{html.escape(r["agent"])} (step {s}): {r["rating"]}</title></circle>'
            )
        body.append(
            f'<rect x="{left + 10 + 150 * k}" y="10" width="14" height="4" fill="{color}"/>'
            f'<text x="{left + 30 + 150 * k}" y="16">{html.escape(run)}</text>'
        )
    return _svg("checkpoints", width, height, "Checkpoint rating over training step", body)


def _html_table(header: list[str], body: list[list[Any]], cls: str) -> str:
    def cell(tag: str, h: str, v: Any) -> str:
        return f'<{tag} class="{"agent" if h == "agent" else ""}">{"" if v is None else html.escape(str(v))}</{tag}>'

    head = "".join(cell("th", h, h) for h in header)
    rows = "".join("<tr>" + "".join(cell("td", h, v) for h, v in zip(header, row)) + "</tr>" for row in body)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def to_html(lb: Board) -> str:
    """One self-contained page (inline CSS and SVG, no scripts, nothing fetched)."""
    names, kinds = lb.names, lb.termination_kinds()
    sections = [
        ("Ratings", _html_table(*display_rows(lb), "ratings")),
        ("Ratings with 95 % intervals", _svg_ratings(lb.rows, lb.method == "bt")),
        (
            "Head to head",
            '<p class="note">Score (%) of the row agent against the column agent; '
            "hover a cell for W-D-L.</p>" + _svg_heatmap(names, lb.crosstable),
        ),
    ]
    if any(n in lb.checkpoints for n in names):
        sections.append(("Checkpoints over training", _svg_checkpoints(lb.rows, lb.checkpoints, lb.method == "bt")))
    if lb.seats:
        from .render import first_seat_line, seat_rows

        sections.append(
            (
                "By seat",
                f'<p class="note">{html.escape(first_seat_line(lb))}</p>' + _html_table(*seat_rows(lb), "seats"),
            )
        )
    sections.append(
        (
            "Terminations",
            _html_table(
                ["agent", *kinds], [[a, *(lb.terminations[a][k] for k in kinds)] for a in names], "terminations"
            ),
        )
    )
    if lb.nash:
        sections.append(
            (
                "Nash averaging",
                '<p class="note">Max-entropy Nash mixture of the score − ½ '
                "payoff matrix; rating = payoff against that mixture.</p>"
                + _html_table(
                    ["agent", "weight", "rating"], [[a, v["weight"], v["rating"]] for a, v in lb.nash.items()], "nash"
                ),
            )
        )
    body = "".join(f"<section><h2>{html.escape(t)}</h2>{content}</section>" for t, content in sections)
    title = html.escape(lb.title)
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
        f"<style>{_CSS}</style></head><body><main><h1>{title}</h1>"
        f'<p class="meta">{html.escape(lb.describe())}</p>'
        + (f'<p class="meta">{html.escape(lb.settings)}</p>' if lb.settings else "")
        + "".join(f'<p class="warning">warning: {html.escape(w)}</p>' for w in lb.warnings)
        + f'<p class="note">{html.escape(lb.legend)}</p>{body}</main></body></html>\n'
    )
