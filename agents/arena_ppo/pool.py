"""Past-opponent pool with OpenAI Five's quality scores.

A share of games (20 % by default) is played against a past snapshot i drawn with
p_i = softmax(q)_i; a new snapshot enters with q = max(q); when the learner beats snapshot
i, q_i ← q_i − η / (N p_i), so opponents the learner already beats are drawn less often.
"""

from __future__ import annotations

from typing import Any

import numpy as np

LATEST = -1  # "play the current policy", not a snapshot
RANDOM = -2  # uniform over legal actions: a fixed reference that does not defend
SCRIPTED = -3  # a fixed scripted team (Args.scripted_spec): a reference that attacks and defends


class OpponentPool:
    def __init__(self, eta: float = 0.01, capacity: int = 50):
        self.eta, self.capacity = eta, capacity
        self.snapshots: list[dict[str, Any]] = []  # state dicts
        self.quality = np.zeros(0)
        self.ids: list[int] = []  # training iteration at which each snapshot was taken

    def __len__(self) -> int:
        return len(self.snapshots)

    def probabilities(self) -> np.ndarray:
        z = np.exp(self.quality - self.quality.max())
        return z / z.sum()

    def add(self, state_dict: dict[str, Any], snapshot_id: int) -> None:
        q = self.quality.max() if len(self) else 0.0
        self.snapshots.append(state_dict)
        self.ids.append(snapshot_id)
        self.quality = np.append(self.quality, q)
        if len(self) > self.capacity:  # forget the oldest
            self.snapshots.pop(0)
            self.ids.pop(0)
            self.quality = self.quality[1:]

    def sample(self, rng: np.random.Generator, latest_fraction: float = 0.8) -> int:
        """LATEST with probability `latest_fraction` (or when empty), else a snapshot index."""
        if not len(self) or rng.random() < latest_fraction:
            return LATEST
        return int(rng.choice(len(self), p=self.probabilities()))

    def learner_won(self, index: int) -> None:
        """The current policy beat snapshot `index`: draw it less often."""
        p = self.probabilities()[index]
        self.quality[index] -= self.eta / (len(self) * p)

    def state_dict(self) -> dict[str, Any]:
        return {"snapshots": self.snapshots, "quality": self.quality.tolist(), "ids": self.ids,
                "eta": self.eta, "capacity": self.capacity}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.snapshots = list(state["snapshots"])
        self.quality = np.asarray(state["quality"], dtype=float)
        self.ids = list(state["ids"])
        self.eta, self.capacity = float(state["eta"]), int(state["capacity"])
