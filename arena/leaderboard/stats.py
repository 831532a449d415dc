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


@dataclass(frozen=True)
class _Seating:
    """The games with n seats as arrays, identical games once with their count: players[g, seat]
    (agent index), scores[g, seat], kind[g] (termination index), culprit[g] (seat, -1 for none)."""

    players: np.ndarray
    scores: np.ndarray
    kind: np.ndarray
    culprit: np.ndarray
    count: np.ndarray


def _tally(games: Iterable[Any], in_order: bool):
    """(names in order of first appearance, termination kinds, {n seats: _Seating}, number of
    games, and with in_order the games one by one as (players, scores), for the online methods).
    A summary may carry a `count` of identical games (`Store.result_counts`)."""
    index: dict[str, int] = {}
    tally: dict[tuple, int] = {}
    sequence: list[tuple[list[str], list[float]]] = []
    for game in games:
        if type(game) is not dict:  # dicts (the store's) are read directly: 10^5 calls of _field cost 0.2 s
            game = {key: _field(game, key) for key in ("players", "scores", "termination", "forfeit_player", "count")}
        players, scores = game["players"], tuple(map(float, game["scores"]))
        if len(players) != len(scores):
            raise ArenaError(f"game summary has {len(players)} players but {len(scores)} scores")
        try:
            seats = tuple(map(index.__getitem__, players))
        except KeyError:  # a name not seen before: number it
            seats = tuple([index.setdefault(p, len(index)) for p in players])
        key = (seats, scores, game.get("termination") or "normal", game.get("forfeit_player"))
        count = int(game.get("count") or 1)
        tally[key] = tally.get(key, 0) + count
        if in_order:
            if count != 1:
                raise ArenaError("online ratings (elo, openskill) need the games one by one in play order, not counts")
            sequence.append((list(players), list(scores)))
    kinds = sorted({k[2] for k in tally})
    code = {kind: c for c, kind in enumerate(kinds)}
    by_seats: dict[int, list] = defaultdict(list)
    for key, count in tally.items():
        by_seats[len(key[0])].append((key, count))
    seatings = {
        n: _Seating(
            np.array([k[0] for k, _ in rows], dtype=np.int64).reshape(len(rows), n),
            np.array([k[1] for k, _ in rows], dtype=float).reshape(len(rows), n),
            np.array([code[k[2]] for k, _ in rows], dtype=np.int64),
            np.array([-1 if k[3] is None else k[3] for k, _ in rows], dtype=np.int64),
            np.array([c for _, c in rows], dtype=np.int64),
        )
        for n, rows in sorted(by_seats.items())
        if n
    }
    return list(index), kinds, seatings, sum(tally.values()), sequence


