"""Many copies of one arena env stepped in one process, seen as arrays over (env, seat).

Seats that are dead (not in `to_move()`) keep their slot: zero observation, a mask that
allows only action 0, and `alive` False, so batches keep their shape (MAPPO death masking).
A finished game is reset at once with a fresh seed; its final returns are reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from arena.api import make_env
from arena.envs.base import SIMULTANEOUS, Env
from arena.errors import ArenaError
from arena.referee import scores_from_returns


@dataclass
class Finished:
    """One game that ended during the last step."""

    env: int
    returns: list[float]  # per seat
    scores: list[float]  # per side


def global_state(env: Env) -> np.ndarray:
    """The env's global state for a centralised critic: `state()` of the env or of the
    PettingZoo env under an adapter, else every seat's observation side by side."""
    for obj in (env, getattr(env, "env", None)):
        state = getattr(obj, "state", None)
        if callable(state):
            try:
                return np.asarray(state(), dtype=np.float32).ravel()
            except (NotImplementedError, AttributeError):
                pass
    return np.concatenate([np.ravel(env.observation(s)) for s in range(env.info.num_seats)]).astype(np.float32)


class VecEnv:
    def __init__(self, env_id: str, num_envs: int, seed: int):
        self.envs = [make_env(env_id) for _ in range(num_envs)]
        self.info = self.envs[0].info
        if self.info.kind != SIMULTANEOUS:
            raise ArenaError(f"ppo trains on simultaneous-move envs; {env_id} is {self.info.kind}")
        self.rng = np.random.default_rng(seed)
        for env in self.envs:
            env.reset(self._seed())
        self.obs_dim = int(np.prod(self.info.observation_shape))
        self.state_dim = len(global_state(self.envs[0]))

    def _seed(self) -> int:
        return int(self.rng.integers(2**31 - 1))

    def observe(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """obs (E, N, D), legal mask (E, N, A), alive (E, N), global state (E, S)."""
        n_env, info = len(self.envs), self.info
        obs = np.zeros((n_env, info.num_seats, self.obs_dim), dtype=np.float32)
        mask = np.zeros((n_env, info.num_seats, info.num_actions), dtype=bool)
        mask[:, :, 0] = True
        alive = np.zeros((n_env, info.num_seats), dtype=bool)
        state = np.zeros((n_env, self.state_dim), dtype=np.float32)
        for e, env in enumerate(self.envs):
            for seat in env.to_move():
                obs[e, seat] = np.ravel(env.observation(seat))
                mask[e, seat] = env.legal_mask(seat)
                alive[e, seat] = True
            state[e] = global_state(env)
        return obs, mask, alive, state

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[Finished]]:
        """Apply actions (E, N) for the live seats: rewards (E, N), done (E,), finished games."""
        rewards = np.zeros((len(self.envs), self.info.num_seats), dtype=np.float32)
        done = np.zeros(len(self.envs), dtype=bool)
        finished = []
        for e, env in enumerate(self.envs):
            env.step({seat: int(actions[e, seat]) for seat in env.to_move()})
            rewards[e] = env.rewards()
            if env.is_over():
                returns = [float(r) for r in env.returns()]
                finished.append(Finished(e, returns, scores_from_returns(returns, self.info.sides)))
                done[e] = True
                env.reset(self._seed())
        return rewards, done, finished

    def close(self) -> None:
        for env in self.envs:
            env.close()
