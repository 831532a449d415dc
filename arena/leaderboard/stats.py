"""Leaderboard statistics: a frozen `Board` computed from game summaries by `compute_board`.

The renderers (`render.py` for text, Markdown, JSON and CSV; `html.py`) read a Board and compute
nothing; `arena serve` and `arena leaderboard --json` show the same numbers because both call
`compute_board` and `render.to_json`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy.special import erf

from arena.errors import ArenaError
from arena.ratings import (
    BTFit,
    OnlineElo,
    PairCounts,
    SkillRating,
    fit_bt,
    gauge,
    nash_average,
    openskill_ratings,
    rank_by_intervals,
)
from arena.ratings.intervals import MIN_POINTS

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
    if type(game) is dict or isinstance(game, Mapping):  # dict first: an ABC check per field is slow on 10^5 games
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


@dataclass(frozen=True)
class Board:
    """Everything a leaderboard shows (see the package docstring for the row keys).

    names are best first, like rows; crosstable[a][b] holds W-D-L and score of a against b;
    terminations[agent] counts games by how they ended; los[i, j] = P(names[i] stronger than
    names[j]) (None for 'elo'; NaN across groups); nash is {agent: {weight, rating}} or None;
    fit is the Bradley–Terry result behind the rows ('bt' only)."""

    title: str
    method: str
    draw_model: str
    anchor: str
    n_games: int
    names: tuple[str, ...]
    rows: tuple[dict, ...]
    crosstable: dict
    terminations: dict
    los: np.ndarray | None
    nash: dict | None
    checkpoints: dict
    warnings: tuple[str, ...]
    legend: str
    fit: BTFit | None = None
    settings: str = ""  # how the games were played: games per pairing, opening plies, seed, version, date
    seats: dict | None = None  # two-seat games: {agent: {"first": W/D/L/score, "second": ...}}
    first_seat: dict | None = None  # two-seat games: the first mover's W/D/L and score over all games
    draw_ratio: float = 0.0  # share of pairwise results that were draws
    unplayed: tuple[tuple[str, str], ...] = ()  # pairs that never met (the Nash view assumes ½ for them)

    def termination_kinds(self) -> list[str]:
        kinds = {k for c in self.terminations.values() for k in c}
        return ["normal"] * ("normal" in kinds) + sorted(kinds - {"normal"})

    def describe(self) -> str:
        return (
            f"{self.method} ratings · {self.draw_model} · anchor: {self.anchor} · {self.n_games} games · "
            f"draws {100 * self.draw_ratio:.1f} %"
        )


def compute_board(
    games: Iterable[Any],
    method: str = "bt",
    anchor: Mapping[str, float] | None = None,
    checkpoints: Mapping[str, tuple[str, int]] | None = None,
    n_boot: int = 200,
    seed: int = 0,
    nash: bool = False,
    elo_k: float = 16.0,
    title: str = "Leaderboard",
    intervals: str = "posterior",
    specs: Mapping[str, str] | None = None,
    settings: str = "",
    prior: str = "auto",
) -> Board:
    """The statistics of a set of game summaries (GameSummary, objects or dicts with the same
    keys); bad input is a one-line ArenaError. specs maps a player's name to its full spec,
    shown in each row's `spec` field."""
    s = _Stats(games, method, anchor, checkpoints, n_boot, seed, nash, elo_k, intervals, specs, prior)
    return Board(
        title,
        s.method,
        DRAW_MODEL,
        s.anchor,
        len(s.games),
        tuple(s.names),
        tuple(s.rows),
        s.crosstable,
        s.terminations,
        s.los,
        s.nash,
        s.checkpoints,
        tuple(s.warnings),
        s.legend(),
        s.fit,
        settings,
        *s.seats(),
        s.draw_ratio(),
        s.unplayed(),
    )


