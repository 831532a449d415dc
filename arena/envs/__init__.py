"""The one game interface the referee drives, and the env-id parser."""

from arena.envs.base import SIMULTANEOUS, TURN_BASED, Env, EnvInfo, parse_env_id

__all__ = ["Env", "EnvInfo", "TURN_BASED", "SIMULTANEOUS", "parse_env_id"]
