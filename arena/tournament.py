"""Tournaments: schedules (round robin, gauntlet, Swiss), agent validation, and the runner.

A schedule is a pure function of the settings: every game is (round, group, game index) and
gets its seed from (tournament seed, round, group, cycle). Two-player games come in
seat-swapped pairs sharing one seed; with more sides a cycle rotates the seats through every
position, again on one seed. So a rerun of the same command knows exactly which games are
missing and plays them with the seeds they would have had (resume = set difference on keys).
Swiss rounds depend on earlier results, which are read back from the store, so they resume too.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from arena.agents import Agent
from arena.backends import InlineBackend, Job, Settings
from arena.envs.base import TURN_BASED, Env
from arena.errors import ArenaError
from arena.referee import GameRecord, play
from arena.store import Store

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


# -- schedules ------------------------------------------------------------------------------

def game_seed(seed: int, round_: int, group: Sequence[int], cycle: int) -> int:
    return int(np.random.SeedSequence([seed, round_, *group, cycle]).generate_state(1)[0])


def group_games(round_: int, group: Sequence[int], agents: Sequence[str], games: int, seed: int) -> list[Job]:
    """`games` games of one group of agents: cycles of seat rotations sharing a seed."""
    k, jobs = len(group), []
    for g in range(games):
        cycle, shift = divmod(g, k)
        order = tuple(group[shift:]) + tuple(group[:shift])
        key = f"r{round_}:{'-'.join(map(str, group))}:{g}"
        jobs.append(Job(key, game_seed(seed, round_, group, cycle), tuple(agents[i] for i in order)))
    return jobs


def fixed_groups(fmt: str, n_agents: int, sides: int) -> list[tuple[int, ...]]:
    """Groups of agent indices that meet in a round robin (all) or gauntlet (agent 0 vs field)."""
    if fmt == "round-robin":
        return list(combinations(range(n_agents), sides))
    return [(0, *rest) for rest in combinations(range(1, n_agents), sides - 1)]


def swiss_pairs(points: Sequence[float], played: set[frozenset], byes: set[int]) -> tuple[list[tuple[int, int]], int | None]:
    """Pair agents within score groups (best first), never repeating a pairing if it can be
    avoided; with an odd field the lowest-ranked agent without a bye sits out."""
    order = sorted(range(len(points)), key=lambda i: (-points[i], i))
    bye = None
    if len(order) % 2:
        bye = next((i for i in reversed(order) if i not in byes), order[-1])
        order.remove(bye)
    pairs = _pair_without_repeats(order, played)
    if pairs is None:  # everyone has met everyone: allow repeats, still by score
        pairs = list(zip(order[::2], order[1::2]))
    return pairs, bye


def _pair_without_repeats(order: list[int], played: set[frozenset]) -> list[tuple[int, int]] | None:
    if not order:
        return []
    first, rest = order[0], order[1:]
    for i, other in enumerate(rest):
        if frozenset((first, other)) not in played:
            tail = _pair_without_repeats(rest[:i] + rest[i + 1:], played)
            if tail is not None:
                return [(first, other), *tail]
    return None


# -- checks before the first game -------------------------------------------------------------

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
    rounds = config.rounds if config.rounds is not None else (
        max(1, math.ceil(math.log2(len(agents)))) if config.format == "swiss" else 1)
    if rounds < 1:
        raise ArenaError(f"--rounds must be at least 1, got {rounds}")
    if config.opening_plies < 0:
        raise ArenaError("--opening-plies must be 0 or more")
    if config.opening_plies and env.info.kind != TURN_BASED:
        raise ArenaError("--opening-plies applies to turn-based games only")
    if config.time_per_move is not None and config.time_per_move <= 0:
        raise ArenaError("--time-per-move must be a positive number of seconds")
    if config.time_bank < 0:
        raise ArenaError("--time-bank must be 0 or more seconds")
    return TournamentConfig(config.env_id, agents, config.format, games, rounds, config.challenger,
                            config.seed, config.time_per_move, config.time_bank, config.opening_plies,
                            config.isolate)


class _Validated(Exception):
    pass


def validate_agent(spec: str, env: Env, settings: Settings) -> None:
    """Kaggle-style: the agent must load and play a legal first move of a self-play game."""
    from arena.api import make_agent

    try:
        if settings.isolate:
            from arena.remote import isolated

            agents = [isolated(spec, env.info.id, env_info=env.info) for _ in env.info.sides]
        else:
            agents = [make_agent(spec, env) for _ in env.info.sides]
    except ArenaError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to build is the spec's, in one line
        raise ArenaError(f"agent {spec} failed to load: {type(exc).__name__}: {exc}"[:300]) from None

    def stop(env, record):
        raise _Validated

    try:
        record = play(env, agents, 0, names=[spec] * len(agents), on_step=stop,
                      time_per_move=settings.time_per_move, time_bank=settings.time_bank)
    except _Validated:
        record = None
    finally:
        for agent in agents:
            _close(agent)
    if record is not None and record.forfeit_player is not None:
        raise ArenaError(f"agent {spec} failed its validation move on {env.info.id}: "
                         f"{record.termination}: {record.reason}"[:300])


def _close(agent: Agent) -> None:
    try:
        agent.close()
    except Exception:  # noqa: BLE001
        pass


# -- the runner -------------------------------------------------------------------------------

@dataclass
class Progress:
    """What a display needs: called once with the total, then once per finished game."""

    start: Callable[[int, list[GameRecord]], None] = lambda total, done: None
    game: Callable[[GameRecord], None] = lambda record: None
    stop: Callable[[], None] = lambda: None


@dataclass
class Result:
    name: str
    config: TournamentConfig
    records: list[GameRecord] = field(default_factory=list)  # every game, in schedule order
    played: int = 0  # games played by this run (the rest were stored already)


def run_tournament(config: TournamentConfig, store: Store, backend=None, name: str | None = None,
                   progress: Progress | None = None, validate: bool = True) -> Result:
    """Play every scheduled game not yet in the store; the store commits each one at once."""
    from arena.api import make_env
    from arena.plugins import get_registry

    env = make_env(config.env_id)
    config = check_config(config, env)
    settings, backend, progress = config.settings(), backend or InlineBackend(), progress or Progress()
    name = name or config.default_name()
    if store.tournament(name) is not None:  # a reused name fails before the slow checks
        store.open_tournament(name, config.env_id, config.agents, config.stored())
    if validate:
        for spec in config.agents:
            validate_agent(spec, env, settings)
    store.open_tournament(name, config.env_id, config.agents, config.stored())
    registry = get_registry()
    for spec in config.agents:
        plugin = registry.agents[spec.partition(":")[0]].plugin
        store.register_agent(spec, plugin, registry.plugins[plugin].version if plugin in registry.plugins else None)

    done = {g.key: g.record for g in store.iter_games(tournament=name)}
    sides = len(env.info.sides)
    progress.start(_total(config, sides), list(done.values()))
    result = Result(name, config)
    try:
        for jobs in _rounds(config, sides, done):
            for job, record in backend.run(settings, [j for j in jobs if j.key not in done]):
                store.add_game(name, job.key, record)
                done[job.key] = record
                result.played += 1
                registry.notify("on_game_end", record=record)
                progress.game(record)
    finally:
        progress.stop()
    result.records = [done[k] for k in sorted(done, key=_key_order)]
    registry.notify("on_tournament_end", name=name, env_id=config.env_id, results=result.records)
    return result


def _total(config: TournamentConfig, sides: int) -> int:
    n = len(config.agents)
    per_round = n // 2 if config.format == "swiss" else len(fixed_groups(config.format, n, sides))
    return config.rounds * per_round * config.games


def _rounds(config: TournamentConfig, sides: int, done: dict[str, GameRecord]) -> Iterator[list[Job]]:
    """The games of each round; a Swiss round is paired from the stored results before it."""
    agents = config.agents
    if config.format != "swiss":
        groups = fixed_groups(config.format, len(agents), sides)
        yield [job for r in range(config.rounds) for g in groups
               for job in group_games(r, g, agents, config.games, config.seed)]
        return
    index = {spec: i for i, spec in enumerate(agents)}
    points, played, byes = [0.0] * len(agents), set(), set()
    for r in range(config.rounds):
        pairs, bye = swiss_pairs(points, played, byes)
        jobs = [job for pair in pairs for job in group_games(r, pair, agents, config.games, config.seed)]
        yield jobs
        for job in jobs:  # all stored now: score the round
            record = done[job.key]
            for spec, score in zip(record.players, record.scores):
                points[index[spec]] += score
        played |= {frozenset(p) for p in pairs}
        if bye is not None:
            byes.add(bye)
            points[bye] += config.games / 2  # a bye counts as drawn games


def _key_order(key: str):
    """Schedule order of keys 'r{round}:{group}:{game}' (external keys sort last)."""
    try:
        r, group, g = key.split(":")
        return (0, int(r[1:]), tuple(map(int, group.split("-"))), int(g))
    except ValueError:
        return (1, key)


# -- match: a head-to-head stopped by the GSPRT ----------------------------------------------

def pair_jobs(a: str, b: str, seed: int, start: int = 0) -> Iterator[Job]:
    """Endless seat-swapped pairs of A and B, keyed and seeded like a round-robin group."""
    pair = start
    while True:
        yield from group_games(pair, (0, 1), [a, b], 2, seed)
        pair += 1


# -- replay --------------------------------------------------------------------------------

class _Scripted(Agent):
    """Plays the stored moves of one side; all sides share one cursor over the moves."""

    def __init__(self, env_info, script: list[dict[int, int]], cursor: list[int]):
        super().__init__(env_info)
        self.script, self.cursor = script, cursor

    def act(self, obs):
        step = self.cursor[0]
        if step >= len(self.script) or obs.seat not in self.script[step]:
            raise RuntimeError("the stored game has no further move for this seat")
        return self.script[step][obs.seat]


def replay(record: GameRecord, on_step: Callable[[Env, GameRecord], None] | None = None) -> GameRecord:
    """Replay a stored game's moves on a fresh env with its seed; returns the replayed record
    (compare its moves, scores and returns with the stored ones)."""
    from arena.api import make_env

    env = make_env(record.env_id)
    script = [{seat: action for seat, action in step} for step in record.moves]
    cursor = [0]
    agents = [_Scripted(env.info, script, cursor) for _ in record.players]

    def advance(env, rec):
        cursor[0] += 1
        if on_step:
            on_step(env, rec)

    return play(env, agents, record.seed, names=list(record.players), on_step=advance)


def replay_matches(stored: GameRecord, replayed: GameRecord) -> str | None:
    """None when the replay reproduces the stored game, else what differs."""
    if replayed.moves != stored.moves:
        return f"the replay diverged after {_common(replayed.moves, stored.moves)} of {len(stored.moves)} moves"
    if stored.forfeit_player is None:
        if replayed.forfeit_player is not None:
            return f"a stored move was rejected on replay: {replayed.reason}"
        if not np.allclose(replayed.returns, stored.returns) or replayed.scores != stored.scores:
            return f"the outcome differs: stored scores {stored.scores}, replayed {replayed.scores}"
    elif replayed.forfeit_player != stored.forfeit_player:
        return "the game was over before the stored forfeit" if replayed.forfeit_player is None else \
            f"the stored forfeit was by player {stored.forfeit_player}, the replay stops at player {replayed.forfeit_player}"
    return None


def _common(a: Iterable, b: Iterable) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


@dataclass
class MatchResult:
    name: str
    status: str | None  # 'H1', 'H0', or None when --max-games ran out first
    llr: float
    bounds: tuple[float, float]
    pentanomial: list[int]
    games: int
    played: int


def run_match(a: str, b: str, env_id: str, sprt, store: Store, backend=None, name: str | None = None,
              seed: int = 0, max_games: int = 1000, settings: Settings | None = None,
              progress: Progress | None = None, validate: bool = True) -> MatchResult:
    """A head-to-head in seat-swapped pairs that stops when the GSPRT on pentanomial pair
    counts crosses a bound. Pairs are fed to the test in schedule order, so where it stops
    does not depend on concurrency, and a rerun resumes from the stored pairs."""
    from arena.api import make_env

    env = make_env(env_id)
    if len(env.info.sides) != 2:
        raise ArenaError(f"arena match needs a two-side game; {env_id} has {len(env.info.sides)}")
    if a == b:
        raise ArenaError("arena match needs two different agent specs")
    if max_games < 2 or max_games % 2:
        raise ArenaError(f"--max-games must be even (seat-swapped pairs) and at least 2, got {max_games}")
    settings = settings or Settings(env_id)
    if settings.opening_plies and env.info.kind != TURN_BASED:
        raise ArenaError("--opening-plies applies to turn-based games only")
    config = {"format": "match", "seed": seed, "elo0": sprt.elo0, "elo1": sprt.elo1,
              "bounds": [sprt.lower, sprt.upper], "time_per_move": settings.time_per_move,
              "time_bank": settings.time_bank, "opening_plies": settings.opening_plies}
    name = name or f"match {env_id} {a} vs {b} seed={seed} elo0={sprt.elo0:g} elo1={sprt.elo1:g}"
    if store.tournament(name) is not None:
        store.open_tournament(name, env_id, [a, b], config)
    if validate:
        for spec in (a, b):
            validate_agent(spec, env, settings)
    store.open_tournament(name, env_id, [a, b], config)
    for spec in (a, b):
        store.register_agent(spec)

    done = {g.key: g.record for g in store.iter_games(tournament=name)}
    backend, progress = backend or InlineBackend(), progress or Progress()
    next_pair, played = 0, 0

    def feed() -> str | None:
        nonlocal next_pair
        while next_pair < max_games // 2:
            keys = [f"r{next_pair}:0-1:{g}" for g in (0, 1)]
            if not all(k in done for k in keys):
                return None
            s1, s2 = (done[k].scores[done[k].players.index(a)] for k in keys)
            sprt.add_pair(s1, s2)
            next_pair += 1
            if sprt.status():
                return sprt.status()
        return None

    progress.start(max_games, list(done.values()))
    status = feed()
    try:
        if status is None and next_pair < max_games // 2:
            scheduled = _take_while(pair_jobs(a, b, seed), lambda j: _round_of(j.key) < max_games // 2)
            todo = (j for j in scheduled if j.key not in done)
            for job, record in backend.run(settings, todo):
                store.add_game(name, job.key, record)
                done[job.key], played = record, played + 1
                progress.game(record)
                status = feed()
                if status:
                    break
    finally:
        progress.stop()
    return MatchResult(name, status, sprt.llr, (sprt.lower, sprt.upper), list(sprt.counts),
                       2 * next_pair, played)


def _round_of(key: str) -> int:
    return int(key.split(":")[0][1:])


def _take_while(items: Iterator[Job], keep: Callable[[Job], bool]) -> Iterator[Job]:
    for item in items:
        if not keep(item):
            return
        yield item
