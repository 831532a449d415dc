"""Every env `arena envs` lists can be played: one seeded game of random agents in each (the
OpenSpiel sequential catalogue, PettingZoo, mpe2, magent2, fivehero), reading every mover's
observation as a learning agent would. Long games stop after MAX_STEPS steps: the point is
that building, resetting, observing and stepping work, not how a game ends."""

from __future__ import annotations

import pytest

import arena
from arena import Agent
from arena.referee import play

MAX_STEPS = 200
LISTED = [row["id"] for row in arena.list_envs()]


class LookingRandom(Agent):
    """Uniform over the legal moves, after looking at everything a seat may see."""

    def reset(self, seats, seed):
        import random

        self.rng = random.Random(seed)

    def act(self, obs):
        assert obs.tensor.shape == tuple(self.env_info.observation_shape_of(obs.seat))
        assert obs.legal_mask.sum() == len(obs.legal_actions) > 0
        return self.rng.choice(obs.legal_actions)


class _Enough(Exception):
    pass


@pytest.mark.parametrize("env_id", LISTED)
def test_every_listed_env_plays_a_seeded_game_of_random_agents(env_id):
    env = arena.make_env(env_id)
    agents = [LookingRandom(env.info) for _ in env.info.sides]

    def stop_long_games(env, record):
        if record.plies >= MAX_STEPS:
            raise _Enough

    try:
        record = play(env, agents, seed=3, names=[f"r{i}" for i in range(len(agents))], on_step=stop_long_games)
    except _Enough:
        return
    assert record.termination == "normal", record.reason
    assert len(record.scores) == len(agents) and record.plies > 0


def test_wrappers_and_unplayable_games_are_left_out_and_say_why(arena_cli):
    import json

    listed = set(LISTED)
    every = {r["id"]: r for r in json.loads(arena_cli("envs", "--all", "--json").stdout)}
    left = {i: r["left_out"] for i, r in every.items() if r["left_out"]}
    assert {"openspiel/add_noise", "openspiel/misere", "openspiel/zerosum", "pettingzoo/classic/hanabi_v5"} <= set(left)
    assert "wrapper around another game" in left["openspiel/add_noise"]
    assert not listed & set(left) and listed | set(left) == set(every)
    result = arena_cli("play", "openspiel/add_noise", "random", "random")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "not a game by itself" in result.stderr
