"""Checks and pytest fixtures for plugin authors.

    from arena.testing import check_env, check_agent
    check_env("openspiel/tic_tac_toe")
    check_agent("my-bot", "openspiel/connect_four")

Both raise AssertionError with a message that says what is wrong. The `register_plugin`
fixture (this module is a pytest plugin) registers a plugin object for one test.
"""

from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np
import pytest

from arena.api import make_agent, make_env
from arena.envs.base import Env
from arena.plugins import get_registry
from arena.referee import NORMAL, play


def check_env(env_id: str, games: int = 3, seed: int = 0) -> None:
    """The upstream API test of the env's family, then the arena's own checks: movers have
    legal actions, observations have the declared shape, returns are finite, and the same
    seed replays the same game."""
    env = make_env(env_id)
    env.upstream_test()
    for g in range(games):
        _check_one_game(env, seed + g)
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
            agents = [make_agent("random", env) for _ in range(sides)]
            agents[side] = make_agent(spec, env)
            names = ["random"] * sides
            names[side] = spec
            first = play(env, agents, seed=g, names=names, time_per_move=time_per_move)
            assert first.termination == NORMAL, (
                f"{spec} on {env_id}, side {side}: {first.termination} ({first.reason})"
            )
            again = play(env, agents, seed=g, names=names, time_per_move=time_per_move)
            assert again.moves == first.moves, f"{spec} is not deterministic for a seed"
            for agent in agents:
                agent.close()
                agent.close()


@pytest.fixture
def register_plugin() -> Iterator[Any]:
    """register_plugin(obj, name) registers a plugin object for this test only."""
    registry = get_registry()
    added: list[str] = []

    def register(plugin: Any, name: str) -> None:
        registry.add(plugin, name)
        added.append(name)

    yield register
    for name in added:
        registry.remove(name)
