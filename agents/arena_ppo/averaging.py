"""The average policy by distillation: a second network trained to play, at the states the
iterates met, the average of their action distributions (NFSP's average network, with whole
distributions as targets instead of sampled actions, and a sliding window instead of a
reservoir).

Averaging the parameters of a nonlinear network (Polyak) averages its logits, not its policy:
on Leduc the parameter average of a run's late iterates is about 0.02 more exploitable than the
average of their distributions (benchmarks/average_space.py, docs/results.md). States enter as
often as self-play meets them, so rarely reached ones weigh little, much as in CFR's
sequence-form average.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from arena_ppo.model import TeamPolicy


class DistilledAverage:
    """`net` plays the average of the policies offered to `add` over the last `window` updates.

    Each update offers a batch's states and the action distributions the iterate played them
    with; `rows` of them, drawn at random, go into a ring of `capacity` updates, and `fit`
    takes a few minibatch steps of cross-entropy towards the rows of the current window. The
    ring holds at most `MAX_BYTES` (a shorter window where observations are large) and is not
    checkpointed: a resumed run refills it from its next updates."""

    MAX_BYTES = 512 << 20

    def __init__(self, model: TeamPolicy, obs_dim: int, capacity: int, rows: int, lr: float, steps: int,
                 minibatch: int, rng: np.random.Generator):
        self.net = copy.deepcopy(model)
        self.optimizer = torch.optim.Adam(self.net.actor.parameters(), lr=lr)  # its critic is never used
        self.rows, self.steps, self.minibatch, self.rng = rows, steps, minibatch, rng
        actions = model.num_actions
        size = min(capacity * rows, self.MAX_BYTES // (4 * (obs_dim + actions) + 8 + actions))
        self.obs = torch.zeros(size, obs_dim)
        self.seat = torch.zeros(size, dtype=torch.long)
        self.mask = torch.zeros(size, actions, dtype=torch.bool)
        self.probs = torch.zeros(size, actions)
        self.written = 0  # rows ever written; the ring's next slot is written % size

    def add(self, model: TeamPolicy, obs: torch.Tensor, seat: torch.Tensor, mask: torch.Tensor,
            probs: torch.Tensor) -> None:
        """Offer one update's states and the iterate's distributions at them; the average
        network takes the iterate's input statistics (they are the same inputs)."""
        pick = torch.from_numpy(self.rng.choice(len(obs), size=min(self.rows, len(obs)), replace=False))
        slots = (self.written + torch.arange(len(pick))) % len(self.obs)
        self.obs[slots], self.seat[slots], self.mask[slots], self.probs[slots] = (
            obs[pick], seat[pick], mask[pick], probs[pick])
        self.written += len(pick)
        self.net.obs_norm.load_state_dict(model.obs_norm.state_dict())

    def fit(self, window: int) -> float:
        """Minibatch steps towards the rows of the last `window` updates; their mean KL."""
        size = len(self.obs)
        span = min(self.written, window * self.rows, size)
        losses = []
        for _ in range(self.steps):
            back = torch.from_numpy(self.rng.integers(1, span + 1, size=self.minibatch))
            rows = (self.written - back) % size
            loss = kl_from(self.probs[rows], self.net.logits(self.obs[rows], self.seat[rows], self.mask[rows]),
                           self.mask[rows])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            losses.append(loss.item())
        return float(np.mean(losses))


def kl_from(target: torch.Tensor, logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean KL(target ‖ softmax(logits)) over rows, illegal actions left out: the cross-entropy
    a distillation minimises, less the targets' entropy (0 when the fit is exact)."""
    logp = torch.log_softmax(logits, -1)
    return (target * (target.clamp_min(1e-12).log() - logp)).masked_fill(~mask, 0.0).sum(-1).mean()
