"""Leaderboards built from game summaries, rendered for the terminal, JSON, CSV, Markdown and HTML.

Layout: `stats.compute_board(games, ...)` returns a frozen `Board` (all the numbers);
`render` (JSON, CSV, Markdown, rich table) and `html` turn a Board into text and compute nothing.
`Leaderboard` is the same pair as one object: `Leaderboard(games, ...).to_json()` equals
`render.to_json(compute_board(games, ...))`.

Input: an iterable of game summaries — `GameSummary`, any object with the same attributes, or a
dict with the same keys: `players` (agent display name per seat/team, in seat order), `scores`
(per seat, in [0, 1]; 1 / ½ / 0 for two-player games), `termination` ('normal', 'illegal',
'timeout', 'crash', 'protocol', ...) and optional `forfeit_player` (seat index of the culprit).
A summary may stand for several identical games with an optional `count` (what
`Store.result_counts` returns); 'bt' boards accept counts, the online 'elo' and 'openskill'
need the games one by one in play order.

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

from collections.abc import Iterable
from typing import Any

from . import html as _html
from . import render as _render
from .stats import DRAW_MODEL, METHODS, ROW_KEYS, Board, GameSummary, compute_board

__all__ = ["Board", "DRAW_MODEL", "GameSummary", "Leaderboard", "METHODS", "ROW_KEYS", "compute_board"]


class Leaderboard:
    """`compute_board(games, **options)` with its renderers as methods; the Board's fields
    (names, rows, crosstable, terminations, los, nash, anchor, warnings, legend, ...) read as
    attributes."""

    def __init__(self, games: Iterable[Any], **options: Any):
        self.board = compute_board(games, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["board"], name)

    def to_json(self) -> str:
        return _render.to_json(self.board)

    def to_json_full(self) -> str:
        return _render.to_json_full(self.board)

    def to_csv(self) -> str:
        return _render.to_csv(self.board)

    def to_markdown(self, los: bool = False) -> str:
        return _render.to_markdown(self.board, los)

    def display_rows(self) -> tuple[list[str], list[list[str]]]:
        return _render.display_rows(self.board)

    def render_table(self, console, los: bool = False) -> None:
        _render.render_table(self.board, console, los)

    def to_html(self) -> str:
        return _html.to_html(self.board)