def _counts(values: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(values, weights, minlength=size).astype(np.int64)


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
        s.n_games,
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
        self.names, self.kinds, self.seatings, self.n_games, self.sequence = _tally(games, method != "bt")
        if not self.n_games:
            raise ArenaError("no finished games to rate")
        self.method, self.specs = method, dict(specs or {})
        self.checkpoints = dict(checkpoints or {})
        self.pairs = self._pair_counts()
        if not len(self.pairs.wdl):
            raise ArenaError(
                f"no games between different agents to rate: all {self.n_games} games are "
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
        self.index = {name: i for i, name in enumerate(self.names)}  # the arrays' agent numbers
        self.names = [self.names[i] for i in order]  # from here on: best first, like the rows
        self.los = None if los is None else los[np.ix_(order, order)]  # los[i, j] = P(names[i] > names[j])
        self.nash = self._nash() if nash else None

    # ---- statistics -------------------------------------------------------------------

    def _pair_counts(self) -> PairCounts:
        """Win/draw/loss counts per pair of agents: each game counts once for every pair of
        seats held by different agents, a win for the higher score, a draw for equal ones."""
        a, b, score, count = [], [], [], []
        for n, g in self.seatings.items():
            for x, y in combinations(range(n), 2):
                sx, sy = g.scores[:, x], g.scores[:, y]
                a.append(g.players[:, x])
                b.append(g.players[:, y])
                score.append(np.where(sx > sy, 1.0, np.where(sx < sy, 0.0, 0.5)))
                count.append(g.count)
        join = lambda parts, dtype: np.concatenate(parts) if parts else np.zeros(0, dtype)  # noqa: E731
        return PairCounts.from_arrays(
            self.names, join(a, np.int64), join(b, np.int64), join(score, float), join(count, np.int64)
        )

    def _crosstable(self) -> dict[str, dict[str, dict[str, float]]]:
        table: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
        names, p = self.names, self.pairs
        for i, j, (w, d, l) in zip(p.i.tolist(), p.j.tolist(), p.wdl.tolist()):
            n = w + d + l
            table[names[i]][names[j]] = {"wins": w, "draws": d, "losses": l, "games": n, "score": (w + d / 2) / n}
            table[names[j]][names[i]] = {"wins": l, "draws": d, "losses": w, "games": n, "score": (l + d / 2) / n}
        return dict(table)

    def _terminations(self) -> dict[str, Counter]:
        """Per agent, how its games ended; a forfeit is charged to the culprit only, and its
        opponents see it as 'opponent forfeit'."""
        k, labels = len(self.names), [*self.kinds, "opponent forfeit"]
        normal = self.kinds.index("normal") if "normal" in self.kinds else -1
        counts = np.zeros(k * len(labels), dtype=np.int64)
        for n, g in self.seatings.items():
            for seat in range(n):
                own = (g.kind == normal) | (g.culprit < 0) | (g.culprit == seat)
                kind = np.where(own, g.kind, len(self.kinds))
                counts += _counts(g.players[:, seat] * len(labels) + kind, g.count, k * len(labels))
        order = sorted(range(len(labels)), key=lambda c: (labels[c] != "normal", labels[c]))
        per = counts.reshape(k, len(labels)).tolist()
        return {name: Counter({labels[c]: per[a][c] for c in order if per[a][c]}) for a, name in enumerate(self.names)}

    def termination_kinds(self) -> list[str]:
        kinds = {k for c in self.terminations.values() for k in c}
        return ["normal"] * ("normal" in kinds) + sorted(kinds - {"normal"})

    def _results(self) -> dict[str, list[int | float]]:
        """Per agent [games, wins, draws, losses, score sum]."""
        k = len(self.names)
        wdl, total = np.zeros(3 * k, dtype=np.int64), np.zeros(k)
        for n, g in self.seatings.items():
            best = g.scores.max(axis=1)
            shared = (g.scores == best[:, None]).sum(axis=1) > 1
            for seat in range(n):
                agent, s = g.players[:, seat], g.scores[:, seat]
                outcome = np.where(s == best, np.where(shared, 1, 0), 2)  # win, draw, loss
                wdl += _counts(agent * 3 + outcome, g.count, 3 * k)
                total += np.bincount(agent, g.count * s, minlength=k)
        per = wdl.reshape(k, 3)
        return {name: [int(per[a].sum()), *map(int, per[a]), float(total[a])] for a, name in enumerate(self.names)}

    # ---- rating methods: each returns ratings, ci_low, ci_high, los, anchor text, extra columns

    def _fit_bt(self, anchor, n_boot, seed, intervals, prior):
        fit = fit_bt(self.pairs, anchor, n_boot, seed, intervals=intervals, prior=prior)
        self.fit, self.warnings = fit, list(fit.warnings)
        self._rank = fit.rank
        extra = {"group": fit.component + 1, "prior": fit.prior}
        return fit.rating, fit.ci_low, fit.ci_high, fit.los, fit.anchor, extra

    def _fit_elo(self, anchor, k):
        elo = OnlineElo(k=k)
        for players, scores in self.sequence:
            for x, y in combinations(range(len(players)), 2):
                a, b, sx, sy = players[x], players[y], scores[x], scores[y]
                if a != b:
                    elo.update(a, b, 1.0 if sx > sy else 0.0 if sx < sy else 0.5)
        ratings, text = gauge(np.array([elo[n] for n in self.names]), self.names, anchor)
        return ratings, None, None, None, f"{text}; online Elo, K = {k:g}, in game order", {}

    def _fit_openskill(self):
        skill = openskill_ratings(self.sequence)
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
        g = self.seatings.get(2)
        apart = None if g is None else g.players[:, 0] != g.players[:, 1]
        if g is None or apart is None or not apart.any():
            return None, None
        first_player, second_player, count = g.players[apart, 0], g.players[apart, 1], g.count[apart]
        s0, s1 = g.scores[apart, 0], g.scores[apart, 1]
        outcome = np.where(s0 > s1, 0, np.where(s0 < s1, 2, 1))  # the first mover's win, draw, loss
        k = len(self.index)
        as_first = _counts(first_player * 3 + outcome, count, 3 * k).reshape(k, 3).tolist()
        as_second = _counts(second_player * 3 + 2 - outcome, count, 3 * k).reshape(k, 3).tolist()

        def cell(w: int, d: int, l: int) -> dict[str, Any]:
            n = w + d + l
            return {"wins": w, "draws": d, "losses": l, "score": round((w + d / 2) / n, 4) if n else None}

        per = {
            n: {"first": cell(*as_first[self.index[n]]), "second": cell(*as_second[self.index[n]])} for n in self.names
        }
        return per, cell(*_counts(outcome, count, 3).tolist())

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
