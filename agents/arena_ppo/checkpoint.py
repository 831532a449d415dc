"""Checkpoints: plain dicts of tensors and numbers, saved atomically, loaded with
`weights_only=True` so that loading one runs no code."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from arena.envs.base import EnvInfo, parse_env_id
from arena.errors import ArenaError
from arena_ppo.model import TeamPolicy

FORMAT = "arena-ppo/1"


def save(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"format": FORMAT, **data}, tmp)
    os.replace(tmp, path)  # a crash mid-write never leaves a broken checkpoint


def load(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ArenaError(f"no checkpoint at {path}; give the .pt file written by `arena train ppo`")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle errors come in many types
        raise ArenaError(f"{path} is not a ppo checkpoint ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArenaError(f"{path} is not a ppo checkpoint (format {FORMAT} expected)")
    return data


def model_spec(model: TeamPolicy, env_info: EnvInfo, hidden: int) -> dict[str, Any]:
    """What it takes to rebuild the network and check it fits an env."""
    return {"env_id": env_info.id, "obs_dim": model.obs_norm.mean.shape[0],
            "state_dim": model.state_dim, "num_seats": model.num_seats,
            "num_actions": model.num_actions, "hidden": hidden, "critic_outputs": model.critic_outputs,
            "board": list(model.board or ()), "channels": model.channels}


def build_model(data: dict[str, Any], path: str | Path, env_info: EnvInfo | None = None) -> TeamPolicy:
    """The network in checkpoint `data`, after checking that it was trained on `env_info`'s env."""
    if env_info is not None:
        obs_dim = int(torch.Size(env_info.observation_shape).numel())
        # Parameters may differ (fivehero/5v5:shaped=true trains what plays fivehero/5v5);
        # the sizes below catch those that change the game's shape.
        if parse_env_id(data["env_id"])[0] != parse_env_id(env_info.id)[0]:
            raise ArenaError(f"checkpoint {path} was trained on {data['env_id']}, not {env_info.id}")
        if (data["obs_dim"], data["num_actions"], data["num_seats"]) != (
                obs_dim, env_info.num_actions, env_info.num_seats):
            raise ArenaError(f"checkpoint {path} expects observations of size {data['obs_dim']}, "
                             f"{data['num_actions']} actions and {data['num_seats']} seats; "
                             f"{env_info.id} has {obs_dim}, {env_info.num_actions} and {env_info.num_seats}")
    model = TeamPolicy(data["obs_dim"], data["num_seats"], data["num_actions"], data["state_dim"],
                       data["hidden"], data.get("critic_outputs", 1), data.get("board"), data.get("channels", 0))
    model.load_state_dict(data["model"])
    return model.eval()
