"""Batched self-play through the arena Env interface, and the replay buffer.

Many games run side by side in one process; each move of all of them is one batched
search. Exploration, so that the data covers positions and moves good play would never
reach: a game may open with a few uniformly random moves (not trained on), and later a
small share of moves is random (the dynamics must see winning moves the policy does not
yet take, or the search can never find them). Every position stores the search's improved
policy, the move's reward to its mover and the value target z_t = r_t − z_{t+1} (negamax:
each from its mover's view): the Monte-Carlo result, cut at a random move, where the
search's root value stands in for the rest of the game.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from arena.envs.base import Env
from arena_muzero.model import board_moves
from arena_muzero.search import SearchConfig, search


@dataclass
class Trajectory:
    obs: list = field(default_factory=list)
    player: list = field(default_factory=list)
    action: list = field(default_factory=list)
    policy: list = field(default_factory=list)
    reward: list = field(default_factory=list)
    explored: list = field(default_factory=list)  # the move at t was random
    root_value: list = field(default_factory=list)  # search value of s_t

    def value_targets(self, search_weight: float = 0.0) -> np.ndarray:
        """z_t = r_t + γ z_{t+1} with γ = −1: the final result from each mover's view,
        except after a random move at t, where z_t = the search's root value of s_t.
        With `search_weight` w the target is (1 − w) z_t + w q_t, q_t the root value: a
        less noisy target than one game's result alone."""
        z, out = 0.0, np.zeros(len(self.reward), np.float32)
        for t in reversed(range(len(self.reward))):
            explored = t < len(self.explored) and self.explored[t]
            z = self.root_value[t] if explored else self.reward[t] - z
            out[t] = z
        if search_weight:
            out = (1 - search_weight) * out + search_weight * np.asarray(self.root_value, np.float32)
        return out


def observe(env: Env, seat: int) -> np.ndarray:
    return np.asarray(env.observation(seat), np.float32).ravel()


class SelfPlay:
    def __init__(self, envs: list[Env], model, cfg: SearchConfig, rng: np.random.Generator,
                 max_random_opening: int = 0, random_move_prob: float = 0.0, noisy_moves: int | None = None):
        self.envs, self.model, self.cfg, self.rng = envs, model, cfg, rng
        self.max_random_opening, self.random_move_prob = max_random_opening, random_move_prob
        self.noisy_moves = noisy_moves  # searched moves with Gumbel noise (None: all of them)
        self.games: list[Trajectory] = [Trajectory() for _ in envs]
        self.num_actions = envs[0].info.num_actions
        for i in range(len(envs)):
            self._new_game(i)

    def _new_game(self, i: int) -> None:
        """Reset env i and play its random opening (half the games open normally)."""
        env = self.envs[i]
        while True:
            env.reset(int(self.rng.integers(2**31)))
            opening = 0
            if self.max_random_opening and self.rng.random() < 0.5:
                opening = int(self.rng.integers(1, self.max_random_opening + 1))
            for _ in range(opening):
                if env.is_over():
                    break
                seat = env.to_move()[0]
                env.step({seat: int(self.rng.choice(env.legal_actions(seat)))})
            if not env.is_over():
                break
        self.games[i] = Trajectory()

    def step(self) -> list[Trajectory]:
        """One move in every game; returns the games that ended."""
        seats = [env.to_move()[0] for env in self.envs]
        obs = np.stack([observe(env, s) for env, s in zip(self.envs, seats)])
        legal = np.stack([env.legal_mask(s) for env, s in zip(self.envs, seats)])
        noisy = None
        if self.noisy_moves is not None:
            noisy = np.array([len(game.action) < self.noisy_moves for game in self.games])
        result = search(self.model, obs, np.array(seats), legal, self.cfg, self.rng, noisy)
        finished = []
        explore = self.rng.random(len(self.envs)) < self.random_move_prob
        for i, (env, seat) in enumerate(zip(self.envs, seats)):
            before = env.returns()[seat]
            action = int(self.rng.choice(np.flatnonzero(legal[i]))) if explore[i] else int(result.action[i])
            env.step({seat: action})
            game = self.games[i]
            game.obs.append(obs[i])
            game.player.append(seat)
            game.action.append(action)
            game.policy.append(result.policy[i].astype(np.float32))
            game.reward.append(float(env.returns()[seat] - before))
            game.explored.append(bool(explore[i]))
            game.root_value.append(float(result.value[i]))
            if env.is_over():
                finished.append(game)
                self._new_game(i)
        return finished


