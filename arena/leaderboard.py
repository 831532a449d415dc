"""Leaderboards built from game summaries, rendered for the terminal, JSON, CSV, Markdown and HTML.

Input: an iterable of game summaries — `GameSummary`, any object with the same attributes, or a
dict with the same keys: `players` (agent display name per seat/team, in seat order), `scores`
(per seat, in [0, 1]; 1 / ½ / 0 for two-player games), `termination` ('normal', 'illegal',
'timeout', 'crash', 'protocol', ...) and optional `forfeit_player` (seat index of the culprit).

Pairwise view: a game with n seats counts, for each pair of seats held by different agents, as
a win for the higher score and a draw for equal scores; this feeds the Bradley–Terry fit, the
online Elo and the crosstable. Self-play pairs are left out of ratings and crosstable.

Draw model: draw = half a win (a draw adds ½ to the winner count and ½ to the loser count).

Rows (`rows`, `to_json`, `to_csv`) are dicts with these keys, best agent first:
  rank      'bt': 1 + number of agents clearly stronger: the 95 % bootstrap interval of the
            rating difference lies above 0 (so no anchor changes it); otherwise 1 + number rated higher
  agent     agent display name
  rating    'bt': Bradley–Terry MLE in Elo (with virtual draws, see arena.ratings), relative to
            the anchor (default `random = 0` when an agent named random played, else mean 0);
            agents in a group that never met the anchor's are rated at their group's mean 0;
            'elo': online Elo after all games in input order, shifted the same way;
            'openskill': ordinal μ − 3σ
  ci_low    lower end of the 95 % interval of the rating minus the anchor's: 'bt' parametric
            bootstrap quantile, null where the games do not bound it (a perfect score);
            null for 'elo' (an online number has no interval) and 'openskill' (the ordinal
            already is a conservative bound; see mu and sigma)
  ci_high   upper end, likewise
  games     games played (a self-play game counts once per seat)
  wins      games with the sole best score (two-player: score 1)
  draws     games with a best score shared with another agent (two-player: score ½)
  losses    all other games (two-player: score 0)
  score     mean score per game, 0..1
  mu, sigma 'openskill' only: the posterior mean and standard deviation
  group     'bt' only: comparison group (1 = the largest); ratings of different groups are
            not comparable, and `warnings` says so
  prior     'bt' only: true where the rating is set by the virtual draws, not measured
"""
from __future__ import annotations

import csv
import html
import io
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Iterable, Mapping

import numpy as np
from scipy.special import erf

from arena.errors import ArenaError
from arena.ratings import (OnlineElo, PairCounts, SkillRating, fit_bt, gauge, nash_average,
                           openskill_ratings, rank_by_intervals)

METHODS = ("bt", "elo", "openskill")
DRAW_MODEL = "draw = half a win"
ROW_KEYS = ("rank", "agent", "rating", "ci_low", "ci_high", "games", "wins", "draws", "losses", "score")


@dataclass(frozen=True)
class GameSummary:
    players: list[str]
    scores: list[float]
    termination: str = "normal"
    forfeit_player: int | None = None


def _field(game: Any, key: str, default: Any = None) -> Any:
    if isinstance(game, Mapping):
        return game.get(key, default)
    return getattr(game, key, default)


def _summary(game: Any) -> GameSummary:
    players, scores = list(_field(game, "players")), [float(s) for s in _field(game, "scores")]
    if len(players) != len(scores):
        raise ArenaError(f"game summary has {len(players)} players but {len(scores)} scores")
    return GameSummary(players, scores, _field(game, "termination") or "normal", _field(game, "forfeit_player"))


def _pairs(game: GameSummary):
    """(a, b, score of a against b) for every pair of seats held by different agents."""
    for x, y in combinations(range(len(game.players)), 2):
        a, b = game.players[x], game.players[y]
        if a != b:
            sx, sy = game.scores[x], game.scores[y]
            yield a, b, 1.0 if sx > sy else 0.0 if sx < sy else 0.5


def _round(x: float | None, digits: int = 1) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


