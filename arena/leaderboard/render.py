"""Renderers of a leaderboard `Board`: JSON, CSV, Markdown and the rich terminal table.
They compute nothing; the HTML page is in `html.py`."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from .stats import ROW_KEYS, Board, _round


def to_json(board: Board) -> str:
    """The rows as a JSON list of objects."""
    return json.dumps(list(board.rows), indent=2, ensure_ascii=False)


def to_json_full(board: Board) -> str:
    """Rows plus everything else: crosstable, terminations, LOS, Nash view, checkpoints."""
    names = board.names
    los = (
        None
        if board.los is None
        else {a: {b: _round(p, 4) for b, p in zip(names, row) if b != a} for a, row in zip(names, board.los)}
    )
    return json.dumps(
        {
            "method": board.method,
            "draw_model": board.draw_model,
            "anchor": board.anchor,
            "legend": board.legend,
            "warnings": list(board.warnings),
            "settings": board.settings,
            "draw_ratio": round(board.draw_ratio, 4),
            "first_seat": board.first_seat,
            "seats": board.seats,
            "unplayed": [list(p) for p in board.unplayed],
            "games": board.n_games,
            "rows": list(board.rows),
            "crosstable": board.crosstable,
            "terminations": {a: dict(c) for a, c in board.terminations.items()},
            "los": los,
            "nash": board.nash,
            "checkpoints": {a: list(v) for a, v in board.checkpoints.items()},
        },
        indent=2,
        ensure_ascii=False,
    )


def _columns(board: Board) -> list[str]:
    return list(board.rows[0])


def to_csv(board: Board) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_columns(board), lineterminator="\n")
    writer.writeheader()
    writer.writerows(board.rows)
    return out.getvalue()


def _cell(board: Board, a: str, b: str) -> str:
    c = board.crosstable.get(a, {}).get(b)
    return "" if c is None else f"{c['wins']}-{c['draws']}-{c['losses']}"


def display_rows(board: Board) -> tuple[list[str], list[list[str]]]:
    """Rows rounded for people: Elo to the unit, the interval in one column, score in %."""
    extra = [c for c in _columns(board) if c not in ROW_KEYS and c not in ("group", "prior", "spec")]
    groups = len({r.get("group") for r in board.rows}) > 1
    header = ["rank", *["group"] * groups, "agent", "rating", "95% interval", "games", "W", "D", "L", "score", *extra]
    body = []
    for r in board.rows:
        interval = (
            ""
            if board.method != "bt"
            else "anchor"
            if r["ci_low"] == r["ci_high"] == r["rating"]
            else _interval(r["ci_low"], r["ci_high"])
        )
        rating = f"{r['rating']:.0f}" + ("*" if r.get("prior") else "")
        body.append(
            [
                str(r["rank"]),
                *[str(r.get("group"))] * groups,
                r["agent"],
                rating,
                interval,
                str(r["games"]),
                str(r["wins"]),
                str(r["draws"]),
                str(r["losses"]),
                f"{100 * r['score']:.1f}%",
                *(_fmt(r[c], c) for c in extra),
            ]
        )
    return header, body


def seat_rows(board: Board) -> tuple[list[str], list[list[str]]]:
    """Per agent, W-D-L and score as first and as second mover (two-seat games)."""

    def cell(c):
        return [f"{c['wins']}-{c['draws']}-{c['losses']}", "" if c["score"] is None else f"{100 * c['score']:.1f}%"]

    assert board.seats is not None  # callers check that the board has seats
    return (
        ["agent", "first W-D-L", "first score", "second W-D-L", "second score"],
        [[a, *cell(v["first"]), *cell(v["second"])] for a, v in board.seats.items()],
    )


def first_seat_line(board: Board) -> str:
    f = board.first_seat
    assert f is not None  # callers check that the board has seats
    return f"first mover over all games: {f['wins']}-{f['draws']}-{f['losses']} (W-D-L), score {100 * f['score']:.1f}%"


def los_rows(board: Board) -> tuple[list[str], list[list[str]]]:
    """LOS of the row agent over the column agent # (%), blank across groups."""
    names = board.names
    assert board.los is not None  # callers check that the board has a LOS matrix
    body = [
        [str(i + 1), a, *("" if i == j or p != p else f"{100 * p:.0f}" for j, p in enumerate(row))]
        for i, (a, row) in enumerate(zip(names, board.los))
    ]
    return ["#", "agent", *map(str, range(1, len(names) + 1))], body


def nash_note(board: Board) -> str:
    if not board.unplayed:
        return ""
    pairs = ", ".join(f"{a} vs {b}" for a, b in board.unplayed)
    return f"pairs that never played (payoff ½ assumed): {pairs}"


