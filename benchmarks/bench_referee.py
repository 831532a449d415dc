"""Referee overhead: random vs random through `arena.play` against bare loops doing the same
work, side by side in one run (the machine is shared, so compare ratios, and medians).

    python benchmarks/bench_referee.py [--games 2000] [--repeats 5]

Targets (issue 2): >= 50 % of bare pyspiel on openspiel/connect_four, >= 80 % of a bare
PettingZoo AEC loop on pettingzoo/classic/connect_four_v3.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import numpy as np
import pyspiel
from pettingzoo.classic import connect_four_v3

import arena
from arena import Agent


class TensorRandom(Agent):
    """Random, but reads the observation tensor as the bare loop does (equal work)."""

    def reset(self, seats, seed):
        self.rng = random.Random(seed)

    def act(self, obs):
        _ = obs.tensor  # read it: this agent pays for the observation
        return self.rng.choice(obs.legal_actions)


def bare_pyspiel(games: int) -> float:
    game = pyspiel.load_game("connect_four")
    rng = random.Random(0)
    start = time.perf_counter()
    for _ in range(games):
        state = game.new_initial_state()
        while not state.is_terminal():
            legal = state.legal_actions()
            np.asarray(state.observation_tensor(state.current_player()), dtype=np.float32)
            state.apply_action(rng.choice(legal))
    return games / (time.perf_counter() - start)


def bare_pettingzoo(games: int) -> float:
    env = connect_four_v3.raw_env()
    rng = random.Random(0)
    start = time.perf_counter()
    for g in range(games):
        env.reset(seed=g)
        for _agent in env.agent_iter():
            obs, reward, term, trunc, info = env.last()
            if term or trunc:
                env.step(None)
                continue
            env.step(rng.choice(np.flatnonzero(obs["action_mask"]).tolist()))
    return games / (time.perf_counter() - start)


def through_arena(env_id: str, games: int, agent_factory) -> float:
    env = arena.make_env(env_id)
    agents = [agent_factory(env), agent_factory(env)]
    start = time.perf_counter()
    for seed in range(games):
        arena.play(env, agents, seed)
    return games / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    n, pz = args.games, max(args.games // 10, 50)
    random_agent = lambda env: arena.make_agent("random", env)  # noqa: E731
    runs = {
        "bare pyspiel": lambda: bare_pyspiel(n),
        "arena openspiel, random (lazy observation)": lambda: through_arena("openspiel/connect_four", n, random_agent),
        "arena openspiel, random reading the tensor": lambda: through_arena("openspiel/connect_four", n, TensorRandom),
        "bare pettingzoo AEC (raw_env)": lambda: bare_pettingzoo(pz),
        "arena pettingzoo, random": lambda: through_arena("pettingzoo/classic/connect_four_v3", pz, random_agent),
    }
    samples: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(args.repeats):  # interleaved, so load changes hit every loop alike
        for name, run in runs.items():
            samples[name].append(run())
    med = {k: statistics.median(v) for k, v in samples.items()}
    for name, value in med.items():
        print(f"{name:45s} {value:9.0f} games/s")
    print(f"ratio openspiel (lazy)   {med['arena openspiel, random (lazy observation)'] / med['bare pyspiel']:.0%}  (target >= 50%)")
    print(f"ratio openspiel (tensor) {med['arena openspiel, random reading the tensor'] / med['bare pyspiel']:.0%}  (target >= 50%)")
    print(f"ratio pettingzoo         {med['arena pettingzoo, random'] / med['bare pettingzoo AEC (raw_env)']:.0%}  (target >= 80%)")


if __name__ == "__main__":
    main()
