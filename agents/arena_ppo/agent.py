"""`ppo:checkpoint=PATH`: a trained policy playing every seat of its side at once (a team in
simultaneous-move games, one seat in turn-based ones)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path

import numpy as np
import torch

from arena import Agent, ArenaError, EnvInfo, ObservationProtocol
from arena.envs import parse_env_id
from arena_ppo import checkpoint as ckpt
from arena_ppo.model import TeamPolicy, sample

# Checkpoints shipped as package data (so a wheel install has them), by the game they play.
BUNDLED = {"fivehero/5v5": "fivehero_5v5.pt"}


def bundled_checkpoint(env_id: str) -> str:
    """The checkpoint that `ppo` without `checkpoint=` plays `env_id` with."""
    name = parse_env_id(env_id)[0]
    if name not in BUNDLED:
        raise ArenaError(f"ppo has no bundled checkpoint for {env_id} (bundled: {', '.join(BUNDLED)}); "
                         "pass checkpoint=PATH to a .pt written by `arena train ppo`")
    return str(Path(str(files("arena_ppo") / "checkpoints" / BUNDLED[name])))


class PPOAgent(Agent):
    """Samples from the policy (or takes its most likely action with greedy=true)."""

    def __init__(self, env_info: EnvInfo, checkpoint: str | None = None, greedy: bool = False):
        super().__init__(env_info)
        torch.set_num_threads(1)
        checkpoint = checkpoint or bundled_checkpoint(env_info.id)
        self.model = ckpt.build_model(ckpt.load(checkpoint), checkpoint, env_info)
        self.greedy = greedy
        self.generator = torch.Generator().manual_seed(0)

    @classmethod
    def from_model(cls, env_info: EnvInfo, model: TeamPolicy, greedy: bool = False) -> PPOAgent:
        """An agent around a live network (the trainer's evaluation games)."""
        agent = cls.__new__(cls)
        Agent.__init__(agent, env_info)
        agent.model, agent.greedy, agent.generator = model, greedy, torch.Generator().manual_seed(0)
        return agent

    def reset(self, seats: tuple[int, ...], seed: int) -> None:
        self.generator.manual_seed(int(seed))

    def act_team(self, observations: Mapping[int, ObservationProtocol]) -> dict[int, int]:
        seats = list(observations)
        obs = np.stack([np.ravel(observations[s].tensor) for s in seats]).astype(np.float32)
        mask = np.stack([observations[s].legal_mask for s in seats])
        with torch.inference_mode():
            logits = self.model.logits(torch.from_numpy(obs), torch.tensor(seats), torch.from_numpy(mask))
            actions = logits.argmax(-1) if self.greedy else sample(logits, self.generator)[0]
        return {seat: int(a) for seat, a in zip(seats, actions)}

    def act(self, obs: ObservationProtocol) -> int:
        return self.act_team({obs.seat: obs})[obs.seat]

    def action_probabilities(self, obs: ObservationProtocol) -> dict[int, float]:
        """The policy's distribution at this decision (what act samples from when not greedy)."""
        tensor = torch.from_numpy(np.ravel(obs.tensor).astype(np.float32))[None]
        with torch.inference_mode():
            logits = self.model.logits(tensor, torch.tensor([obs.seat]), torch.from_numpy(obs.legal_mask)[None])
            probs = torch.softmax(logits.double(), -1)[0].numpy()
        if self.greedy:
            probs = np.eye(len(probs))[int(probs.argmax())]
        return {a: float(probs[a]) for a in obs.legal_actions}