class Leaderboard:
    """Ratings, crosstable, termination statistics, LOS and (optionally) Nash view of a set of games.

    checkpoints maps agent name → (run name, training step) to chart a training run's progress.
    Attributes: names (best first), rows, crosstable[a][b] (W-D-L and score of a against b),
    terminations[agent] (Counter by termination), los (los[i, j] = P(names[i] stronger than
    names[j]); None for 'elo'), nash ({agent: {weight, rating}} or None), anchor, draw_model.
    """

    def __init__(self, games: Iterable[Any], method: str = "bt", anchor: Mapping[str, float] | None = None,
                 checkpoints: Mapping[str, tuple[str, int]] | None = None, n_boot: int = 200,
                 seed: int = 0, nash: bool = False, elo_k: float = 16.0, title: str = "Leaderboard",
                 intervals: str = "posterior"):
        if method not in METHODS:
            raise ArenaError(f"unknown rating method {method!r}; choose one of {', '.join(METHODS)}")
        self.games = [_summary(g) for g in games]
        if not self.games:
            raise ArenaError("no finished games to rate")
        self.method, self.title, self.draw_model = method, title, DRAW_MODEL
        self.checkpoints = dict(checkpoints or {})
        self.names = list(dict.fromkeys(p for g in self.games for p in g.players))
        if not any(a != b for g in self.games for a, b, _ in _pairs(g)):
            raise ArenaError(f"no games between different agents to rate: all {len(self.games)} games are "
                             f"{' vs '.join(self.names[:1] * 2)} self-play; play at least two different agents")
        self.fit, self.warnings, self._rank = None, [], None
        self.crosstable = self._crosstable()
        self.terminations = self._terminations()
        fits = {"bt": lambda: self._fit_bt(anchor, n_boot, seed, intervals), "elo": lambda: self._fit_elo(anchor, elo_k),
                "openskill": self._fit_openskill}
        try:
            ratings, low, high, los, self.anchor, extra = fits[method]()
        except ValueError as err:
            raise ArenaError(str(err)) from None
        group = extra.get("group", np.ones(len(self.names), dtype=int))
        order = sorted(range(len(self.names)), key=lambda i: (group[i], -ratings[i], self.names[i]))
        self.rows = self._rows(order, ratings, low, high, extra)
        self.names = [self.names[i] for i in order]  # from here on: best first, like the rows
        self.los = None if los is None else los[np.ix_(order, order)]  # los[i, j] = P(names[i] > names[j])
        self.nash = self._nash() if nash else None

    # ---- statistics -------------------------------------------------------------------

    def _crosstable(self) -> dict[str, dict[str, dict[str, float]]]:
        wdl: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
        for game in self.games:
            for a, b, s in _pairs(game):
                outcome = {1.0: 0, 0.5: 1, 0.0: 2}[s]
                wdl[a, b][outcome] += 1
                wdl[b, a][2 - outcome] += 1
        table: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
        for (a, b), (w, d, l) in wdl.items():
            n = w + d + l
            table[a][b] = {"wins": w, "draws": d, "losses": l, "games": n, "score": (w + d / 2) / n}
        return dict(table)

    def _terminations(self) -> dict[str, Counter]:
        """Per agent, how its games ended; a forfeit is charged to the culprit only, and its
        opponents see it as 'opponent forfeit'."""
        stats: dict[str, Counter] = {n: Counter() for n in self.names}
        for game in self.games:
            for seat, agent in enumerate(game.players):
                culprit = game.forfeit_player
                own = game.termination == "normal" or culprit is None or culprit == seat
                stats[agent][game.termination if own else "opponent forfeit"] += 1
        return stats

    def termination_kinds(self) -> list[str]:
        kinds = {k for c in self.terminations.values() for k in c}
        return ["normal"] * ("normal" in kinds) + sorted(kinds - {"normal"})

    def _results(self) -> dict[str, list[int | float]]:
        """Per agent [games, wins, draws, losses, score sum]."""
        res = {n: [0, 0, 0, 0, 0.0] for n in self.names}
        for game in self.games:
            best = max(game.scores)
            for agent, s in zip(game.players, game.scores):
                r = res[agent]
                r[0] += 1
                r[1 if s == best and game.scores.count(best) == 1 else 2 if s == best else 3] += 1
                r[4] += s
        return res

    # ---- rating methods: each returns ratings, ci_low, ci_high, los, anchor text, extra columns

    def _pair_counts(self) -> PairCounts:
        return PairCounts.from_games((p for g in self.games for p in _pairs(g)), self.names)

    def _fit_bt(self, anchor, n_boot, seed, intervals):
        fit = fit_bt(self._pair_counts(), anchor, n_boot, seed, intervals=intervals)
        self.fit, self.warnings = fit, list(fit.warnings)
        self._rank = fit.rank
        extra = {"group": fit.component + 1, "prior": fit.prior}
        return fit.rating, fit.ci_low, fit.ci_high, fit.los, fit.anchor, extra

    def _fit_elo(self, anchor, k):
        elo = OnlineElo(k=k)
        for game in self.games:
            for a, b, s in _pairs(game):
                elo.update(a, b, s)
        ratings, text = gauge(np.array([elo[n] for n in self.names]), self.names, anchor)
        return ratings, None, None, None, f"{text}; online Elo, K = {k:g}, in game order", {}

    def _fit_openskill(self):
        skill = openskill_ratings((g.players, g.scores) for g in self.games)
        prior = SkillRating(25.0, 25 / 3)  # agents that only played themselves keep the prior
        mu = np.array([skill.get(n, prior).mu for n in self.names])
        sigma = np.array([skill.get(n, prior).sigma for n in self.names])
        los = 0.5 * (1 + erf((mu[:, None] - mu[None, :]) / np.sqrt(2 * (sigma[:, None] ** 2 + sigma[None, :] ** 2))))
        return mu - 3 * sigma, None, None, los, "OpenSkill prior μ = 25, σ = 25/3", {"mu": mu, "sigma": sigma}

    def _rows(self, order, ratings, low, high, extra) -> list[dict]:
        if self._rank is not None:
            rank = self._rank
        elif low is None:
            rank = 1 + (ratings[None, :] > ratings[:, None]).sum(axis=1)
        else:
            rank = rank_by_intervals(low, high)
        results = self._results()
        rows = []
        for i in order:
            games, w, d, l, total = results[self.names[i]]
            row = {"rank": int(rank[i]), "agent": self.names[i], "rating": _round(ratings[i]),
                   "ci_low": None if low is None else _round(low[i]),
                   "ci_high": None if high is None else _round(high[i]),
                   "games": games, "wins": w, "draws": d, "losses": l, "score": round(total / games, 4)}
            row.update({key: _extra(v[i]) for key, v in extra.items()})
            rows.append(row)
        return rows

    def _nash(self) -> dict[str, dict[str, float]]:
        names = self.names
        payoff = np.array([[self.crosstable.get(a, {}).get(b, {"score": 0.5})["score"] - 0.5
                            for b in names] for a in names])
        nash = nash_average(payoff)
        return {n: {"weight": round(float(w), 4), "rating": round(float(r), 4)}
                for n, w, r in zip(names, nash.weights, nash.rating)}

    # ---- renderers ----------------------------------------------------------------------

    def describe(self) -> str:
        return f"{self.method} ratings · {self.draw_model} · anchor: {self.anchor} · {len(self.games)} games"

    def to_json(self) -> str:
        """The rows as a JSON list of objects."""
        return json.dumps(self.rows, indent=2, ensure_ascii=False)

    def to_json_full(self) -> str:
        """Rows plus everything else: crosstable, terminations, LOS, Nash view, checkpoints."""
        names = self.names
        los = None if self.los is None else {
            a: {b: _round(p, 4) for b, p in zip(names, row) if b != a} for a, row in zip(names, self.los)}
        return json.dumps({
            "method": self.method, "draw_model": self.draw_model, "anchor": self.anchor,
            "legend": self.legend(), "warnings": self.warnings,
            "games": len(self.games), "rows": self.rows, "crosstable": self.crosstable,
            "terminations": {a: dict(c) for a, c in self.terminations.items()}, "los": los,
            "nash": self.nash, "checkpoints": {a: list(v) for a, v in self.checkpoints.items()},
        }, indent=2, ensure_ascii=False)

    def _columns(self) -> list[str]:
        return list(self.rows[0])

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=self._columns(), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()

    def _cell(self, a: str, b: str) -> str:
        c = self.crosstable.get(a, {}).get(b)
        return "" if c is None else f"{c['wins']}-{c['draws']}-{c['losses']}"

    def display_rows(self) -> tuple[list[str], list[list[str]]]:
        """Rows rounded for people: Elo to the unit, the interval in one column, score in %."""
        extra = [c for c in self._columns() if c not in ROW_KEYS and c not in ("group", "prior")]
        groups = len({r.get("group") for r in self.rows}) > 1
        header = ["rank", *["group"] * groups, "agent", "rating", "95% interval", "games", "W", "D", "L",
                  "score", *extra]
        body = []
        for r in self.rows:
            interval = "" if self.method != "bt" else "anchor" if r["ci_low"] == r["ci_high"] == r["rating"] \
                else _interval(r["ci_low"], r["ci_high"])
            rating = f"{r['rating']:.0f}" + ("*" if r.get("prior") else "")
            body.append([str(r["rank"]), *[str(r.get("group"))] * groups, r["agent"], rating, interval,
                         str(r["games"]), str(r["wins"]), str(r["draws"]), str(r["losses"]),
                         f"{100 * r['score']:.1f}%", *(_fmt(r[c]) for c in extra)])
        return header, body

    def legend(self) -> str:
        """One line saying what rank and interval mean."""
        if self.method != "bt":
            return ("rank: 1 + number of agents rated higher; no interval: "
                    + ("an online number has none" if self.method == "elo" else "the rating is the ordinal mu - 3 sigma"))
        fit = self.fit
        source = (f"{fit.n_boot} refits on games re-drawn from the fit" if fit.intervals == "bootstrap"
                  else "the curvature of the posterior")
        prior = "" if fit.prior_sd is None else f"prior sd {fit.prior_sd:.0f} estimated from the field, "
        return ("rank: 1 + number of agents clearly stronger (the 95 % interval of the rating difference lies "
                f"above 0), the same under any anchor; interval: 95 % of the rating minus the anchor's, from "
                f"{source} ({prior}{fit.virtual_draws:g} virtual draw per agent); * = set by the prior, "
                "open end = not bounded by the games")

    def to_markdown(self) -> str:
        def table(header: list[str], body: list[list[Any]]) -> list[str]:
            def line(values) -> str:
                return "| " + " | ".join("" if v is None else str(v).replace("|", "\\|") for v in values) + " |"
            return [line(header), "|" + "---|" * len(header), *map(line, body)]

        names, kinds = self.names, self.termination_kinds()
        lines = [f"# {self.title}", "", self.describe(), "", *(f"> warning: {w}" for w in self.warnings),
                 *[""] * bool(self.warnings), "## Ratings", "", self.legend(), "",
                 *table(*self.display_rows()),
                 "", "## Crosstable (W-D-L of row against column)", "",
                 *table(["", *names], [[a, *(self._cell(a, b) for b in names)] for a in names]),
                 "", "## Terminations", "",
                 *table(["agent", *kinds], [[a, *(self.terminations[a][k] for k in kinds)] for a in names])]
        if self.nash:
            lines += ["", "## Nash averaging", "",
                      *table(["agent", "weight", "rating"], [[a, v["weight"], v["rating"]] for a, v in self.nash.items()])]
        return "\n".join(lines) + "\n"

    def render_table(self, console) -> None:
        """Print the ratings, crosstable (≤ 16 agents) and termination statistics with rich."""
        from rich.table import Table
        from rich.text import Text  # Text, not markup: agent names may contain [brackets]

        for w in self.warnings:
            console.print(Text(f"warning: {w}", style="yellow"))
        ratings = Table(title=self.title, caption=self.describe() + "\n" + self.legend())
        header, body = self.display_rows()
        for col in header:
            ratings.add_column(col, justify="left" if col == "agent" else "right",
                               overflow="fold", no_wrap=col != "agent")
        for row in body:
            ratings.add_row(*map(Text, row))
        console.print(ratings)
        names = self.names
        if len(names) <= 16:
            cross = Table(title="Crosstable (W-D-L of row against column)")
            cross.add_column("")
            for n in names:
                cross.add_column(Text(n), justify="center")
            for a in names:
                cross.add_row(Text(a), *(self._cell(a, b) for b in names))
            console.print(cross)
        kinds = self.termination_kinds()
        if kinds != ["normal"]:
            term = Table(title="Terminations")
            term.add_column("agent")
            for k in kinds:
                term.add_column(k, justify="right")
            for a in names:
                term.add_row(Text(a), *(str(self.terminations[a][k]) for k in kinds))
            console.print(term)
        if self.nash:
            view = Table(title="Nash averaging (max-entropy Nash of score - 1/2)")
            for col in ("agent", "weight", "rating"):
                view.add_column(col, justify="left" if col == "agent" else "right")
            for a, v in self.nash.items():
                view.add_row(Text(a), f"{v['weight']:.3f}", f"{v['rating']:+.3f}")
            console.print(view)

    def to_html(self) -> str:
        """One self-contained page (inline CSS and SVG, no scripts, nothing fetched)."""
        return _html_page(self)


