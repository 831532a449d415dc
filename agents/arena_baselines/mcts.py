"""MCTS with random rollouts: OpenSpiel's C++ MCTSBot for OpenSpiel games (~120-170k
simulations/s on Connect Four here), and the Python UCT of `uct.py` for any other game that
offers a forward model."""

from __future__ import annotations

import random
from typing import Any

from arena import Agent, EnvInfo, ObservationProtocol
from arena_baselines.uct import uct_search


def _is_openspiel(state: Any) -> bool:
    return hasattr(state, "get_game")  # a pyspiel.State; the C++ bot needs its game


class MCTSAgent(Agent):
    needs_forward_model = True

    def __init__(self, env_info: EnvInfo, *, sims: int = 1000, uct_c: float = 2.0,
                 rollouts: int = 1, solve: bool = True, max_memory_mb: int = 1000):
        super().__init__(env_info)
        if sims < 1 or rollouts < 1:
            raise ValueError("sims and rollouts must be at least 1")
        self.sims, self.uct_c, self.rollouts, self.solve = sims, uct_c, rollouts, solve
        self.max_memory_mb = max_memory_mb
        self.seed = 0
        self.bot: Any = None
        self.rng = random.Random(0)

    def reset(self, seats, seed):
        self.seed, self.bot = seed % 2**31, None  # a fresh bot (and tree) per game
        self.rng = random.Random(seed)

    def act(self, obs: ObservationProtocol) -> int:
        state = obs.forward_model()
        if not _is_openspiel(state):
            return uct_search(state, self.sims, self.uct_c, self.rng)
        if self.bot is None:
            import pyspiel

            evaluator = pyspiel.RandomRolloutEvaluator(self.rollouts, self.seed)
            self.bot = pyspiel.MCTSBot(state.get_game(), evaluator, self.uct_c, self.sims,
                                       self.max_memory_mb, self.solve, self.seed, False)
        return self.bot.step(state)
