"""The league of team PPO: whom the learner plays in each env, and what those games teach it.

In team-vs-team envs the learner plays one side of every env (alternating sides from game to
game, so one policy learns both) against, drawn per game: uniform random play
(`random_fraction`), a fixed scripted team (`scripted_fraction`), else OpenAI Five's mix of
80 % latest self and 20 % past snapshots drawn by quality (pool.py). Every `snapshot_every`
iterations the current policy joins the pool; a win against snapshot i lowers q_i. Cooperative
envs (one side) have no opponent: the learner plays every seat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from arena_ppo.model import MASKED, TeamPolicy, sample
from arena_ppo.pool import LATEST, RANDOM, SCRIPTED, OpponentPool
from arena_ppo.vec import Finished


def draw_opponent(pool: OpponentPool, rng: np.random.Generator, args) -> int:
    """RANDOM, SCRIPTED, LATEST or the id of a pool snapshot, for the next game of one env."""
    u = rng.random()
    if u < args.random_fraction:
        return RANDOM
    if u < args.random_fraction + args.scripted_fraction:
        return SCRIPTED
    i = pool.sample(rng, args.latest_fraction)
    return LATEST if i == LATEST else pool.ids[i]


class League:
    """Per env: the learner's side and its opponent; the snapshot pool; the iteration's scores.

    `args` is the trainer's Args (the opponent-mix, pool and scripted-team fields)."""

    KINDS = {LATEST: "latest", RANDOM: "random", SCRIPTED: "scripted"}  # any other id: "pool"

    def __init__(self, args, sides: tuple[tuple[int, ...], ...], model: TeamPolicy, net_dims: tuple[int, ...],
                 envs: list, rng: np.random.Generator):
        self.args, self.rng = args, rng
        self.selfplay = len(sides) == 2
        self.side_seats = np.array(sides)  # (sides, K)
        self.learn_side = np.arange(len(envs)) % len(sides)  # envs alternate sides
        self.opponent = np.full(len(envs), LATEST)
        self.pool = OpponentPool(args.quality_eta, args.pool_capacity)
        self.nets = OpponentNets(model, self.pool, *net_dims)
        if self.selfplay and args.scripted_fraction > 0:
            self.nets.add_scripted(args.scripted_spec, envs)
        self.scores: dict[str, list[float]] = {kind: [] for kind in ("latest", "pool", "random", "scripted")}

    def learner_seats(self) -> np.ndarray:
        """(E, K): the seats the learner plays in each env."""
        return self.side_seats[self.learn_side]

    def opponent_actions(self, obs: np.ndarray, mask: np.ndarray, actions: np.ndarray) -> None:
        """Fill in the opponents' seats of `actions` (E, N)."""
        if self.selfplay:
            self.nets.act(obs, mask, self.side_seats[1 - self.learn_side], self.opponent, actions)

    def game_over(self, game: Finished) -> float | None:
        """Book a finished game; the learner's score (None without an opponent). The env's
        next game is played from the other side against a freshly drawn opponent."""
        if not self.selfplay:
            return None
        e, side = game.env, self.learn_side[game.env]
        score = game.scores[side]
        self.scores[self.KINDS.get(self.opponent[e], "pool")].append(score)
        if score == 1.0 and self.opponent[e] in self.pool.ids:
            self.pool.learner_won(self.pool.ids.index(self.opponent[e]))
        self.learn_side[e] = 1 - side
        self.opponent[e] = draw_opponent(self.pool, self.rng, self.args)
        self.nets.new_game(e, self.side_seats[1 - self.learn_side[e]], self.rng)
        return score

    def end_iteration(self, iteration: int, model: TeamPolicy) -> dict[str, Any]:
        """Snapshot the policy when due; the iteration's scores by opponent (then cleared)."""
        if not self.selfplay:
            return {}
        if iteration % self.args.snapshot_every == 0:
            self.pool.add({k: v.clone() for k, v in model.state_dict().items()}, iteration)
            # An env whose snapshot just left the pool plays on against the latest policy.
            self.opponent[~np.isin(self.opponent, [LATEST, RANDOM, SCRIPTED, *self.pool.ids])] = LATEST
        row = {f"score_vs_{kind}": (float(np.mean(s)) if s else None) for kind, s in self.scores.items()}
        for s in self.scores.values():
            s.clear()
        return {**row, "pool": len(self.pool)}

    def state_dict(self) -> dict[str, Any]:
        return self.pool.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.pool.load_state_dict(state)


class OpponentNets:
    """The opponents' actions: one batched forward pass per distinct opponent (latest or a
    pool snapshot) over the envs that play it; a scripted team per env for SCRIPTED."""

    def __init__(self, model: TeamPolicy, pool: OpponentPool, *dims: int):
        self.model, self.pool, self.dims, self.nets = model, pool, dims, {}
        self.scripted: list = []

    def add_scripted(self, spec: str, envs) -> None:
        """One scripted agent per env (it keeps per-game state, e.g. who is retreating)."""
        from arena.api import make_agent

        self.scripted = [make_agent(spec, env) for env in envs]

    def new_game(self, e: int, seats: np.ndarray, rng: np.random.Generator) -> None:
        # A fresh seed per game, as the referee gives: a scripted team that drifts the same
        # way every game is a fixed target the learner overfits (it won 1.0 in training and
        # 0.45 in referee games from one side).
        if self.scripted:
            self.scripted[e].reset([int(s) for s in seats], int(rng.integers(2**31 - 1)))

    def net(self, snapshot_id: int) -> TeamPolicy:
        if snapshot_id == LATEST:
            return self.model
        if snapshot_id not in self.nets:
            self.nets = {k: v for k, v in self.nets.items() if k in self.pool.ids}
            net = TeamPolicy(*self.dims)
            net.load_state_dict(self.pool.snapshots[self.pool.ids.index(snapshot_id)])
            self.nets[snapshot_id] = net
        return self.nets[snapshot_id]

    @torch.inference_mode()
    def act(self, obs, mask, seats, opponent, actions) -> None:
        for snapshot_id in np.unique(opponent):
            envs = np.flatnonzero(opponent == snapshot_id)[:, None]
            if snapshot_id == SCRIPTED:
                self._act_scripted(obs, mask, seats, envs[:, 0], actions)
                continue
            o, m, s = obs[envs, seats[envs[:, 0]]], mask[envs, seats[envs[:, 0]]], seats[envs[:, 0]]
            m = torch.from_numpy(np.ascontiguousarray(m)).flatten(0, 1)
            if snapshot_id == RANDOM:
                logits = torch.zeros(m.shape).masked_fill(~m, MASKED)
            else:
                o_t = torch.from_numpy(np.ascontiguousarray(o)).flatten(0, 1)
                logits = self.net(snapshot_id).logits(o_t, torch.from_numpy(np.ascontiguousarray(s)).flatten(), m)
            a, _ = sample(logits)
            actions[envs, s] = a.view(len(envs), -1).numpy()

    def _act_scripted(self, obs, mask, seats, envs, actions) -> None:
        for e in envs:
            views = {int(s): _Seen(int(s), obs[e, s], np.flatnonzero(mask[e, s]).tolist()) for s in seats[e]}
            for seat, action in self.scripted[e].act_team(views).items():
                actions[e, seat] = action


@dataclass
class _Seen:
    """What a scripted agent reads of an Observation, taken from the batched arrays."""

    seat: int
    tensor: np.ndarray
    legal_actions: list[int]
