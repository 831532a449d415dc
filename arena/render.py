"""A game printed as it is played (`arena play --render`), from whichever process plays it:
the arena's own, or the worker process a game is played in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click


class NamingEnv:
    """The env, noting each step's moves by name before it plays them (a name such as
    chess SAN needs the position before the move)."""

    def __init__(self, env: Any):
        self._env = env
        self.last: list[tuple[int, str]] = []

    def __getattr__(self, name):
        return getattr(self._env, name)

    def step(self, actions):
        self.last = [(seat, self._env.action_to_string(seat, action)) for seat, action in actions.items()]
        self._env.step(actions)


def move_line(ply: int, moves: Iterable[tuple[int, str]]) -> str:
    """The heading of one position, as `arena play --render` and `arena replay --render` print it."""
    return f"-- move {ply}: " + ", ".join(f"seat {seat} {name}" for seat, name in moves) if ply else "-- start"


def show_step(env: Any, record: Any) -> None:
    """The referee's `on_step`: the moves just played by name, then the position."""
    click.echo(move_line(record.plies, env.last))
    click.echo(env.render())
