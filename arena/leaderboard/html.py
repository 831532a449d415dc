"""The leaderboard as one self-contained HTML page: inline CSS and hand-written SVG, no scripts,
nothing fetched, so it opens offline."""

from __future__ import annotations

import html
from typing import Any

from . import charts
from .render import display_rows
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
h3 { margin: 14px 0 8px; font-size: 14px; color: var(--muted); }
svg.chart { max-width: 100%; height: auto; }  /* a narrow screen shrinks a chart rather than cutting it */
svg text { fill: var(--ink); }
svg .axis { fill: var(--muted); }
svg .grid { stroke: var(--line); }
svg .ci { stroke: var(--accent); stroke-width: 2; }
svg polygon.ci { fill: var(--accent); stroke: none; }
svg .rating { fill: var(--accent); stroke: #fff; stroke-width: 1.5; }
svg .rating.prior { fill: #fff; stroke: var(--accent); stroke-width: 2; }
svg .cell { stroke: #fff; stroke-width: 1; }
svg .score { font-size: 11px; }
svg .bound { fill: var(--accent); }
ul.runs { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 4px 20px;
          overflow-wrap: anywhere; }
.swatch { display: inline-block; width: 14px; height: 4px; margin-right: 6px; vertical-align: middle; }
"""


def _by_group(items) -> str:
    """Charts under a 'group N' heading each when there are several, with their run legends."""
    out = []
    for group, chart, *legend in items:
        out.append(f"<h3>group {group}</h3>" * (len(items) > 1) + chart)
        if legend:
            out.append(
                '<ul class="runs">'
                + "".join(
                    f'<li><span class="swatch" style="background:{color}"></span>{html.escape(run)}</li>'
                    for run, color in legend[0]
                )
                + "</ul>"
            )
    return "".join(out)


def _html_table(header: list[str], body: list[list[Any]], cls: str) -> str:
    def cell(tag: str, h: str, v: Any) -> str:
        return f'<{tag} class="{"agent" if h == "agent" else ""}">{"" if v is None else html.escape(str(v))}</{tag}>'

    head = "".join(cell("th", h, h) for h in header)
    rows = "".join("<tr>" + "".join(cell("td", h, v) for h, v in zip(header, row)) + "</tr>" for row in body)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def to_html(lb: Board) -> str:
    """One self-contained page (inline CSS and SVG, no scripts, nothing fetched)."""
    names, kinds = lb.names, lb.termination_kinds()
    intervals = lb.method == "bt"
    ratings = charts.ratings_charts(lb.rows, intervals)
    split = (
        '<p class="note">One chart per comparison group: no games link the groups, so their ratings '
        "are not comparable.</p>"
    )
    sections = [
        ("Ratings", _html_table(*display_rows(lb), "ratings")),
        ("Ratings with 95 % intervals" if intervals else "Ratings", _by_group(ratings) + split * (len(ratings) > 1)),
        (
            "Head to head",
            '<p class="note">Score (%) of the row agent against the column agent; '
            "hover a cell for W-D-L.</p>" + charts.crosstable_chart(names, lb.crosstable),
        ),
    ]
    steps = charts.checkpoints_charts(lb.rows, lb.checkpoints, intervals)
    if steps:
        sections.append(("Checkpoints over training", _by_group(steps) + split * (len(steps) > 1)))
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
