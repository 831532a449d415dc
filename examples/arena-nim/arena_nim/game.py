"""Nim: heaps of counters; a move takes one or more counters from one heap. In normal play
whoever takes the last counter wins; in misère play whoever takes it loses.

Ids and parameters: `nim/classic` is `nim/classic:heaps=3-4-5,misere=false`; every
parameter the id carries is part of the game's identity, so the env's id keeps them
(`format_env_id`) and a result on `nim/classic:heaps=1-3-5-7` is never mixed with one on
`nim/classic`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from arena import TURN_BASED, ArenaError, Env, EnvInfo
from arena.envs import format_env_id

PARAMETERS = {"heaps": "counters per heap, joined by '-' (default 3-4-5)",
              "misere": "true: taking the last counter loses (default false)"}


def make(name: str, params: Mapping[str, str]) -> NimEnv:
    """The factory the arena calls: `name` without parameters, `params` as strings."""
    unknown = sorted(set(params) - set(PARAMETERS))
    if unknown:
        raise ArenaError(f"{name} has no parameter {unknown[0]!r}; valid: "
                         + "; ".join(f"{k}: {v}" for k, v in PARAMETERS.items()))
    text = params.get("heaps", "3-4-5")
    try:
        heaps = tuple(int(h) for h in text.split("-"))
    except ValueError:
        heaps = ()
    if not heaps or min(heaps) < 1 or len(heaps) > 8 or max(heaps) > 20:
        raise ArenaError(f"{name}: heaps must be 1 to 8 heaps of 1 to 20 counters joined by '-', "
                         f"e.g. heaps=3-4-5; got {text!r}")
    misere = params.get("misere", "false").lower()
    if misere not in ("true", "false"):
        raise ArenaError(f"{name}: misere must be true or false, not {misere!r}")
    return NimEnv(format_env_id(name, params), heaps, misere == "true")


class NimState:
    """The forward model (arena.ForwardModel): a position planners may search freely."""

    def __init__(self, heaps: tuple[int, ...], misere: bool, width: int, player: int = 0,
                 moves: int = 0):
        self.heaps, self.misere, self.width = heaps, misere, width
        self.player, self.moves = player, moves

    def current_player(self) -> int:
        return -1 if self.is_terminal() else self.player

    def legal_actions(self) -> list[int]:
        """Action `heap * width + take - 1` takes `take` counters from `heap`."""
        return [h * self.width + t - 1 for h, size in enumerate(self.heaps) for t in range(1, size + 1)]

    def apply_action(self, action: int) -> None:
        heap, take = divmod(action, self.width)
        take += 1
        if self.is_terminal() or heap >= len(self.heaps) or take > self.heaps[heap]:
            raise ValueError(f"illegal Nim move {action} in {self}")
        self.heaps = self.heaps[:heap] + (self.heaps[heap] - take,) + self.heaps[heap + 1:]
        self.player, self.moves = 1 - self.player, self.moves + 1

    def child(self, action: int) -> NimState:
        state = self.clone()
        state.apply_action(action)
        return state

    def clone(self) -> NimState:
        return NimState(self.heaps, self.misere, self.width, self.player, self.moves)

    def is_terminal(self) -> bool:
        return not any(self.heaps)

    def returns(self) -> list[float]:
        if not self.is_terminal():
            return [0.0, 0.0]
        last = 1 - self.player  # who took the last counter
        winner = 1 - last if self.misere else last
        return [1.0 if seat == winner else -1.0 for seat in (0, 1)]

    def max_game_length(self) -> int:
        """Optional: an upper bound on the plies left, which lets minimax solve exactly."""
        return self.moves + sum(self.heaps)

    def move_number(self) -> int:
        return self.moves

    def __str__(self) -> str:  # identifies the position: minimax caches on it
        return f"heaps={'-'.join(map(str, self.heaps))} to_move={self.player}"


class NimEnv(Env):
    def __init__(self, env_id: str, heaps: tuple[int, ...], misere: bool):
        self.start = heaps
        self.misere = misere
        self.width = max(heaps)
        self.info = EnvInfo(
            id=env_id, kind=TURN_BASED, num_seats=2,
            num_actions=len(heaps) * self.width,
            observation_shape=(len(heaps) + 1,),
            forward_model=True,
            seat_names=("first", "second"),
        )
        self.state = NimState(heaps, misere, self.width)
        self._last = [0.0, 0.0]

    def reset(self, seed: int) -> None:
        # Nim has no chance. A game with dice or shuffles draws them from
        # random.Random(seed) here, so that one seed always gives one game.
        self.state = NimState(self.start, self.misere, self.width)
        self._last = [0.0, 0.0]

    def to_move(self) -> list[int]:
        return [] if self.state.is_terminal() else [self.state.player]

    def observation(self, seat: int) -> np.ndarray:
        """Heap sizes scaled to [0, 1], then 1.0 if `seat` is to move."""
        sizes = np.asarray(self.state.heaps, dtype=np.float32) / self.width
        return np.append(sizes, np.float32(self.state.player == seat))

    def legal_actions(self, seat: int) -> list[int]:
        return self.state.legal_actions() if seat == self.state.current_player() else []

    def step(self, actions: Mapping[int, int]) -> None:
        before = self.state.returns()
        for action in actions.values():
            self.state.apply_action(action)
        self._last = [a - b for a, b in zip(self.state.returns(), before)]

    def is_over(self) -> bool:
        return self.state.is_terminal()

    def returns(self) -> list[float]:
        return self.state.returns()

    def rewards(self) -> list[float]:
        return list(self._last)

    def action_to_string(self, seat: int, action: int) -> str:
        heap, take = divmod(action, self.width)
        return f"take {take + 1} from heap {heap}"

    def render(self) -> str:
        return "\n".join(f"heap {i}: {'|' * n or '-'}" for i, n in enumerate(self.state.heaps))

    def clone_state(self) -> NimState:
        return self.state.clone()
