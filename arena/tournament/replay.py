"""Replay: a stored game's moves played again on a fresh env with its seed, to check that
the store and the game still agree (`arena replay`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from arena.agents import Agent
from arena.envs.base import Env
from arena.referee import GameRecord, play


class _Scripted(Agent):
    """Plays the stored moves of one side; all sides share one cursor over the moves."""

    def __init__(self, env_info, script: list[dict[int, int]], cursor: list[int]):
        super().__init__(env_info)
        self.script, self.cursor = script, cursor

    def act(self, obs):
        step = self.cursor[0]
        if step >= len(self.script) or obs.seat not in self.script[step]:
            raise RuntimeError("the stored game has no further move for this seat")
        return self.script[step][obs.seat]


def replay(record: GameRecord, on_step: Callable[[Env, GameRecord], None] | None = None) -> GameRecord:
    """Replay a stored game's moves on a fresh env with its seed; returns the replayed record
    (compare its moves, scores and returns with the stored ones)."""
    from arena.api import make_env

    env = make_env(record.env_id)
    script = [{seat: action for seat, action in step} for step in record.moves]
    cursor = [0]
    agents = [_Scripted(env.info, script, cursor) for _ in record.players]

    def advance(env, rec):
        cursor[0] += 1
        if on_step:
            on_step(env, rec)

    return play(env, agents, record.seed, names=list(record.players), on_step=advance)


def replay_matches(stored: GameRecord, replayed: GameRecord) -> str | None:
    """None when the replay reproduces the stored game, else what differs."""
    if replayed.moves != stored.moves:
        return f"the replay diverged after {_common(replayed.moves, stored.moves)} of {len(stored.moves)} moves"
    if stored.forfeit_player is None:
        if replayed.forfeit_player is not None:
            return f"a stored move was rejected on replay: {replayed.reason}"
        if not np.allclose(replayed.returns, stored.returns) or replayed.scores != stored.scores:
            return f"the outcome differs: stored scores {stored.scores}, replayed {replayed.scores}"
    elif replayed.forfeit_player != stored.forfeit_player:
        if replayed.forfeit_player is None:
            return "the game was over before the stored forfeit"
        return (
            f"the stored forfeit was by player {stored.forfeit_player}, "
            f"the replay stops at player {replayed.forfeit_player}"
        )
    return None


def _common(a: Iterable, b: Iterable) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
