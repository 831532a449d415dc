"""OpenSpiel's C++ MCTS with random rollouts (~120-170k simulations/s on Connect Four here)."""

from __future__ import annotations

import pyspiel

from arena import Agent, EnvInfo, Observation


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
        self.bot: pyspiel.MCTSBot | None = None

    def reset(self, seats, seed):
        self.seed, self.bot = seed % 2**31, None  # a fresh bot (and tree) per game

    def act(self, obs: Observation) -> int:
        state = obs.forward_model()
        if self.bot is None:
            evaluator = pyspiel.RandomRolloutEvaluator(self.rollouts, self.seed)
            self.bot = pyspiel.MCTSBot(state.get_game(), evaluator, self.uct_c, self.sims,
                                       self.max_memory_mb, self.solve, self.seed, False)
        return self.bot.step(state)