def to_markdown(board: Board, los: bool = False) -> str:
    def table(header: list[str], body: list[list[Any]]) -> list[str]:
        def line(values) -> str:
            return "| " + " | ".join("" if v is None else str(v).replace("|", "\\|") for v in values) + " |"

        return [line(header), "|" + "---|" * len(header), *map(line, body)]

    names, kinds = board.names, board.termination_kinds()
    lines = [
        f"# {board.title}",
        "",
        board.describe(),
        "",
        *[board.settings, ""] * bool(board.settings),
        *(f"> warning: {w}" for w in board.warnings),
        *[""] * bool(board.warnings),
        "## Ratings",
        "",
        board.legend,
        "",
        *table(*display_rows(board)),
        "",
        "## Crosstable (W-D-L of row against column)",
        "",
        *table(["", *names], [[a, *(_cell(board, a, b) for b in names)] for a in names]),
        "",
        "## Terminations",
        "",
        *table(["agent", *kinds], [[a, *(board.terminations[a][k] for k in kinds)] for a in names]),
    ]
    if board.seats:
        lines += ["", "## By seat", "", first_seat_line(board), "", *table(*seat_rows(board))]
    if los and board.los is not None:
        lines += [
            "",
            "## Likelihood of superiority (% that the row agent is stronger than column #)",
            "",
            *table(*los_rows(board)),
        ]
    if board.nash:
        lines += [
            "",
            "## Nash averaging",
            "",
            *[nash_note(board), ""] * bool(board.unplayed),
            *table(["agent", "weight", "rating"], [[a, v["weight"], v["rating"]] for a, v in board.nash.items()]),
        ]
    return "\n".join(lines) + "\n"


def render_table(board: Board, console, los: bool = False) -> None:
    """Print the ratings, crosstable (≤ 16 agents) and termination statistics with rich."""
    from rich.table import Table
    from rich.text import Text  # Text, not markup: agent names may contain [brackets]

    for w in board.warnings:
        console.print(Text(f"warning: {w}", style="yellow"))
    ratings = Table(
        title=board.title, caption="\n".join(filter(None, (board.describe(), board.settings, board.legend)))
    )
    header, body = display_rows(board)
    for col in header:
        ratings.add_column(col, justify="left" if col == "agent" else "right", overflow="fold", no_wrap=col != "agent")
    for row in body:
        ratings.add_row(*map(Text, row))
    console.print(ratings)
    names = board.names
    if len(names) <= 16:
        # Columns numbered by row, so that long names cannot squeeze a pipe's 80 columns into
        # truncated headers that look alike.
        cross = Table(title="Crosstable (W-D-L of row against column #)")
        cross.add_column("#", justify="right")
        cross.add_column("agent", overflow="fold")
        for k in range(len(names)):
            cross.add_column(str(k + 1), justify="center", no_wrap=True)
        for k, a in enumerate(names):
            cross.add_row(str(k + 1), Text(a), *(_cell(board, a, b) or "-" for b in names))
        console.print(cross)
    kinds = board.termination_kinds()
    if kinds != ["normal"]:
        term = Table(title="Terminations")
        term.add_column("agent")
        for kind in kinds:
            term.add_column(kind, justify="right")
        for a in names:
            term.add_row(Text(a), *(str(board.terminations[a][k]) for k in kinds))
        console.print(term)
    if board.seats:
        seats = Table(title="By seat", caption=first_seat_line(board))
        header, body = seat_rows(board)
        for col in header:
            seats.add_column(col, justify="left" if col == "agent" else "right", overflow="fold")
        for row in body:
            seats.add_row(Text(row[0]), *row[1:])
        console.print(seats)
    if los and board.los is not None:
        matrix = Table(title="Likelihood of superiority (% that the row agent is stronger than column #)")
        header, body = los_rows(board)
        for col in header:
            matrix.add_column(col, justify="left" if col == "agent" else "right", overflow="fold")
        for row in body:
            matrix.add_row(row[0], Text(row[1]), *row[2:])
        console.print(matrix)
    if board.nash:
        if board.unplayed:
            console.print(Text(nash_note(board)))
        view = Table(title="Nash averaging (max-entropy Nash of score - 1/2)")
        for col in ("agent", "weight", "rating"):
            view.add_column(col, justify="left" if col == "agent" else "right")
        for a, v in board.nash.items():
            view.add_row(Text(a), f"{v['weight']:.3f}", f"{v['rating']:+.3f}")
        console.print(view)


def open_end_label(low: float | None, high: float | None) -> str | None:
    """What a chart writes beside a 95 % interval the games bound on one side only (a perfect
    score, or none): '> 72' for [72, +inf), '< -30' for (-inf, -30], 'unbounded' for neither;
    None for a closed interval. Only 'bt' rows have intervals: callers skip other methods."""
    if low is not None and high is not None:
        return None
    if low is None and high is None:
        return "unbounded"
    return f"> {low:.0f}" if high is None else f"< {high:.0f}"


def rating_span(rows: Iterable[Mapping], intervals: bool) -> tuple[float, float]:
    """The range a chart's rating axis must show: every rating and closed interval end, widened
    on a side where some interval is open so that the arrow drawn to that edge shows."""
    rows = list(rows)
    ends = [
        v for r in rows for v in (r["rating"], *((r["ci_low"], r["ci_high"]) if intervals else ())) if v is not None
    ]
    lo, hi = min(ends), max(ends)
    pad = 0.1 * (hi - lo or 100)
    open_low = intervals and any(r["ci_low"] is None for r in rows)
    open_high = intervals and any(r["ci_high"] is None for r in rows)
    return lo - pad * open_low, hi + pad * open_high


def _interval(low: float | None, high: float | None) -> str:
    """[a, b], with an open end where the games bound the rating on one side only."""
    return ("(-inf" if low is None else f"[{low:.0f}") + ", " + ("+inf)" if high is None else f"{high:.0f}]")


def _fmt(value: Any, column: str = "") -> str:
    if column == "exploitability" and isinstance(value, float):
        return f"{value:.4f}"  # 0.0012 vs 0.0213 is the difference that column is there for
    return "" if value is None else f"{value:.1f}" if isinstance(value, float) else str(value)
