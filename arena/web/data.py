"""What the pages show, read from the store (read-only) and cached on the store's version.

A leaderboard is fitted by the leaderboard module's public `Leaderboard` from the same game
summaries, in the same order, as `arena leaderboard --json`, so the numbers agree; the fit is
cached under (env, tournament, method, number of games, highest game id), which changes as
soon as a game of that env is stored. Replays are cached by game id (a stored game never
changes).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from typing import Any, Callable

from arena.errors import ArenaError
from arena.store import Store


class LRU:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key, make: Callable[[], Any]):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = make()  # outside the lock: a slow fit must not block other pages
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


@dataclass
class Board:
    """A fitted leaderboard and what the page draws from it."""

    env: str
    board: Any  # arena.leaderboard.Leaderboard
    games: int


class Data:
    """Read-only access to one store file; one SQLite connection per server thread."""

    def __init__(self, path):
        self.path = path
        Store(path, readonly=True).close()  # fail at start, in one line, if it is not a store
        self.local = threading.local()
        self.boards, self.replays = LRU(32), LRU(256)

    def store(self) -> Store:
        if getattr(self.local, "store", None) is None:
            self.local.store = Store(self.path, readonly=True)
        return self.local.store

    # -- leaderboards ----------------------------------------------------------------------
    def leaderboard(self, env: str, method: str = "bt", tournament: str | None = None) -> Board | None:
        from arena.leaderboard import Leaderboard

        store = self.store()
        key = (env, tournament, method, store.version(env))
        if key[-1][0] == 0:
            return None

        def fit() -> Board | None:
            games = store.summaries(env, tournament)
            if not games:
                return None
            board = Leaderboard(games, method=method, checkpoints=store.checkpoints(),
                                title=f"{env} leaderboard")
            return Board(env, board, len(games))

        return self.boards.get(key, fit)

    # -- agents ----------------------------------------------------------------------------
    def agent(self, spec: str, recent: int = 20) -> dict | None:
        """Per env: results against each opponent and by seat, and the most recent games."""
        store = self.store()
        if store.count_games(agent=spec) == 0:
            return None
        per_env: dict[str, dict] = {}
        for g in store.iter_games(agent=spec):
            r = g.record
            if spec not in r.players:
                continue
            env = per_env.setdefault(r.env_id, {"opponents": defaultdict(lambda: [0, 0, 0]),
                                                "seats": defaultdict(lambda: [0, 0, 0]), "games": 0})
            env["games"] += 1
            me = r.players.index(spec)
            mine = r.scores[me]
            others = [s for i, s in enumerate(r.scores) if i != me]
            env["seats"][me][_outcome(mine, max(others) if others else mine)] += 1
            for i, (other, score) in enumerate(zip(r.players, r.scores)):
                if i != me and other != spec:
                    env["opponents"][other][_outcome(mine, score)] += 1
        return {"spec": spec, "envs": {e: {"games": v["games"], "opponents": dict(v["opponents"]),
                                           "seats": dict(sorted(v["seats"].items()))}
                                       for e, v in sorted(per_env.items())},
                "recent": store.games(agent=spec, limit=recent, newest_first=True)}

    # -- replays ---------------------------------------------------------------------------
    def replay(self, game_id: int) -> dict:
        from arena.notation import frames
        from arena.web.boards import board, strip_ansi

        stored = self.store().game(game_id)  # ArenaError when there is none

        def make() -> dict:
            record = stored.record
            try:
                shown = frames(record)
                problem = None
            except ArenaError as exc:  # e.g. the env's plugin is not installed here
                shown, problem = [], str(exc)
            return {"frames": [{"ply": f.ply, "text": strip_ansi(f.text),
                                "moves": [m["name"] if len(f.moves) == 1 else f"{m['seat']}:{m['name']}"
                                          for m in f.moves],
                                "board": board(record.env_id, f.text)} for f in shown],
                    "problem": problem}

        return {"game": stored, **self.replays.get(game_id, make)}


def _outcome(mine: float, theirs: float) -> int:
    """Index into [wins, draws, losses]."""
    return 0 if mine > theirs else 1 if mine == theirs else 2

