"""What the pages show, read from the store (read-only) and cached on the store's version.

A leaderboard is fitted by the function behind `arena leaderboard`, from the same games in
the same order, so the numbers agree with `arena leaderboard --json`; each fit
remembers the store version (number of games, highest game id of that env) it was made at.
Replays are cached by game id (a stored game never changes), rendered pages by their URL
and the version of the data they show.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from arena.errors import ArenaError
from arena.store import Store

log = logging.getLogger("arena.web")


class LRU:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int):
        self.size, self.lock = size, threading.Lock()
        self.items: OrderedDict[Any, Any] = OrderedDict()

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
    """A fitted leaderboard, the store version it was fitted at, and what the page draws."""

    env: str
    board: Any  # arena.leaderboard.Leaderboard, None when the games rate nothing (see problem)
    games: int
    version: tuple[int, int]
    seconds: float  # how long the fit took
    problem: str | None = None  # why these games make no board (then board is None)


class Data:
    """Read-only access to one store file; one SQLite connection per server thread.

    Leaderboards: reading and fitting a board of 10^5 games takes a good part of a second
    (docs/results.md), so a board is fitted once per store version and kept; when games
    arrive, the page keeps showing the last board (saying it is updating) while one
    background thread refits, and the live poll swaps in the new board when it is ready.
    Only a board never fitted before makes a request wait."""

    def __init__(self, path):
        self.path = path
        Store(path, readonly=True).close()  # fail at start, in one line, if it is not a store
        self.local = threading.local()
        self.replays, self.pages = LRU(256), LRU(64)
        self.fits: dict[tuple, tuple[tuple[int, int], Board | None]] = {}
        self.fit_locks: dict[tuple, threading.Lock] = defaultdict(threading.Lock)
        self.refitting: set[tuple] = set()
        self.lock = threading.Lock()

    def store(self) -> Store:
        if getattr(self.local, "store", None) is None:
            self.local.store = Store(self.path, readonly=True)
        return self.local.store

    # -- leaderboards ----------------------------------------------------------------------
    def leaderboard(self, env: str, method: str = "bt", tournament: str | None = None) -> tuple[Board | None, bool]:
        """(board, current): the board of the store as it is now, or the last one fitted
        (current False) while a refit runs. (None, True) when there are no such games."""
        key = (env, tournament, method)
        version = self.store().version(env)
        with self.lock:
            entry = self.fits.get(key)  # (version fitted at, board or None)
        if entry is not None and entry[0] == version:
            return entry[1], True
        if entry is not None and entry[1] is not None:
            self._refit_in_background(key)
            return entry[1], False
        return self._fit(key), True

    def _fit(self, key: tuple) -> Board | None:
        """Fit the board of `key` at the store's current version (one fit per key at a time),
        through the very function `arena leaderboard` uses, so the numbers agree by construction."""
        from arena.leaderboard.stored import board_from_store

        env, tournament, method = key
        with self.fit_locks[key]:
            store = self.store()
            version = store.version(env)
            with self.lock:
                entry = self.fits.get(key)
            if entry is not None and entry[0] == version:
                return entry[1]  # another thread fitted it while this one waited
            start = time.perf_counter()
            board, games = None, store.count_games(env=env, tournament=tournament)
            if games:
                try:
                    fitted, problem = board_from_store(store, env, tournament, method=method), None
                except ArenaError as exc:  # e.g. only self-play games: nothing to rate, said on the page
                    fitted, problem = None, str(exc)
                board = Board(env, fitted, games, version, time.perf_counter() - start, problem)
            with self.lock:
                self.fits[key] = (version, board)
            return board

    def _refit_in_background(self, key: tuple) -> None:
        with self.lock:
            if key in self.refitting:
                return
            self.refitting.add(key)

        def work():
            try:
                self._fit(key)
            except Exception:  # noqa: BLE001 - the page keeps the last board; the log says why
                log.exception("refitting %s failed", key)
            finally:
                with self.lock:
                    self.refitting.discard(key)

        threading.Thread(target=work, name=f"refit {key}", daemon=True).start()

    def prefit(self) -> None:
        """Fit every env's default board in a background thread (at server start), so that
        the first visitor of a large store does not wait for the bootstrap."""

        def work():
            for env, _ in self.store().envs():
                try:
                    self._fit((env, None, "bt"))
                except Exception:  # noqa: BLE001
                    log.exception("fitting %s failed", env)

        threading.Thread(target=work, name="prefit", daemon=True).start()

    # -- agents ----------------------------------------------------------------------------
    def agent(self, spec: str, recent: int = 20) -> dict | None:
        """Per env: results against each opponent and by seat, and the most recent games."""
        store = self.store()
        if store.count_games(agent=spec) == 0:
            return None
        per_env: dict[str, dict] = {}
        forms = set(store.spellings(spec) or ())  # as typed, or canonical (how the store keeps it)
        for g in store.iter_games(agent=spec):
            r = g.record
            mine_at = [i for i, p in enumerate(r.players) if p in forms]
            if not mine_at:
                continue
            env = per_env.setdefault(
                r.env_id,
                {"opponents": defaultdict(lambda: [0, 0, 0]), "seats": defaultdict(lambda: [0, 0, 0]), "games": 0},
            )
            env["games"] += 1
            me = mine_at[0]
            mine = r.scores[me]
            others = [s for i, s in enumerate(r.scores) if i != me]
            env["seats"][me][_outcome(mine, max(others) if others else mine)] += 1
            for i, (other, score) in enumerate(zip(r.players, r.scores)):
                if i != me and other not in forms:
                    env["opponents"][other][_outcome(mine, score)] += 1
        return {
            "spec": spec,
            "envs": {
                e: {"games": v["games"], "opponents": dict(v["opponents"]), "seats": dict(sorted(v["seats"].items()))}
                for e, v in sorted(per_env.items())
            },
            "recent": store.games(agent=spec, limit=recent, newest_first=True),
        }

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
            return {
                "frames": [
                    {
                        "ply": f.ply,
                        "text": strip_ansi(f.text),
                        "moves": [m["name"] if len(f.moves) == 1 else f"{m['seat']}:{m['name']}" for m in f.moves],
                        "board": board(record.env_id, f.text),
                    }
                    for f in shown
                ],
                "problem": problem,
            }

        return {"game": stored, **self.replays.get(game_id, make)}


def _outcome(mine: float, theirs: float) -> int:
    """Index into [wins, draws, losses]."""
    return 0 if mine > theirs else 1 if mine == theirs else 2
