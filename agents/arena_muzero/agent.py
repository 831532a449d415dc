"""The `muzero` agent: a trained checkpoint behind the arena's Agent interface, and the
batched player that evaluation and the agent share."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

import arena.checkpoints
from arena import Agent, ArenaError, EnvInfo, ObservationProtocol
from arena_muzero.model import NetConfig, NumpyModel, build
from arena_muzero.search import SearchConfig, search

FORMAT = "arena-muzero/1"
# Checkpoints shipped as package data (so a wheel install has them), by the game they play.
BUNDLED = {"openspiel/tic_tac_toe": "tic_tac_toe.pt", "openspiel/connect_four": "connect_four.pt"}


def bundled_checkpoint(env_id: str) -> Path:
    """The checkpoint that `muzero` without `checkpoint=` plays `env_id` with."""
    if env_id not in BUNDLED:
        raise ArenaError(f"muzero has no bundled checkpoint for {env_id} (bundled: {', '.join(BUNDLED)}); "
                         "pass checkpoint=PATH to a latest.pt written by `arena train muzero`")
    return Path(str(files("arena_muzero") / "checkpoints" / BUNDLED[env_id]))


def load_checkpoint(path: str | Path, env_info: EnvInfo | None = None) -> dict[str, Any]:
    """Read a checkpoint (weights only, no pickled code); check it fits `env_info`."""
    path = Path(path)
    if not path.is_file():
        raise ArenaError(f"muzero checkpoint {path} does not exist; pass checkpoint=PATH to a latest.pt "
                         "written by `arena train muzero`")
    ckpt = arena.checkpoints.load_checkpoint(path)
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise ArenaError(f"{path} is not a muzero checkpoint of format {FORMAT}")
    if env_info is not None:
        net = NetConfig.from_dict(ckpt["net"])
        if ckpt["env_id"] != env_info.id or tuple(env_info.observation_shape) != net.obs_shape \
                or env_info.num_actions != net.num_actions:
            raise ArenaError(f"muzero checkpoint {path} was trained on {ckpt['env_id']}; "
                             f"it cannot play {env_info.id}")
    return ckpt


def net_from_checkpoint(ckpt: dict[str, Any]) -> torch.nn.Module:
    net = build(NetConfig.from_dict(ckpt["net"]))
    net.load_state_dict(ckpt["model"])
    return net.eval()


class Player:
    """Chooses moves for a batch of positions: Gumbel search without noise, or with
    sims=0 the raw policy's best legal move. At play time Q is rescaled from the known
    bounds [-1, 1]: min-max rescaling (used in training, as in mctx) blows tiny Q noise
    among equally drawn moves up to a full-size preference, which cost a game measured."""

    def __init__(self, net: torch.nn.Module, obs_shape: tuple[int, ...], sims: int, seed: int = 0,
                 rescale: str = "known"):
        self.model = NumpyModel(net, obs_shape)
        self.cfg = SearchConfig(num_simulations=sims, gumbel_scale=0.0, known_bounds=rescale == "known")
        self.rng = np.random.default_rng(seed)

    def choose(self, obs: np.ndarray, players: np.ndarray, legal: np.ndarray) -> np.ndarray:
        return search(self.model, obs, players, legal, self.cfg, self.rng).action


class MuZeroAgent(Agent):
    def __init__(self, env_info: EnvInfo, *, checkpoint: Path | None = None, sims: int = 16,
                 rescale: Literal["known", "minmax"] = "known"):
        super().__init__(env_info)
        if sims < 0:
            raise ArenaError(f"muzero:sims must be 0 (raw policy) or more, not {sims}")
        torch.set_num_threads(1)
        ckpt = load_checkpoint(checkpoint or bundled_checkpoint(env_info.id), env_info)
        self.player = Player(net_from_checkpoint(ckpt), tuple(env_info.observation_shape), sims,
                             rescale=rescale)

    def act(self, obs: ObservationProtocol) -> int:
        tensor = np.asarray(obs.tensor, np.float32).reshape(1, -1)
        action = self.player.choose(tensor, np.array([obs.seat]), obs.legal_mask[None])
        return int(action[0])
