"""Minimax for two-player zero-sum games over any arena.ForwardModel (a pyspiel.State or a
Python game's state): an exact, cached solver where the whole game fits (tic-tac-toe: 5,478
states), otherwise depth-limited alpha-beta with a heuristic."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from arena import Agent, EnvInfo, ForwardModel, ObservationProtocol
from arena.envs import parse_env_id

WIN = 1e6  # terminal values are scaled so that quicker wins and slower losses score higher


class MinimaxAgent(Agent):
    needs_forward_model = True

    def __init__(self, env_info: EnvInfo, *, depth: int = 0, exact_up_to: int = 12):
        """depth: plies to search (0: exact when the game lasts at most `exact_up_to` plies,
        else 4)."""
        super().__init__(env_info)
        self.depth, self.exact_up_to = depth, exact_up_to
        self.rng = random.Random(0)
        self.cache: dict[str, float] = {}  # exact values, kept across games
        self._start = 0  # move number of the searched position

    @classmethod
    def canonical_params(cls, params: dict, env_id: str) -> dict:
        """Equivalent settings on one game are one player: depth 0 means exact search on games
        of at most exact_up_to plies, else depth 4; with a fixed depth, exact_up_to is unused."""
        if params["depth"] == 0:
            name, id_params = parse_env_id(env_id)
            family, _, game = name.partition("/")
            if family != "openspiel" or id_params:  # length unknown before a game: leave it as typed
                return params
            import pyspiel

            try:
                length = pyspiel.load_game(game).max_game_length()
            except pyspiel.SpielError:
                return params
            if length <= params["exact_up_to"]:
                return {"depth": 0}  # exact: any exact_up_to that covers the game is the same
            params["depth"] = 4
        params.pop("exact_up_to", None)
        return params

    def reset(self, seats, seed):
        self.rng = random.Random(seed)

    def act(self, obs: ObservationProtocol) -> int:
        state = obs.forward_model()
        longest = max_game_length(state)
        exact = self.depth == 0 and longest is not None and longest <= self.exact_up_to
        depth = 10**6 if exact else (self.depth or 4)
        sign = 1.0 if obs.seat == 0 else -1.0  # values are kept from player 0's view
        self._start = _move_number(state)
        values = {
            a: sign * self._value(state.child(a), depth - 1, -np.inf, np.inf, exact, 1)
            for a in state.legal_actions()
        }
        best = max(values.values())
        # Random among equal best moves: deterministic for a seed, yet not one fixed game.
        return self.rng.choice([a for a, v in values.items() if v >= best - 1e-9])

    def _value(self, state: ForwardModel, depth: int, alpha: float, beta: float,
               exact: bool, ply: int) -> float:
        """Minimax value for player 0, alpha-beta pruned (exact: cached, unpruned); `ply`
        counts moves from the searched position."""
        if state.is_terminal():
            return state.returns()[0] * (WIN - (self._start + ply))
        if exact:
            key = f"{state}|{state.current_player()}"  # board + mover: merges transpositions
            if key not in self.cache:
                children = (self._value(state.child(a), depth, -np.inf, np.inf, True, ply + 1)
                            for a in state.legal_actions())
                self.cache[key] = max(children) if state.current_player() == 0 else min(children)
            return self.cache[key]
        if depth <= 0:
            return heuristic(state)
        maximizing = state.current_player() == 0
        value = -np.inf if maximizing else np.inf
        for action in state.legal_actions():
            child = self._value(state.child(action), depth - 1, alpha, beta, False, ply + 1)
            if maximizing:
                value, alpha = max(value, child), max(alpha, child)
            else:
                value, beta = min(value, child), min(beta, child)
            if alpha >= beta:
                break
        return value


def max_game_length(state: Any) -> int | None:
    """An upper bound on the game's length in plies: OpenSpiel's game knows it; a Python
    state may offer `max_game_length()`; None when neither does (no exact solving then)."""
    if hasattr(state, "get_game"):
        return state.get_game().max_game_length()
    bound = getattr(state, "max_game_length", None)
    return bound() if callable(bound) else None


def _move_number(state: Any) -> int:
    number = getattr(state, "move_number", None)
    return number() if callable(number) else 0


def heuristic(state: Any) -> float:
    """Connect Four: open windows of four weighted by how full they are, for player 0;
    other games: 0 (pure alpha-beta on terminal outcomes)."""
    game = state.get_game() if hasattr(state, "get_game") else None
    if game is None or game.get_type().short_name != "connect_four":
        return 0.0
    planes = np.asarray(state.observation_tensor(0)).reshape(game.observation_tensor_shape())
    return _windows(planes[0], planes[1]) - _windows(planes[1], planes[0])


def _windows(mine: np.ndarray, theirs: np.ndarray, n: int = 4) -> float:
    """Sum over all length-n lines not blocked by the opponent of 4**(own pieces)."""
    rows, cols = mine.shape
    total = 0.0
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        for r in range(rows):
            for c in range(cols):
                rr, cc = r + dr * (n - 1), c + dc * (n - 1)
                if not (0 <= rr < rows and 0 <= cc < cols):
                    continue
                cells = [(r + dr * k, c + dc * k) for k in range(n)]
                if any(theirs[x, y] for x, y in cells):
                    continue
                total += 4.0 ** sum(mine[x, y] for x, y in cells) - 1
    return total
