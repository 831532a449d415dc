"""Checks and pytest fixtures for plugin authors.

    from arena.testing import check_env, check_agent
    check_env("openspiel/tic_tac_toe")
    check_agent("my-bot", "openspiel/connect_four")

Both raise AssertionError with a message that says what is wrong. They need no pytest and
no plugin: the opponent of `check_agent` is this module's own random agent. Under pytest
(this module is a pytest plugin) the `register_plugin` fixture registers a plugin object
for one test.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import Any

import numpy as np

from arena.agents import Agent, ObservationProtocol
from arena.api import make_agent, make_env
from arena.envs.base import Env, EnvInfo, ForwardModel
from arena.plugins import get_registry
from arena.referee import NORMAL, play

try:
    import pytest
except ImportError:  # a plain install: the checks work, the fixture is not needed
    pytest = None  # type: ignore[assignment]


class RandomOpponent(Agent):
    """Uniform over the legal moves, from the game's seed: the opponent of check_agent."""

    def __init__(self, env_info: EnvInfo):
        super().__init__(env_info)
        self.rng = random.Random(0)

    def reset(self, seats: tuple[int, ...], seed: int) -> None:
        self.rng = random.Random(seed)

    def act(self, obs: ObservationProtocol) -> int:
        return self.rng.choice(list(obs.legal_actions))


def check_env(env_id: str, games: int = 3, seed: int = 0) -> None:
    """The upstream API test of the env's family, then the arena's own checks: movers have
    legal actions, observations have the declared shape, returns are finite, and the same
    seed replays the same game."""
    env = make_env(env_id)
    env.upstream_test()
    for g in range(games):
        _check_one_game(env, seed + g)
        if env.info.forward_model:
            _check_forward_model(env, seed + g)
    again = make_env(env_id)
    for g in range(games):
        assert _random_game(env, seed + g) == _random_game(again, seed + g), (
            f"{env_id}: the same seed gave two different games"
        )


def _check_one_game(env: Env, seed: int) -> None:
    env_id = env.info.id
    env.reset(seed)
    rng = np.random.default_rng(seed)
    steps = 0
    while not env.is_over():
        joint = {}
        for seat in env.to_move():
            legal = list(env.legal_actions(seat))
            assert legal, f"{env_id}: seat {seat} must move but has no legal action"
            assert all(0 <= a < env.info.num_actions for a in legal), f"{env_id}: action out of range"
            mask = env.legal_mask(seat)
            assert mask.sum() == len(legal), f"{env_id}: mask and legal actions disagree"
            obs, shape = env.observation(seat), tuple(env.info.observation_shape_of(seat))
            assert tuple(obs.shape) == shape, f"{env_id}: observation shape {obs.shape} != {shape}"
            joint[seat] = int(rng.choice(legal))
        env.step(joint)
        steps += 1
        assert steps < 100_000, f"{env_id}: a random game did not end in 100,000 steps"
    assert all(math.isfinite(r) for r in env.returns()), f"{env_id}: returns not finite"


def _check_forward_model(env: Env, seed: int) -> None:
    """An env that declares a forward model offers one that agrees with the game at every
    decision, is a private copy, and survives serialize/deserialize (remote agents)."""
    env_id = env.info.id
    env.reset(seed)
    rng = np.random.default_rng(seed)
    while not env.is_over():
        seat = env.to_move()[0] if env.info.kind == "turn-based" else None
        state = env.clone_state()
        assert isinstance(state, ForwardModel), (
            f"{env_id}: clone_state() returned {type(state).__name__}, which lacks the "
            "ForwardModel methods (current_player, legal_actions, apply_action, child, clone, "
            "is_terminal, returns)"
        )
        if seat is not None:
            assert state.current_player() == seat, (
                f"{env_id}: forward model says seat {state.current_player()} moves, the env says {seat}"
            )
            legal = sorted(env.legal_actions(seat))
            assert sorted(state.legal_actions()) == legal, f"{env_id}: forward model legal actions differ"
            state.child(legal[0])
            assert sorted(state.legal_actions()) == legal, f"{env_id}: child() changed its parent"
            copy_ = env.deserialize_state(env.serialize_state())
            assert sorted(copy_.legal_actions()) == legal, f"{env_id}: a deserialized state differs"
        joint = {s: int(rng.choice(list(env.legal_actions(s)))) for s in env.to_move()}
        env.step(joint)
    final = env.clone_state()
    assert final.is_terminal(), f"{env_id}: the game is over but its forward model is not terminal"
    assert np.allclose(final.returns(), env.returns()), f"{env_id}: forward model returns differ"


def _random_game(env: Env, seed: int) -> tuple:
    env.reset(seed)
    rng = np.random.default_rng(seed)
    trace = []
    while not env.is_over():
        joint = {s: int(rng.choice(list(env.legal_actions(s)))) for s in env.to_move()}
        trace.append((tuple(sorted(joint.items())), env.observation(next(iter(joint))).tobytes()))
        env.step(joint)
    return tuple(trace), tuple(env.returns())


def check_agent(spec: str, env_id: str, games: int = 2, time_per_move: float = 5.0) -> None:
    """The agent plays legally from every side against random, is deterministic for a seed,
    answers within `time_per_move`, and survives reset/close twice."""
    env = make_env(env_id)
    sides = len(env.info.sides)
    for side in range(sides):
        for g in range(games):
            agents: list[Agent] = [RandomOpponent(env.info) for _ in range(sides)]
            agents[side] = make_agent(spec, env)
            names = ["random"] * sides
            names[side] = spec
            first = play(env, agents, seed=g, names=names, time_per_move=time_per_move)
            assert first.termination == NORMAL, f"{spec} on {env_id}, side {side}: {first.termination} ({first.reason})"
            again = play(env, agents, seed=g, names=names, time_per_move=time_per_move)
            assert again.moves == first.moves, f"{spec} is not deterministic for a seed"
            for agent in agents:
                agent.close()
                agent.close()


if pytest is not None:

    @pytest.fixture
    def register_plugin() -> Iterator[Any]:
        """register_plugin(obj, name) registers a plugin object for this test only."""
        registry = get_registry()
        added: list[str] = []

        def register(plugin: Any, name: str) -> None:
            added.append(name)
            if not registry.add(plugin, name):
                raise AssertionError(f"plugin {name!r} was not loaded: {registry.plugins[name].errors[-1]}")

        yield register
        for name in added:
            registry.remove(name)
