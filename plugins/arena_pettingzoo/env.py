"""PettingZoo adapters: turn-based AEC envs and simultaneous Parallel envs.

Seats are indices into `possible_agents`. Legal actions come from the env's action mask
(classic games put it in `obs["action_mask"]`; Parallel envs may put it in `infos`), or
are the whole Discrete space when the env has none. Teams, where an env has them, are
named by the registration: agents whose names share a prefix ("red_0", "red_1") form one.
"""

from __future__ import annotations

import copy
import importlib
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from arena.envs.base import SIMULTANEOUS, TURN_BASED, Env, EnvInfo, format_env_id
from arena.errors import ArenaError


def make(name: str, params: Mapping[str, str], *, module: str, kind: str,
         teams: bool = False, constructor: str | None = None) -> Env:
    """Build the PettingZoo env `module` (e.g. pettingzoo.classic.connect_four_v3)."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        if exc.name == module:
            raise ArenaError(f"{name}: this PettingZoo version has no {module}") from None
        raise ArenaError(f"{name} needs a package that is not installed ({exc.name}); "
                         f"install it, e.g. pip install {exc.name or module.split('.')[0]}") from None
    ctor_name = constructor or ("raw_env" if kind == TURN_BASED else "parallel_env")
    ctor = getattr(mod, ctor_name)
    kwargs = {k: _literal(v) for k, v in params.items()}
    try:
        env = ctor(**kwargs)
    except TypeError as exc:
        raise ArenaError(f"bad parameters for {name}: {exc}") from None
    adapter = AECAdapter if kind == TURN_BASED else ParallelAdapter
    return adapter(format_env_id(name, params), env, teams)


def _literal(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def team_groups(agent_names: list[str]) -> tuple[tuple[int, ...], ...]:
    """Group seats by name prefix: red_0, red_1, blue_0 -> ((0, 1), (2,))."""
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(agent_names):
        groups.setdefault(re.sub(r"_?\d+$", "", name), []).append(i)
    return tuple(tuple(g) for g in groups.values())


def _info(env_id: str, env: Any, kind: str, teams: bool) -> EnvInfo:
    names = list(env.possible_agents)
    shapes = tuple(_obs_shape(env.observation_space(name)) for name in names)
    return EnvInfo(
        id=env_id,
        kind=kind,
        num_seats=len(names),
        num_actions=int(env.action_space(names[0]).n),
        observation_shape=shapes[0],
        observation_shapes=shapes if len(set(shapes)) > 1 else (),
        teams=team_groups(names) if teams else None,
        seat_names=tuple(names),
    )


def _obs_shape(space: Any) -> tuple[int, ...]:
    if hasattr(space, "spaces") and "observation" in space.spaces:
        space = space["observation"]
    return tuple(space.shape or ())


def _split(obs: Any) -> tuple[np.ndarray, np.ndarray | None]:
    if isinstance(obs, dict) and "observation" in obs:
        return obs["observation"], obs.get("action_mask")
    return obs, None


class _PettingZooEnv(Env):
    """What both adapters share: seats by agent name, returns kept per seat."""

    kind: str

    def __init__(self, env_id: str, env: Any, teams: bool = False):
        self.env = env
        self.info = _info(env_id, env, self.kind, teams)
        self._names = list(env.possible_agents)
        self._seat = {name: i for i, name in enumerate(self._names)}
        self._returns = [0.0] * self.info.num_seats
        self._rewards = [0.0] * self.info.num_seats

    def _legal(self, mask: np.ndarray | None) -> list[int]:
        return np.flatnonzero(mask).tolist() if mask is not None else list(range(self.info.num_actions))

    def is_over(self) -> bool:
        return not self.env.agents

    def returns(self) -> list[float]:
        return list(self._returns)

    def rewards(self) -> list[float]:
        return list(self._rewards)

    def render(self) -> str:
        if getattr(self.env, "render_mode", None) == "ansi":
            return str(self.env.render())
        from arena_pettingzoo.views import text_view  # most envs draw only pictures

        return text_view(self.env)

    def action_to_string(self, seat: int, action: int) -> str:
        from arena_pettingzoo.views import action_name

        return action_name(self.env, self._names[seat], action)

    def close(self) -> None:
        self.env.close()


class AECAdapter(_PettingZooEnv):
    """Turn-based PettingZoo envs, agent by agent through `agent_iter` semantics."""

    kind = TURN_BASED

    def __init__(self, env_id: str, env: Any, teams: bool = False):
        super().__init__(env_id, env, teams)
        self._seen: dict[int, tuple] = {}  # observe() results of this step, per seat

    def reset(self, seed: int) -> None:
        self.env.reset(seed=seed)
        self._returns = [0.0] * self.info.num_seats
        self._collect()

    def _collect(self) -> None:
        """Add this step's rewards, then step past agents that are already done
        (AEC envs want a None action from each of them)."""
        env = self.env
        self._seen = {}
        self._rewards = [0.0] * self.info.num_seats
        for name, r in env.rewards.items():
            self._rewards[self._seat[name]] += r
            self._returns[self._seat[name]] += r
        while env.agents and (env.terminations[env.agent_selection]
                              or env.truncations[env.agent_selection]):
            env.step(None)
            for name, r in env.rewards.items():
                self._returns[self._seat[name]] += r

    def to_move(self) -> list[int]:
        return [self._seat[self.env.agent_selection]] if self.env.agents else []

    def _observe(self, seat: int):
        if seat not in self._seen:  # legal_actions and observation share one observe()
            self._seen[seat] = _split(self.env.observe(self._names[seat]))
        return self._seen[seat]

    def observation(self, seat: int) -> np.ndarray:
        return np.asarray(self._observe(seat)[0], dtype=np.float32)

    def legal_actions(self, seat: int) -> list[int]:
        return self._legal(self._observe(seat)[1])

    def step(self, actions: Mapping[int, int]) -> None:
        for action in actions.values():
            self.env.step(action)
        self._collect()

    def upstream_test(self) -> None:
        from pettingzoo.test import api_test, seed_test

        api_test(copy.deepcopy(self.env), num_cycles=200)
        seed_test(lambda: copy.deepcopy(self.env), num_cycles=50)


class ParallelAdapter(_PettingZooEnv):
    """Simultaneous PettingZoo envs: every live agent acts each step."""

    kind = SIMULTANEOUS

    def __init__(self, env_id: str, env: Any, teams: bool = False):
        super().__init__(env_id, env, teams)
        self._obs: dict[str, Any] = {}
        self._infos: dict[str, Any] = {}

    def reset(self, seed: int) -> None:
        self._obs, self._infos = self.env.reset(seed=seed)
        self._returns = [0.0] * self.info.num_seats

    def to_move(self) -> list[int]:
        return [self._seat[name] for name in self.env.agents]

    def observation(self, seat: int) -> np.ndarray:
        return np.asarray(_split(self._obs[self._names[seat]])[0], dtype=np.float32)

    def legal_actions(self, seat: int) -> list[int]:
        name = self._names[seat]
        mask = _split(self._obs[name])[1]
        if mask is None:
            mask = self._infos.get(name, {}).get("action_mask")
        return self._legal(mask)

    def step(self, actions: Mapping[int, int]) -> None:
        joint = {self._names[seat]: action for seat, action in actions.items()}
        self._obs, rewards, _, _, self._infos = self.env.step(joint)
        self._rewards = [0.0] * self.info.num_seats
        for name, r in rewards.items():
            self._rewards[self._seat[name]] = r
            self._returns[self._seat[name]] += r

    def eliminated(self) -> list[int] | None:
        """magent2 battles: the seats killed so far (its grid keeps its live agents' ids, which
        are seats; the PettingZoo env terminates every agent when a team falls, so its
        terminations cannot tell). Other envs do not track eliminations: None."""
        grid, handles = getattr(self.env.unwrapped, "env", None), getattr(self.env.unwrapped, "handles", None)
        if handles is None or not callable(getattr(grid, "get_agent_id", None)):
            return None
        alive = {int(i) for handle in handles for i in grid.get_agent_id(handle)}
        return [seat for seat in range(self.info.num_seats) if seat not in alive]

    def batched(self) -> Any:
        """The PettingZoo env itself when it offers the BatchedEnv methods (fivehero does)."""
        inner = self.env
        names = ("reset", "observe_all", "step_all", "team_state")
        return inner if all(callable(getattr(inner, name, None)) for name in names) else None

    def upstream_test(self) -> None:
        from pettingzoo.test import parallel_api_test, parallel_seed_test

        parallel_api_test(copy.deepcopy(self.env), num_cycles=200)
        parallel_seed_test(lambda: copy.deepcopy(self.env), num_cycles=50)
