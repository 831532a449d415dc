"""Where games are played: in this process, in a pool of local worker processes, or as Ray tasks.

Every backend runs the same `play_job` and hands finished records back to the one process
that writes the store; a worker never touches the database. Workers build each agent once
per spec and reuse it for all their games (an agent is `reset` with the game's seed, so reuse
does not change results), with one torch thread each.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping, Protocol

import numpy as np

from arena.agents import Agent, Observation
from arena.errors import ArenaError
from arena.referee import TIMEOUT, GameRecord, play

THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


@dataclass(frozen=True)
class Settings:
    """Everything a worker needs to play any game of a tournament."""

    env_id: str
    time_per_move: float | None = None
    time_bank: float = 0.0
    opening_plies: int = 0
    isolate: bool = False  # every agent in its own process, through `arena serve-agent`


@dataclass(frozen=True)
class Job:
    """One game: its key in the tournament, its seed and the agent spec of each side."""

    key: str
    seed: int
    players: tuple[str, ...]


# -- playing one game (runs in whichever process the backend chose) ---------------------------

class OpeningAgent(Agent):
    """Plays the first `plies` moves of a game uniformly at random from the game's seed, then
    hands over to the wrapped agent. The move at ply t depends only on (seed, t), so both games
    of a seat-swapped pair open identically, and the moves land in the record like any other
    (replays need nothing extra). The wrapped agent is `inform`ed of the forced moves it did
    not choose, so agents that track the game through `inform` stay in sync."""

    def __init__(self, inner: Agent, plies: int):
        super().__init__(inner.env_info)
        self.inner, self.plies = inner, plies
        self.needs_forward_model = inner.needs_forward_model
        self.game_seed, self.ply = 0, 0

    def reset(self, seats, seed):
        self.ply = 0
        self.inner.reset(seats, seed)

    def _random(self, obs: Observation) -> int:
        legal = obs.legal_actions
        return int(legal[np.random.default_rng([self.game_seed, self.ply, obs.seat]).integers(len(legal))])

    def act(self, obs: Observation) -> int:
        if self.ply >= self.plies:
            action = self.inner.act(obs)
        else:
            action = self._random(obs)
            self.inner.inform(obs.seat, action)
        self.ply += 1
        return action

    def act_team(self, observations: Mapping[int, Observation]) -> dict[int, int]:
        if self.ply >= self.plies:
            actions = self.inner.act_team(observations)
        else:
            actions = {seat: self._random(obs) for seat, obs in observations.items()}
            for seat, action in actions.items():
                self.inner.inform(seat, action)
        self.ply += 1
        return actions

    def inform(self, seat: int, action: int) -> None:
        self.ply += 1
        self.inner.inform(seat, action)

    def close(self) -> None:
        self.inner.close()


class _Cache:
    """This process's env and agents, built on first use and reused for every game."""

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self.env = None
        self.agents: dict[str, Agent] = {}
        atexit.register(self.clear)

    def clear(self) -> None:
        for agent in self.agents.values():
            try:
                agent.close()
            except Exception:  # noqa: BLE001 - closing must not mask the run's own outcome
                pass
        self.agents.clear()

    def prepare(self, settings: Settings):
        from arena.api import make_env

        if settings != self.settings:
            self.clear()
            self.settings, self.env = settings, make_env(settings.env_id)
        return self.env

    def agent(self, spec: str) -> Agent:
        if spec not in self.agents:
            from arena.api import make_agent

            if self.settings.isolate:
                from arena.remote import isolated

                agent = isolated(spec, self.settings.env_id, env_info=self.env.info)
            else:
                agent = make_agent(spec, self.env)
            if self.settings.opening_plies:
                agent = OpeningAgent(agent, self.settings.opening_plies)
            self.agents[spec] = agent
            one_torch_thread()
        return self.agents[spec]


_cache = _Cache()


def play_job(settings: Settings, job: Job) -> GameRecord:
    """Play one scheduled game in this process, reusing its cached env and agents."""
    env = _cache.prepare(settings)
    agents = [_cache.agent(spec) for spec in job.players]
    for agent in agents:
        if isinstance(agent, OpeningAgent):
            agent.game_seed = job.seed
    record = play(env, agents, job.seed, names=list(job.players), time_per_move=settings.time_per_move,
                  time_bank=settings.time_bank)
    if record.termination == TIMEOUT:  # its thread may still be stuck inside: build a fresh one
        stuck = agents[record.forfeit_player]
        if not getattr(stuck, "keeps_own_clock", False):  # a subprocess agent restarted itself
            _cache.agents.pop(job.players[record.forfeit_player], None)
    return record