class _Stats:
    """The computation behind `compute_board`, one step per method."""

    def __init__(
        self,
        games: Iterable[Any],
        method: str = "bt",
        anchor: Mapping[str, float] | None = None,
        checkpoints: Mapping[str, tuple[str, int]] | None = None,
        n_boot: int = 200,
        seed: int = 0,
        nash: bool = False,
        elo_k: float = 16.0,
        intervals: str = "posterior",
        specs: Mapping[str, str] | None = None,
        prior: str = "auto",
    ):
        if method not in METHODS:
            raise ArenaError(f"unknown rating method {method!r}; choose one of {', '.join(METHODS)}")
        self.games = [_summary(g) for g in games]
        if not self.games:
            raise ArenaError("no finished games to rate")
        self.method, self.specs = method, dict(specs or {})
        self.checkpoints = dict(checkpoints or {})
        self.names = list(dict.fromkeys(p for g in self.games for p in g.players))
        if not any(a != b for g in self.games for a, b, _ in _pairs(g)):
            raise ArenaError(
                f"no games between different agents to rate: all {len(self.games)} games are "
                f"{' vs '.join(self.names[:1] * 2)} self-play; play at least two different agents"
            )
        self.fit: BTFit | None = None
        self.warnings: list[str] = []
        self._rank: Any = None
        self.crosstable = self._crosstable()
        self.terminations = self._terminations()
        fits = {
            "bt": lambda: self._fit_bt(anchor, n_boot, seed, intervals, prior),
            "elo": lambda: self._fit_elo(anchor, elo_k),
            "openskill": self._fit_openskill,
        }
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

    def _fit_bt(self, anchor, n_boot, seed, intervals, prior):
        fit = fit_bt(self._pair_counts(), anchor, n_boot, seed, intervals=intervals, prior=prior)
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
            row = {
                "rank": int(rank[i]),
                "agent": self.names[i],
                "rating": _round(ratings[i]),
                "ci_low": None if low is None else _round(low[i]),
                "ci_high": None if high is None else _round(high[i]),
                "games": games,
                "wins": w,
                "draws": d,
                "losses": l,
                "score": round(total / games, 4),
            }
            row.update({key: _extra(v[i]) for key, v in extra.items()})
            if self.specs:
                row["spec"] = self.specs.get(self.names[i], self.names[i])
            rows.append(row)
        return rows

    def seats(self) -> tuple[dict | None, dict | None]:
        """Results by seat in two-seat games between different agents (White/Black in chess terms)."""
        two = [g for g in self.games if len(g.players) == 2 and g.players[0] != g.players[1]]
        if not two:
            return None, None
        count = lambda: dict[str, Any](wins=0, draws=0, losses=0)  # noqa: E731
        per = {n: {"first": count(), "second": count()} for n in self.names}
        first = count()
        for g in two:
            s = 1.0 if g.scores[0] > g.scores[1] else 0.0 if g.scores[0] < g.scores[1] else 0.5
            key = {1.0: "wins", 0.5: "draws", 0.0: "losses"}
            first[key[s]] += 1
            per[g.players[0]]["first"][key[s]] += 1
            per[g.players[1]]["second"][key[1 - s]] += 1
        for c in [first, *(v for p in per.values() for v in p.values())]:
            n = c["wins"] + c["draws"] + c["losses"]
            c["score"] = round((c["wins"] + c["draws"] / 2) / n, 4) if n else None
        return {n: per[n] for n in self.names}, first

    def draw_ratio(self) -> float:
        cells = [c for row in self.crosstable.values() for c in row.values()]
        games = sum(c["games"] for c in cells)
        return sum(c["draws"] for c in cells) / games if games else 0.0

    def unplayed(self) -> tuple[tuple[str, str], ...]:
        return tuple(
            (a, b) for i, a in enumerate(self.names) for b in self.names[i + 1 :] if b not in self.crosstable.get(a, {})
        )

    def _nash(self) -> dict[str, dict[str, float]]:
        names = self.names
        payoff = np.array(
            [[self.crosstable.get(a, {}).get(b, {"score": 0.5})["score"] - 0.5 for b in names] for a in names]
        )
        nash = nash_average(payoff)
        return {
            n: {"weight": round(float(w), 4), "rating": round(float(r), 4)}
            for n, w, r in zip(names, nash.weights, nash.rating)
        }

    def legend(self) -> str:
        """One line saying what rank and interval mean."""
        if self.method != "bt":
            return "rank: 1 + number of agents rated higher; no interval: " + (
                "an online number has none" if self.method == "elo" else "the rating is the ordinal mu - 3 sigma"
            )
        fit = self.fit
        assert fit is not None  # a Bradley-Terry board has its fit
        source = (
            f"{fit.n_boot} refits on games re-drawn from the fit"
            if fit.intervals == "bootstrap"
            else "the curvature of the posterior"
        )
        if fit.prior_used == "none":
            prior = "plain maximum likelihood, no prior"
            if fit.intervals == "posterior":
                source = "the curvature of the likelihood"
        else:
            sd = "" if fit.prior_sd is None else f"prior sd {fit.prior_sd:.0f} estimated from the field, "
            prior = f"{sd}{fit.virtual_draws:g} virtual draw per agent"
            if fit.prior_mode == "auto":
                prior += f": some agent won or lost under {MIN_POINTS:g} points"
        return (
            "rank: 1 + number of agents clearly stronger (the 95 % interval of the rating difference lies "
            f"above 0), the same under any anchor; interval: 95 % of the rating minus the anchor's, from "
            f"{source} ({prior}); * = set by the prior, open end = not bounded by the games"
        )


def _extra(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    return _round(value, 2)
