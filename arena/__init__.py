"""Arena: a plugin-based game-AI arena.

import arena
env = arena.make_env("openspiel/tic_tac_toe")
record = arena.play(env, [arena.make_agent("minimax", env), arena.make_agent("random", env)], seed=1)
"""

import os as _os

# Before numpy loads: OpenBLAS threads spin-wait, which only costs on the small matrices arena
# fits (ratings), and on a busy machine made a leaderboard's bootstrap 20x slower. A user's
# own setting wins.
_os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from arena.agents import Agent, Observation, ObservationProtocol, Requirements
from arena.api import list_envs, make_agent, make_env
from arena.envs.base import SIMULTANEOUS, TURN_BASED, Env, EnvInfo, ForwardModel
from arena.errors import ArenaError
from arena.hookspecs import hookimpl
from arena.referee import GameRecord, play

__version__ = "0.1.0"

__all__ = [
    "Agent",
    "ArenaError",
    "Env",
    "EnvInfo",
    "ForwardModel",
    "GameRecord",
    "Observation",
    "ObservationProtocol",
    "Requirements",
    "SIMULTANEOUS",
    "TURN_BASED",
    "hookimpl",
    "list_envs",
    "make_agent",
    "make_env",
    "play",
]
