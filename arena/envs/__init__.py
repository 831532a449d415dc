"""The one game interface the referee drives, and the env-id parser."""

from arena.envs.base import (
    SIMULTANEOUS,
    TURN_BASED,
    BatchedEnv,
    Env,
    EnvInfo,
    ForwardModel,
    format_env_id,
    parse_env_id,
)

__all__ = [
    "BatchedEnv",
    "Env",
    "EnvInfo",
    "ForwardModel",
    "TURN_BASED",
    "SIMULTANEOUS",
    "format_env_id",
    "parse_env_id",
]
