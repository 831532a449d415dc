"""OpenSpiel adapter: pyspiel states behind the arena's Env interface.

Shimmy's PettingZoo wrapper measured 20-45x slower than raw pyspiel here, so the referee
drives pyspiel itself. Chance nodes are sampled from the env's own seeded RNG.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
from collections.abc import Mapping

import numpy as np
import pyspiel

from arena.envs.base import TURN_BASED, Env, EnvInfo, format_env_id
from arena.errors import ArenaError
from arena.plugins import unknown

PREFIX = "openspiel/"


# Registered sequential games that do not play with their defaults; `arena envs --all` says why.
# (tests/test_every_env.py plays every listed game, so a new one that fails shows up there.)
NOT_PLAYABLE = {
    "crossword": "needs the puzzle files puzzles_root and word_list_file and offers no observation",
    "efg_game": "reads its game from an .efg file: give filename=PATH",
    "repeated_poker": "needs a hand schedule as parameters: max_num_hands, blind_schedule and more",
}


def catalog() -> list[dict]:
    return [
        {
            "id": PREFIX + gt.short_name,
            "kind": TURN_BASED,
            "players": _players(gt),
            "teams": False,
            "forward_model": gt.information == pyspiel.GameType.Information.PERFECT_INFORMATION,
            "description": gt.long_name,
            "left_out": left_out(gt),
        }
        for gt in _sequential_games()
    ]


def left_out(gt) -> str | None:
    """Why a registered game is not listed as playable, or None."""
    if "game" in gt.parameter_specification:  # add_noise, misere, zerosum, start_at, ...
        return "a wrapper around another game, not a game by itself"
    return NOT_PLAYABLE.get(gt.short_name)


def _sequential_games():
    return [
        gt for gt in pyspiel.registered_games()
        if gt.dynamics == pyspiel.GameType.Dynamics.SEQUENTIAL
    ]


def _players(gt) -> str | int:
    return gt.min_num_players if gt.min_num_players == gt.max_num_players else (
        f"{gt.min_num_players}-{gt.max_num_players}"
    )


def make(name: str, params: Mapping[str, str]) -> OpenSpielEnv:
    short = name[len(PREFIX):]
    names = {gt.short_name: gt for gt in _sequential_games()}
    if short not in names:
        raise ArenaError(unknown("env", name, [PREFIX + n for n in names]))
    reason = left_out(names[short])
    if reason and (not params or "game" in names[short].parameter_specification):
        raise ArenaError(f"{name} cannot be played here: {reason}; see `arena envs`")
    spec = short + ("(" + ",".join(f"{k}={v}" for k, v in params.items()) + ")" if params else "")
    try:  # bad values surface in load_game or only in the first state (breakthrough:rows=1)
        with _native_stderr_muted():  # OpenSpiel also prints its exception there, over lines
            return OpenSpielEnv(format_env_id(name, params), pyspiel.load_game(spec))
    except Exception as exc:  # noqa: BLE001 - SpielError, or pybind's TypeError for a wrong type
        defaults = names[short].parameter_specification
        valid = ", ".join(f"{k}={v}" for k, v in sorted(defaults.items())) or "none"
        problem = " ".join(str(exc).split()).split(".cc:", 1)[-1].lstrip("0123456789 ")
        raise ArenaError(f"bad parameters for {name}: {problem[:200]}; "
                         f"valid parameters: {valid} (the defaults)") from None


@contextlib.contextmanager
def _native_stderr_muted():
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class OpenSpielEnv(Env):
    def __init__(self, env_id: str, game: pyspiel.Game):
        self.game = game
        gt = game.get_type()
        perfect = gt.information == pyspiel.GameType.Information.PERFECT_INFORMATION
        # Without perfect information, a seat sees its information-state tensor where the game
        # has one: it holds the whole history the seat saw (perfect recall), which an agent
        # without memory needs; Leduc's observation tensor shows only the pot, so two betting
        # lines with different beliefs about the cards look the same.
        self._use_obs = gt.provides_observation_tensor and (
            perfect or not gt.provides_information_state_tensor)
        self._tensor = (
            game.observation_tensor_shape if self._use_obs
            else game.information_state_tensor_shape if gt.provides_information_state_tensor
            else None
        )
        self.info = EnvInfo(
            id=env_id,
            kind=TURN_BASED,
            num_seats=game.num_players(),
            num_actions=game.num_distinct_actions(),
            observation_shape=tuple(self._tensor()) if self._tensor else (0,),
            forward_model=gt.information == pyspiel.GameType.Information.PERFECT_INFORMATION,
            seat_names=tuple(f"player_{i}" for i in range(game.num_players())),
            # What trainers ask before they accept a game (MuZero: neither of these).
            extra={"chance": gt.chance_mode != pyspiel.GameType.ChanceMode.DETERMINISTIC,
                   "imperfect_information":
                       gt.information != pyspiel.GameType.Information.PERFECT_INFORMATION},
        )
        self._observer = self._make_observer() if self._tensor else None
        self.state = game.new_initial_state()
        self._rng = random.Random(0)

    def _make_observer(self):
        """OpenSpiel's observer for the tensor this env shows: it writes into one buffer, 2.5x
        cheaper than the state's tensor methods, which build a Python list every call (a trainer
        observes every move). None where the game offers no such observer."""
        from open_spiel.python.observation import make_observation

        kind = None if self._use_obs else pyspiel.IIGObservationType(perfect_recall=True)
        try:
            observer = make_observation(self.game, kind)
        except Exception:  # a game without the observer API: the state's methods still work
            return None
        tensor = getattr(observer, "tensor", None)
        return observer if tensor is not None and tensor.size == np.prod(self.info.observation_shape) else None

    def reset(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self.state = self.game.new_initial_state()
        self._resolve_chance()

    def _resolve_chance(self) -> None:
        state = self.state
        while state.is_chance_node():
            outcomes, probs = zip(*state.chance_outcomes())
            state.apply_action(self._rng.choices(outcomes, probs)[0])

    def to_move(self) -> list[int]:
        player = self.state.current_player()  # one call, not two: trainers ask every move
        return [] if player == pyspiel.PlayerId.TERMINAL else [player]

    def observation(self, seat: int) -> np.ndarray:
        if self._tensor is None:
            return np.zeros(0, dtype=np.float32)
        if self._observer is not None:
            self._observer.set_from(self.state, seat)
            return self._observer.tensor.reshape(self.info.observation_shape).copy()
        flat = (self.state.observation_tensor(seat) if self._use_obs
                else self.state.information_state_tensor(seat))
        return np.asarray(flat, dtype=np.float32).reshape(self.info.observation_shape)

    def legal_actions(self, seat: int) -> list[int]:
        return self.state.legal_actions(seat)

    def legal_mask(self, seat: int) -> np.ndarray:
        return np.asarray(self.state.legal_actions_mask(seat), dtype=bool)

    def step(self, actions: Mapping[int, int]) -> None:
        for action in actions.values():
            self.state.apply_action(action)
        self._resolve_chance()

    def is_over(self) -> bool:
        return self.state.is_terminal()

    def returns(self) -> list[float]:
        return self.state.returns()

    def rewards(self) -> list[float]:
        return self.state.rewards()

    def action_to_string(self, seat: int, action: int) -> str:
        return self.state.action_to_string(seat, action)

    def render(self) -> str:
        return str(self.state)

    def render_for(self, seat: int) -> str:
        if self.info.forward_model:  # perfect information: the whole state is public
            return str(self.state)
        gt = self.game.get_type()
        if gt.provides_observation_string:
            return self.state.observation_string(seat)
        if gt.provides_information_state_string:
            return self.state.information_state_string(seat)
        return ""

    def clone_state(self) -> pyspiel.State:
        return self.state.clone()

    def check_exploitability(self) -> None:
        from arena_openspiel.exploitability import check_measurable

        check_measurable(self)

    def exploitability(self, policy) -> float:
        from arena_openspiel.exploitability import exploitability

        return exploitability(self, policy)

    def serialize_state(self) -> str:
        return self.state.serialize()  # the move history, chance outcomes included

    def deserialize_state(self, text: str) -> pyspiel.State:
        return self.game.deserialize_state(text)

    def upstream_test(self) -> None:
        pyspiel.random_sim_test(self.game, num_sims=3, serialize=False, verbose=False)