def _extra(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    return _round(value, 2)


def _interval(low: float | None, high: float | None) -> str:
    """[a, b], with an open end where the games bound the rating on one side only."""
    return (("(-inf" if low is None else f"[{low:.0f}") + ", "
            + ("+inf)" if high is None else f"{high:.0f}]"))


def _fmt(value: Any) -> str:
    return "" if value is None else f"{value:.1f}" if isinstance(value, float) else str(value)


# ---- HTML page: inline CSS and hand-written SVG so it opens offline -----------------------

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
    (s0, c0), (s1, c1) = ((0, (229, 72, 77)), (0.5, (246, 247, 249))) if score <= 0.5 else \
        ((0.5, (246, 247, 249)), (1, (48, 164, 108)))
    t = (score - s0) / (s1 - s0)
    return "#%02x%02x%02x" % tuple(round(a + (b - a) * t) for a, b in zip(c0, c1))


def _svg(cls: str, width: int, height: int, label: str, body: list[str]) -> str:
    return (f'<svg class="chart {cls}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{html.escape(label)}">'
            + "".join(body) + "</svg>")


def _svg_ratings(rows: list[dict]) -> str:
    width, left, right, top, row_h = 760, 180, 30, 28, 26
    lo = [r["ci_low"] if r["ci_low"] is not None else r["rating"] for r in rows]
    hi = [r["ci_high"] if r["ci_high"] is not None else r["rating"] for r in rows]
    ticks = _ticks(min(lo), max(hi))
    x = _scale(ticks, left, width - right)
    height = top + row_h * len(rows) + 8
    body = [f'<line class="grid" x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top - 6}" y2="{height - 4}"/>'
            f'<text class="axis" x="{x(t):.1f}" y="{top - 12}" text-anchor="middle">{_num(t)}</text>'
            for t in ticks]
    for k, (r, a, b) in enumerate(zip(rows, lo, hi)):
        y = top + row_h * (k + 0.5)
        name = html.escape(r["agent"])
        body.append(f'<text x="{left - 10}" y="{y + 4:.1f}" text-anchor="end">{name}</text>')
        if r["ci_low"] is not None:
            body.append(f'<line class="ci" x1="{x(a):.1f}" x2="{x(b):.1f}" y1="{y:.1f}" y2="{y:.1f}"/>'
                        + "".join(f'<line class="ci" x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{y - 5:.1f}" '
                                  f'y2="{y + 5:.1f}"/>' for v in (a, b)))
        interval = "" if r["ci_low"] is None else f" [{r['ci_low']}, {r['ci_high']}]"
        body.append(f'<circle class="rating" cx="{x(r["rating"]):.1f}" cy="{y:.1f}" r="5">'
                    f'<title>{name}: {r["rating"]}{interval}</title></circle>')
    return _svg("ratings", width, height, "Ratings with 95% intervals", body)


def _svg_heatmap(names: list[str], cross: dict) -> str:
    cell = max(18, min(46, 640 // max(len(names), 1)))
    left = min(180, 12 + 7 * max(len(n) for n in names))
    top = min(150, 12 + 5 * max(len(n) for n in names))
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
            tip = (f"{html.escape(a)} vs {html.escape(b)}: " +
                   ("no games" if c is None else f"{c['wins']}-{c['draws']}-{c['losses']}, score {c['score']:.0%}"))
            body.append(f'<rect class="cell" x="{left + cell * j}" y="{top + cell * i}" width="{cell}" '
                        f'height="{cell}" fill="{fill}"><title>{tip}</title></rect>')
            if c is not None and cell >= 30:
                body.append(f'<text x="{left + cell * (j + 0.5):.1f}" y="{top + cell * (i + 0.5) + 4:.1f}" '
                            f'text-anchor="middle" font-size="11">{round(100 * c["score"])}</text>')
    return _svg("heatmap", left + size + 10, top + size + 10, "Head-to-head score of row against column", body)


def _svg_checkpoints(rows: list[dict], checkpoints: Mapping[str, tuple[str, int]]) -> str:
    runs: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for r in rows:
        if r["agent"] in checkpoints:
            run, step = checkpoints[r["agent"]]
            runs[run].append((step, r))
    points = [p for series in runs.values() for p in series]
    width, height, left, right, top, bottom = 760, 340, 64, 24, 36, 46
    xt = _ticks(min(s for s, _ in points), max(s for s, _ in points))
    yt = _ticks(min(r["ci_low"] if r["ci_low"] is not None else r["rating"] for _, r in points),
                max(r["ci_high"] if r["ci_high"] is not None else r["rating"] for _, r in points))
    x, y = _scale(xt, left, width - right), _scale(yt, height - bottom, top)
    body = [f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>'
            f'<text class="axis" x="{left - 8}" y="{y(t) + 4:.1f}" text-anchor="end">{_num(t)}</text>' for t in yt]
    body += [f'<text class="axis" x="{x(t):.1f}" y="{height - bottom + 18}" text-anchor="middle">{_num(t)}</text>'
             for t in xt]
    body.append(f'<text class="axis" x="{(left + width - right) / 2}" y="{height - 8}" text-anchor="middle">'
                f'training step</text>')
    for k, (run, series) in enumerate(sorted(runs.items())):
        color, series = _PALETTE[k % len(_PALETTE)], sorted(series, key=lambda p: p[0])
        line = " ".join(f"{x(s):.1f},{y(r['rating']):.1f}" for s, r in series)
        body.append(f'<polyline class="run" stroke="{color}" points="{line}"/>')
        for s, r in series:
            if r["ci_low"] is not None:
                body.append(f'<line class="ci" stroke="{color}" style="stroke:{color}" x1="{x(s):.1f}" '
                            f'x2="{x(s):.1f}" y1="{y(r["ci_low"]):.1f}" y2="{y(r["ci_high"]):.1f}"/>')
            body.append(f'<circle class="rating" style="fill:{color}" cx="{x(s):.1f}" cy="{y(r["rating"]):.1f}" '
                        f'r="4.5"><title>{html.escape(r["agent"])} (step {s}): {r["rating"]}</title></circle>')
        body.append(f'<rect x="{left + 10 + 150 * k}" y="10" width="14" height="4" fill="{color}"/>'
                    f'<text x="{left + 30 + 150 * k}" y="16">{html.escape(run)}</text>')
    return _svg("checkpoints", width, height, "Checkpoint rating over training step", body)


def _html_table(header: list[str], body: list[list[Any]], cls: str) -> str:
    def cell(tag: str, h: str, v: Any) -> str:
        return f'<{tag} class="{"agent" if h == "agent" else ""}">{"" if v is None else html.escape(str(v))}</{tag}>'

    head = "".join(cell("th", h, h) for h in header)
    rows = "".join("<tr>" + "".join(cell("td", h, v) for h, v in zip(header, row)) + "</tr>" for row in body)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _html_page(lb: Leaderboard) -> str:
    names, kinds = lb.names, lb.termination_kinds()
    sections = [
        ("Ratings", _html_table(*lb.display_rows(), "ratings")),
        ("Ratings with 95 % intervals", _svg_ratings(lb.rows)),
        ("Head to head", '<p class="note">Score (%) of the row agent against the column agent; '
                         'hover a cell for W-D-L.</p>' + _svg_heatmap(names, lb.crosstable)),
    ]
    if any(n in lb.checkpoints for n in names):
        sections.append(("Checkpoints over training", _svg_checkpoints(lb.rows, lb.checkpoints)))
    sections.append(("Terminations", _html_table(["agent", *kinds], [[a, *(lb.terminations[a][k] for k in kinds)]
                                                                     for a in names], "terminations")))
    if lb.nash:
        sections.append(("Nash averaging", '<p class="note">Max-entropy Nash mixture of the score − ½ '
                                           'payoff matrix; rating = payoff against that mixture.</p>' +
                         _html_table(["agent", "weight", "rating"],
                                     [[a, v["weight"], v["rating"]] for a, v in lb.nash.items()], "nash")))
    body = "".join(f"<section><h2>{html.escape(t)}</h2>{content}</section>" for t, content in sections)
    title = html.escape(lb.title)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
            f'<style>{_CSS}</style></head><body><main><h1>{title}</h1>'
            f'<p class="meta">{html.escape(lb.describe())}</p>'
            + "".join(f'<p class="warning">warning: {html.escape(w)}</p>' for w in lb.warnings)
            + f'<p class="note">{html.escape(lb.legend())}</p>{body}</main></body></html>\n')