def one_torch_thread() -> None:
    """Games run in parallel processes; a torch that spreads over all cores in each of them
    would only fight itself."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != 1:
        torch.set_num_threads(1)


# -- backends -------------------------------------------------------------------------------

class Backend(Protocol):
    """What the runner needs from a backend: play jobs, pulled lazily so the caller may stop
    early, and yield each finished game with its job, in any order."""

    workers: int

    def run(self, settings: Settings, jobs: Iterable[Job]) -> Iterator[tuple[Job, GameRecord]]: ...

    def close(self) -> None: ...


class InlineBackend:
    """Plays the games one after another in this process (concurrency 1)."""

    workers = 1

    def run(self, settings: Settings, jobs: Iterable[Job]) -> Iterator[tuple[Job, GameRecord]]:
        for job in jobs:
            yield job, play_job(settings, job)

    def close(self) -> None:
        _cache.clear()


class _Bounded:
    """Shared loop of the parallel backends: keep a few games per worker in flight, pull
    jobs lazily (so a caller may stop early), and yield games as they finish."""

    workers = 1

    def run(self, settings: Settings, jobs: Iterable[Job]) -> Iterator[tuple[Job, GameRecord]]:
        todo, pending = iter(jobs), {}
        try:
            while True:
                while len(pending) < 2 * self.workers:
                    job = next(todo, None)
                    if job is None:
                        break
                    pending[self._submit(settings, job)] = job
                if not pending:
                    return
                for handle in self._finished(list(pending)):
                    yield pending.pop(handle), self._result(handle)
        finally:
            self._cancel(list(pending))


class LocalPool(_Bounded):
    """Worker processes on this machine (forkserver where available, else spawn)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.settings: Settings | None = None

    def _ensure(self, settings: Settings) -> ProcessPoolExecutor:
        if self.pool is None:
            for var in THREAD_ENV:  # inherited by the workers before they import torch or BLAS
                os.environ.setdefault(var, "1")
            method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context(method),
                                            initializer=_init_worker, initargs=(os.getpid(),))
        return self.pool

    def _submit(self, settings, job):
        return self._ensure(settings).submit(play_job, settings, job)

    def _finished(self, handles):
        done, _ = wait(handles, return_when=FIRST_COMPLETED)
        return [h for h in handles if h in done]

    def _result(self, handle) -> GameRecord:
        try:
            return handle.result()
        except BrokenProcessPool:
            raise ArenaError("a worker process died (an agent crashed the interpreter?); "
                             "finished games are stored: rerun the same command to resume") from None
        except ArenaError as exc:  # e.g. a worker could not build an agent that loaded here
            raise ArenaError(f"in a worker process: {exc}") from None

    def _cancel(self, handles) -> None:
        for h in handles:
            h.cancel()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _init_worker(parent_pid: int) -> None:
    one_torch_thread()

    def exit_with_parent():  # a `kill -9`ed tournament must not leave its workers playing
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=exit_with_parent, daemon=True).start()


def _ray_play(settings: Settings, job: Job) -> GameRecord:
    return play_job(settings, job)


class RayBackend(_Bounded):
    """Games as Ray tasks: on a local Ray started here (dashboard off), or on the cluster at
    `address`. Workers keep their agents between tasks just like local workers."""

    def __init__(self, workers: int, address: str | None = None):
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a private local Ray needs no tokens
        try:
            import ray
        except ImportError:
            raise ArenaError("--backend ray needs ray: pip install 'arena-league[ray]'") from None
        self.ray = ray
        if not ray.is_initialized():
            try:
                if address:
                    ray.init(address=address, logging_level="ERROR", log_to_driver=False)
                else:
                    ray.init(num_cpus=workers, include_dashboard=False, logging_level="ERROR",
                             log_to_driver=False)
            except Exception as exc:  # noqa: BLE001 - ray raises many kinds; one line for the user
                raise ArenaError(f"cannot start or reach Ray{' at ' + address if address else ''}: {exc}") from None
            self.started = True
        else:
            self.started = False
        self.workers = max(1, int(ray.cluster_resources().get("CPU", workers)))
        self.task = ray.remote(num_cpus=1)(_ray_play)

    def _submit(self, settings, job):
        return self.task.remote(settings, job)

    def _finished(self, handles):
        done, _ = self.ray.wait(handles, num_returns=1)
        return done

    def _result(self, handle) -> GameRecord:
        return self.ray.get(handle)

    def _cancel(self, handles) -> None:
        for h in handles:
            self.ray.cancel(h, force=True)

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()


def make_backend(name: str, concurrency: int, address: str | None = None) -> Backend:
    if name == "local":
        return InlineBackend() if concurrency == 1 else LocalPool(concurrency)
    if name == "ray":
        return RayBackend(concurrency, address)
    raise ArenaError(f"unknown backend {name!r}; choose local or ray")


def default_concurrency() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


__all__ = ["Backend", "Job", "Settings", "OpeningAgent", "play_job", "make_backend", "default_concurrency",
           "InlineBackend", "LocalPool", "RayBackend"]
