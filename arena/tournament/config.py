"""What a tournament is (its settings), and the checks before its first game: the settings
against the game, and each agent loading and playing a legal first move."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from arena.agents import Agent
from arena.backends import Settings
from arena.envs.base import TURN_BASED, Env
from arena.errors import ArenaError
from arena.referee import play

FORMATS = ("round-robin", "gauntlet", "swiss")


@dataclass
class TournamentConfig:
    env_id: str
    agents: list[str]
    format: str = "round-robin"
    games: int | None = None  # per pairing (per group of agents); None: 10, rounded up to a full cycle
    rounds: int | None = None  # round robin / gauntlet repeats; Swiss rounds (None: ceil(log2 n))
    challenger: str | None = None  # gauntlet: this agent against the field (default: the first)
    seed: int = 0
    time_per_move: float | None = None
    time_bank: float = 0.0
    opening_plies: int = 0
    isolate: bool = False  # run each agent in its own process (does not change results)

    def settings(self) -> Settings:
        return Settings(self.env_id, self.time_per_move, self.time_bank, self.opening_plies, self.isolate)

    def stored(self) -> dict:
        """What defines the results (stored with the tournament; a rerun must match it)."""
        data = asdict(self)
        del data["env_id"], data["agents"], data["isolate"]
        return data

    def default_name(self) -> str:
        return f"{self.env_id} {' '.join(self.agents)} {self.format} seed={self.seed}"


def check_config(config: TournamentConfig, env: Env) -> TournamentConfig:
    """Validate the settings against the env; returns the config with defaults filled in."""
    sides = len(env.info.sides)
    if config.format not in FORMATS:
        raise ArenaError(f"unknown format {config.format!r}; choose one of {', '.join(FORMATS)}")
    agents = list(config.agents)
    if config.challenger:
        if config.format != "gauntlet":
            raise ArenaError("--challenger only applies to --format gauntlet")
        agents = [config.challenger] + [a for a in agents if a != config.challenger]
    if len(set(agents)) != len(agents):
        raise ArenaError("each agent spec may appear only once; give two copies different parameters")
    if len(agents) < max(2, sides):
        raise ArenaError(f"{env.info.id} has {sides} sides: a tournament needs at least {max(2, sides)} agents")
    if config.format == "swiss" and sides != 2:
        raise ArenaError("--format swiss needs a two-player (two-side) game; use round-robin")
    games = config.games if config.games is not None else sides * math.ceil(10 / sides)
    if games < 1 or games % sides:
        what = "even (seat-swapped pairs)" if sides == 2 else f"a multiple of {sides} (one seat rotation each)"
        raise ArenaError(f"--games must be a positive number, {what}, for {env.info.id}; got {games}")
    rounds = (
        config.rounds
        if config.rounds is not None
        else (max(1, math.ceil(math.log2(len(agents)))) if config.format == "swiss" else 1)
    )
    if rounds < 1:
        raise ArenaError(f"--rounds must be at least 1, got {rounds}")
    check_openings(config.opening_plies, env)
    if config.time_per_move is not None and config.time_per_move <= 0:
        raise ArenaError("--time-per-move must be a positive number of seconds")
    if config.time_bank < 0:
        raise ArenaError("--time-bank must be 0 or more seconds")
    return TournamentConfig(
        config.env_id,
        agents,
        config.format,
        games,
        rounds,
        config.challenger,
        config.seed,
        config.time_per_move,
        config.time_bank,
        config.opening_plies,
        config.isolate,
    )


def check_openings(opening_plies: int, env: Env) -> None:
    if opening_plies < 0:
        raise ArenaError("--opening-plies must be 0 or more")
    if opening_plies and env.info.kind != TURN_BASED:
        raise ArenaError("--opening-plies applies to turn-based games only")


class _Validated(Exception):
    pass


def validate_agent(spec: str, env: Env, settings: Settings) -> None:
    """Kaggle-style: the agent must load and play a legal first move of a self-play game."""
    from arena.api import make_agent

    try:
        if settings.isolate:
            from arena.remote import isolated

            agents: list[Agent] = [isolated(spec, env.info.id, env_info=env.info) for _ in env.info.sides]
        else:
            agents = [make_agent(spec, env) for _ in env.info.sides]
    except ArenaError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to build is the spec's, in one line
        raise ArenaError(f"agent {spec} failed to load: {type(exc).__name__}: {exc}"[:300]) from None

    def stop(env, record):
        raise _Validated

    try:
        record = play(
            env,
            agents,
            0,
            names=[spec] * len(agents),
            on_step=stop,
            time_per_move=settings.time_per_move,
            time_bank=settings.time_bank,
        )
    except _Validated:
        record = None
    finally:
        for agent in agents:
            _close(agent)
    if record is not None and record.forfeit_player is not None:
        raise ArenaError(
            f"agent {spec} failed its validation move on {env.info.id}: {record.termination}: {record.reason}"[:300]
        )


def _close(agent: Agent) -> None:
    try:
        agent.close()
    except Exception:  # noqa: BLE001
        pass