class Replay:
    """A ring buffer of positions; games are stored contiguously, and `steps_left` tells
    how far the unroll may look ahead within the same game."""

    def __init__(self, capacity: int, obs_dim: int, num_actions: int, rng: np.random.Generator,
                 search_weight: float = 0.0):
        self.capacity, self.num_actions, self.rng = capacity, num_actions, rng
        self.search_weight = search_weight  # of the root value in the value target
        self.obs = np.zeros((capacity, obs_dim), np.float32)
        self.player = np.zeros(capacity, np.int64)
        self.action = np.zeros(capacity, np.int64)
        self.policy = np.zeros((capacity, num_actions), np.float32)
        self.value = np.zeros(capacity, np.float32)
        self.reward = np.zeros(capacity, np.float32)
        self.steps_left = np.zeros(capacity, np.int64)
        self.size = self.cursor = 0

    def add(self, game: Trajectory) -> None:
        T = len(game.action)
        idx = (self.cursor + np.arange(T)) % self.capacity
        self.obs[idx] = np.stack(game.obs)
        self.player[idx], self.action[idx] = game.player, game.action
        self.policy[idx] = np.stack(game.policy)
        self.value[idx], self.reward[idx] = game.value_targets(self.search_weight), game.reward
        self.steps_left[idx] = T - np.arange(T)
        self.cursor = (self.cursor + T) % self.capacity
        self.size = min(self.capacity, self.size + T)

    def sample(self, batch: int, unroll: int, end_fraction: float = 0.0) -> dict[str, np.ndarray]:
        """Targets for k = 0..K; past a game's end: value 0, reward 0, random action, no
        policy loss (absorbing states). `end_fraction` of the batch is drawn from positions
        whose unroll reaches the game's last move: the only moves with a reward to learn."""
        i = self.rng.integers(self.size, size=batch)
        n_end = int(batch * end_fraction)
        if n_end:
            near_end = np.flatnonzero(self.steps_left[: self.size] <= unroll)
            if len(near_end):
                i[:n_end] = self.rng.choice(near_end, n_end)
        k = np.arange(unroll + 1)
        j = (i[:, None] + k) % self.capacity
        inside = k[None, :] < self.steps_left[i][:, None]  # position t+k exists
        moved = np.concatenate([np.zeros((batch, 1), bool), inside[:, :-1]], 1)  # move t+k-1 exists
        random_actions = self.rng.integers(self.num_actions, size=(batch, unroll))
        return {
            "obs": self.obs[i],
            "player": self.player[i],
            "actions": np.where(inside[:, :-1], self.action[j[:, :-1]], random_actions),
            "value": np.where(inside, self.value[j], 0.0).astype(np.float32),
            "reward": np.where(moved, self.reward[(j - 1) % self.capacity], 0.0).astype(np.float32),
            "policy": np.where(inside[..., None], self.policy[j], 0.0),
            "policy_mask": inside.astype(np.float32),
        }


def mirror_permutation(obs_shape: tuple[int, ...], num_actions: int) -> np.ndarray | None:
    """The move map of a left-right board mirror, for boards whose moves are the columns
    or the cells (see `board_moves`); else None."""
    moves = board_moves(obs_shape, num_actions)
    if moves is None:
        return None
    flat = moves.reshape(num_actions, -1)
    return np.argmax(moves[..., ::-1].reshape(num_actions, -1) @ flat.T, 1)  # the move on the mirrored plane


def mirror(batch: dict[str, np.ndarray], obs_shape: tuple[int, ...], permutation: np.ndarray,
           rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Mirror a random half of the samples: the board, every move of the unroll and the
    policy targets. Both games are symmetric, so each position teaches its mirror image too."""
    flip = rng.random(len(batch["obs"])) < 0.5
    out = dict(batch)
    obs = batch["obs"].reshape(-1, *obs_shape).copy()
    obs[flip] = obs[flip][..., ::-1]
    out["obs"] = obs.reshape(len(obs), -1)
    out["actions"] = np.where(flip[:, None], permutation[batch["actions"]], batch["actions"])
    out["policy"] = np.where(flip[:, None, None], batch["policy"][..., permutation], batch["policy"])
    return out
