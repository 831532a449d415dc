"""The runner: tournaments and head-to-head matches share one loop that plays the scheduled
games not yet in the store, committing each as it finishes, so a killed run resumes where
it stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from arena.backends import Backend, InlineBackend, Job, Settings
from arena.envs.base import Env
from arena.errors import ArenaError
from arena.referee import GameRecord
from arena.store import Store
from arena.tournament.config import TournamentConfig, check_config, check_openings, validate_agent
from arena.tournament.schedule import key_order, pair_jobs, round_of, rounds, take_while, total_games


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


def open_run(
    store: Store, name: str, env_id: str, env: Env, agents: list[str], stored: dict, settings: Settings, validate: bool
) -> dict[str, GameRecord]:
    """Open (or reopen) a stored run and return its finished games by key. A reused name with
    other settings fails before the slow agent checks; each agent is recorded with its plugin."""
    from arena.plugins import get_registry

    same_agent(store, env_id, agents)
    if store.tournament(name) is not None:
        store.open_tournament(name, env_id, agents, stored)
    if validate:
        for spec in agents:
            validate_agent(spec, env, settings)
    store.open_tournament(name, env_id, agents, stored)
    registry = get_registry()
    for spec in agents:
        entry = registry.find("agents", spec.partition(":")[0])
        plugin = entry.plugin if entry else None
        info = registry.plugins.get(plugin) if plugin else None
        store.register_agent(spec, plugin, info.version if info else None, env_id)
    return store.typed_games(name, env_id, agents)


def same_agent(store: Store, env_id: str, agents: list[str]) -> None:
    """Two spellings of one agent (`minimax` and `minimax:depth=4` on Connect Four) in one run
    would be one row of the store: refused in one line."""
    seen: dict[str, str] = {}
    for spec in agents:
        canon = store.canonical_spec(spec, env_id)
        if canon in seen:
            raise ArenaError(f"{seen[canon]} and {spec} are the same agent on {env_id} ({canon}); give it once")
        seen[canon] = spec


def play_missing(
    name: str,
    jobs: Iterable[Job],
    done: dict[str, GameRecord],
    store: Store,
    backend: Backend,
    settings: Settings,
    progress: Progress,
    stop: Callable[[], bool] | None = None,
) -> int:
    """Play the jobs whose keys are not in `done`, storing each game as it finishes and
    adding it to `done`; `stop()`, asked after each game, ends the run early. Returns the
    number of games played."""
    from arena.plugins import get_registry

    registry, played = get_registry(), 0
    for job, record in backend.run(settings, (j for j in jobs if j.key not in done)):
        store.add_game(name, job.key, record)
        done[job.key] = record
        played += 1
        registry.notify("on_game_end", record=record)
        halt = stop is not None and stop()  # first, so that the display shows the updated test
        progress.game(record)
        if halt:
            break
    return played


def run_tournament(
    config: TournamentConfig,
    store: Store,
    backend: Backend | None = None,
    name: str | None = None,
    progress: Progress | None = None,
    validate: bool = True,
) -> Result:
    """Play every scheduled game not yet in the store; the store commits each one at once."""
    from arena.api import make_env
    from arena.plugins import get_registry

    env = make_env(config.env_id)
    config = check_config(config, env)
    settings, backend, progress = config.settings(), backend or InlineBackend(), progress or Progress()
    name = name or config.default_name()
    done = open_run(store, name, config.env_id, env, config.agents, config.stored(), settings, validate)
    sides = len(env.info.sides)
    assert config.rounds is not None and config.games is not None  # filled in by check_config
    progress.start(
        total_games(config.format, len(config.agents), sides, config.rounds, config.games), list(done.values())
    )
    result = Result(name, config)
    try:
        for jobs in rounds(config.format, config.agents, sides, config.rounds, config.games, config.seed, done):
            result.played += play_missing(name, jobs, done, store, backend, settings, progress)
    finally:
        progress.stop()
    result.records = [done[k] for k in sorted(done, key=key_order)]
    get_registry().notify("on_tournament_end", name=name, env_id=config.env_id, results=result.records)
    return result


# -- match: a head-to-head stopped by the GSPRT ----------------------------------------------


@dataclass
class MatchResult:
    name: str
    status: str | None  # 'H1', 'H0', or None when --max-games ran out first
    llr: float
    bounds: tuple[float, float]
    pentanomial: list[int]
    games: int
    played: int


def run_match(
    a: str,
    b: str,
    env_id: str,
    sprt,
    store: Store,
    backend: Backend | None = None,
    name: str | None = None,
    seed: int = 0,
    max_games: int = 1000,
    settings: Settings | None = None,
    progress: Progress | None = None,
    validate: bool = True,
) -> MatchResult:
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
    check_openings(settings.opening_plies, env)
    config = {
        "format": "match",
        "seed": seed,
        "elo0": sprt.elo0,
        "elo1": sprt.elo1,
        "bounds": [sprt.lower, sprt.upper],
        "time_per_move": settings.time_per_move,
        "time_bank": settings.time_bank,
        "opening_plies": settings.opening_plies,
    }
    name = name or f"match {env_id} {a} vs {b} seed={seed} elo0={sprt.elo0:g} elo1={sprt.elo1:g}"
    done = open_run(store, name, env_id, env, [a, b], config, settings, validate)
    backend, progress = backend or InlineBackend(), progress or Progress()
    pairs = max_games // 2
    next_pair = 0

    def feed() -> str | None:
        """Give the test every complete pair in schedule order; its verdict, if any."""
        nonlocal next_pair
        while next_pair < pairs:
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
    status, played = feed(), 0
    try:
        if status is None and next_pair < pairs:
            scheduled = take_while(pair_jobs(a, b, seed), lambda j: round_of(j.key) < pairs)

            def decided() -> bool:
                nonlocal status
                status = feed()
                return status is not None

            played = play_missing(name, scheduled, done, store, backend, settings, progress, decided)
    finally:
        progress.stop()
    return MatchResult(name, status, sprt.llr, (sprt.lower, sprt.upper), list(sprt.counts), 2 * next_pair, played)
